import Hotpath
import HotpathTestSupport
import Testing

@testable import HotpathLoad

@Suite("URL files")
struct URLFileTests {
    static let bodies: [String: [UInt8]] = ["order.json": Array(#"{"sku":1}"#.utf8)]

    static func parse(_ text: String, base: String? = nil) throws(HotpathInputError) -> [LoadRequest] {
        let target = base.flatMap { try? LoadTarget(parsing: $0) }
        return try URLFile.parse(text, fileName: "urls.txt", base: target) { Self.bodies[$0] }
    }

    @Test func readsEveryField() throws {
        let requests = try Self.parse("""
            # a comment, then a blank line

            GET  http://127.0.0.1:8080/
            post http://127.0.0.1:8080/orders header='Content-Type: application/json' header="X-Token: a b" body=order.json weight=3 name=create budget='p95<200ms, errors<1%'
            /health
            HEAD http://127.0.0.1:8080/ping?x=1
            """, base: "http://127.0.0.1:8080/")
        #expect(requests.count == 4)
        #expect(requests[0].method == "GET")
        #expect(requests[0].name == "GET /")
        #expect(requests[0].line == 3)
        let order = requests[1]
        #expect(order.method == "POST")
        #expect(order.target.requestTarget == "/orders")
        #expect(order.headers.map(\.name) == ["Content-Type", "X-Token"])
        #expect(order.headers[1].value == "a b")
        #expect(order.body == Self.bodies["order.json"])
        #expect(order.weight == 3)
        #expect(order.name == "create")
        #expect(order.budget?.clauses.count == 2)
        #expect(order.line == 4)
        #expect(String(decoding: order.encodedHTTP1, as: UTF8.self).contains("Content-Length: 9\r\n"))
        #expect(requests[2].target.requestTarget == "/health")
        #expect(requests[2].target.port == 8080)
        #expect(requests[3].method == "HEAD")
        #expect(requests[3].target.requestTarget == "/ping?x=1")
    }

    @Test(arguments: [
        ("GET http://127.0.0.1:8080/\nGET htp://x/", "urls.txt line 2: unsupported scheme"),
        ("GET http://127.0.0.1:8080/\n\nGET http://127.0.0.1:9090/", "urls.txt line 3: http://127.0.0.1:9090/ is on another server than line 1"),
        ("GET http://127.0.0.1:8080/ weight=0", "urls.txt line 1: weight '0'"),
        ("GET http://127.0.0.1:8080/ weight=x", "urls.txt line 1: weight 'x'"),
        ("GET http://127.0.0.1:8080/ colour=red", "urls.txt line 1: unknown field 'colour=red'"),
        ("GET http://127.0.0.1:8080/ body=missing.json", "urls.txt line 1: cannot read body file 'missing.json'"),
        ("GET http://127.0.0.1:8080/ header='NoColon'", "urls.txt line 1: bad header 'NoColon'"),
        ("GET http://127.0.0.1:8080/ header='X: a", "urls.txt line 1: unclosed ' quote"),
        ("GET http://127.0.0.1:8080/ budget='p95<fast'", "urls.txt line 1: bad budget"),
        ("/health", "urls.txt line 1: '/health' is a path"),
        ("G@T http://127.0.0.1:8080/", "urls.txt line 1: bad method 'G@T'"),
        ("GET", "urls.txt line 1: no URL after the method 'GET'"),
        ("# only a comment\n", "urls.txt has no requests"),
    ])
    func badLinesNameTheLine(text: String, expected: String) {
        do {
            _ = try Self.parse(text)
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.message.hasPrefix(expected), "\(error.message)")
            #expect(!error.message.contains("\n"))
        }
    }

    @Test func sequentialOrderRepeatsByWeight() throws {
        let requests = try Self.parse("""
            GET http://127.0.0.1:8080/a weight=2
            GET http://127.0.0.1:8080/b
            GET http://127.0.0.1:8080/c weight=3
            """)
        var picker = RequestPicker(plan: RequestPlan(requests, order: .sequential), seed: 3)
        // Seed 3 of 3 lines starts at line 0; the cycle is a a b c c c.
        let picks = (0..<12).map { _ in picker.next() }
        #expect(picks == [0, 0, 1, 2, 2, 2, 0, 0, 1, 2, 2, 2])
    }

    @Test func weightedOrderFollowsTheWeights() throws {
        let requests = try Self.parse("""
            GET http://127.0.0.1:8080/a weight=3
            GET http://127.0.0.1:8080/b weight=1
            """)
        var weighted = RequestPicker(plan: RequestPlan(requests, order: .weighted), seed: 1)
        let share = Double((0..<40_000).filter { _ in weighted.next() == 0 }.count) / 40_000
        #expect(abs(share - 0.75) < 0.01, "share \(share)")
        var random = RequestPicker(plan: RequestPlan(requests, order: .random), seed: 1)
        let uniform = Double((0..<40_000).filter { _ in random.next() == 0 }.count) / 40_000
        #expect(abs(uniform - 0.5) < 0.01, "share \(uniform)")
    }

    /// Three requests in sequential order on one loop: exactly a third each, counted per name,
    /// with a failing budget on one of them failing the run's report.
    @Test func aRunCountsPerRequest() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let requests = try Self.parse("""
            GET \(server.url)/ name=home
            GET \(server.url)/status/503 name=broken budget='errors<1%'
            POST \(server.url)/echo body=order.json name=echo
            """)
        var configuration = LoadConfiguration(target: requests[0].target)
        configuration.requestMix = requests
        configuration.order = .sequential
        configuration.connections = 3
        configuration.duration = nil
        configuration.requests = 300
        let result = try await LoadRun(configuration: configuration).run()
        #expect(result.completed == 300)
        #expect(result.endpoints.map(\.name) == ["home", "broken", "echo"])
        #expect(result.endpoints.map(\.completed) == [100, 100, 100])
        #expect(result.endpoints[1].statusCounts.byStatus.map(\.status) == [503])
        #expect(result.endpoints[0].latency.count == 100)
        #expect(server.requestCount == 300)
        let report = LoadReport(result: result, verdicts: [], startedAt: .now)
        #expect(report.endpoints?.count == 3)
        #expect(report.endpoints?[1].budgetPassed == false)
        #expect(report.endpoints?[0].budgetPassed == nil)
        #expect(report.budgetPassed == false)
        #expect(report.config.requestLines?.count == 3)
    }
}
