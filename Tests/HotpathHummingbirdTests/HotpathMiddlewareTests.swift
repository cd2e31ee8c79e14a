import Foundation
import Hotpath
import HTTPTypes
import HotpathHummingbird
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// A real Hummingbird app served on a real socket (`.live`) with the middleware in front.
@Suite("Hummingbird middleware")
struct HotpathMiddlewareTests {
    static let token = "test-token-0123456789"

    static func makeApp(recorder: Recorder, token: String? = token, logger: Logger? = nil) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: HotpathMiddleware(recorder: recorder, reports: ReportAccess(token: token), logger: logger))
        router.get("/orders/{id}") { _, context in
            "order \(context.parameters.get("id") ?? "?")"
        }
        router.get("/slow") { _, _ -> String in
            // A 20 ms "query" recorded as the database layer would, then 10 ms of app work.
            let start = MonotonicClock.now()
            try await Task.sleep(for: .milliseconds(20))
            ActiveRequest.current?.record(.database, "SELECT * FROM orders WHERE user_id = $1", from: start, to: MonotonicClock.now())
            try await Task.sleep(for: .milliseconds(10))
            return "slow"
        }
        router.get("/parallel") { _, _ -> String in
            // Child tasks: async let and a task group, each recording a 30 ms query.
            async let first: Void = fakeQuery("SELECT 1")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await fakeQuery("SELECT 2") }
                group.addTask { try await fakeQuery("SELECT 3") }
                try await group.waitForAll()
            }
            try await first
            var stopwatch = Stopwatch()
            stopwatch.lap("render")
            return "parallel"
        }
        router.get("/stream") { _, _ -> Response in
            // A body of unknown length, produced over 40 ms after the handler returned.
            Response(status: .ok, body: ResponseBody { writer in
                for _ in 0..<4 {
                    try await Task.sleep(for: .milliseconds(10))
                    try await writer.write(ByteBuffer(string: "chunk "))
                }
                try await writer.finish(nil)
            })
        }
        router.get("/fail") { _, _ -> String in
            throw HTTPError(.serviceUnavailable)
        }
        return Application(router: router)
    }

    static func fakeQuery(_ sql: String) async throws {
        let start = MonotonicClock.now()
        try await Task.sleep(for: .milliseconds(30))
        ActiveRequest.current?.record(.database, sql, from: start, to: MonotonicClock.now())
    }

    @Test func recordsRoutePatternsAndAggregates() async throws {
        let recorder = Recorder()
        try await Self.makeApp(recorder: recorder).test(.live) { client in
            for id in 0..<25 {
                try await client.execute(uri: "/orders/\(id)", method: .get) { response in
                    #expect(response.status == .ok)
                }
            }
            for _ in 0..<5 {
                try await client.execute(uri: "/fail", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                }
            }
            try await client.execute(uri: "/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
        let report = recorder.report()
        let orders = try #require(report.routes.first { $0.route == "/orders/{id}" })
        #expect(orders.count == 25)
        #expect(orders.method == "GET")
        #expect(orders.statusClasses == ["2xx": 25])
        let fail = try #require(report.routes.first { $0.route == "/fail" })
        #expect(fail.statusClasses == ["5xx": 5])
        #expect(report.routes.contains { $0.route == "NotFound" && $0.count == 1 })
        #expect(!report.routes.contains { $0.route.hasPrefix("/orders/1") }, "raw paths never become routes")
        #expect(report.recent.count == 31)
    }

    @Test func serverTimingMatchesWhatHappened() async throws {
        let recorder = Recorder()
        try await Self.makeApp(recorder: recorder).test(.live) { client in
            let start = MonotonicClock.now()
            try await client.execute(uri: "/slow", method: .get) { response in
                let elapsed = Double(MonotonicClock.now() - start) / 1e6
                let header = try #require(response.headers[HTTPField.Name("Server-Timing")!])
                let values = Self.durations(header)
                let db = try #require(values["db"])
                let total = try #require(values["total"])
                let app = try #require(values["app"])
                #expect(header.contains("db;dur=") && header.contains("desc=\"1 query\""))
                #expect(db >= 20 && db <= total, "\(header)")
                #expect(total >= 30 && total <= elapsed + 0.1, "total \(total) ms, client saw \(elapsed) ms")
                #expect(abs(db + app - total) <= 0.2, "\(header)")
            }
        }
        let request = try #require(recorder.report().recent.first)
        #expect(request.queries == 1)
        #expect(request.events.first?.name == "SELECT * FROM orders WHERE user_id = $1")
    }

    @Test func streamedBodiesCountUntilTheirLastByte() async throws {
        let recorder = Recorder()
        try await Self.makeApp(recorder: recorder).test(.live) { client in
            try await client.execute(uri: "/stream", method: .get) { response in
                #expect(String(buffer: response.body) == "chunk chunk chunk chunk ")
            }
        }
        let request = try #require(recorder.report().recent.first)
        #expect(request.route == "/stream")
        #expect(request.durationMs >= 40, "\(request.durationMs) ms")
    }

    @Test func eventsFromChildTasksCountOnce() async throws {
        let recorder = Recorder()
        let db = try await Self.makeApp(recorder: recorder).test(.live) { client in
            try await client.execute(uri: "/parallel", method: .get) { response in
                let header = try #require(response.headers[HTTPField.Name("Server-Timing")!])
                #expect(header.contains("desc=\"3 queries\""), "\(header)")
                return Self.durations(header)["db"] ?? 0
            }
        }
        let request = try #require(recorder.report().recent.first)
        // Three concurrent queries: database time is their overlap's wall time, not their sum.
        let durations = request.events.filter { $0.kind == .database }.map(\.durationMs)
        #expect(db >= (durations.max() ?? 0) - 0.1, "db \(db) ms, queries \(durations)")
        #expect(db < durations.reduce(0, +) * 0.8, "db \(db) ms, queries \(durations)")
        #expect(request.queries == 3)
        #expect(Set(request.events.filter { $0.kind == .database }.map(\.name)) == ["SELECT 1", "SELECT 2", "SELECT 3"])
        #expect(request.events.contains { $0.kind == .span && $0.name == "render" })
    }

    @Test func reportEndpointsNeedTheToken() async throws {
        let recorder = Recorder()
        try await Self.makeApp(recorder: recorder).test(.live) { client in
            try await client.execute(uri: "/orders/1", method: .get) { _ in }
            // Missing and wrong tokens look exactly like a path that does not exist.
            try await client.execute(uri: "/_hotpath/report.json", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/_hotpath/report.json", method: .get, headers: [HTTPField.Name("X-Hotpath-Token")!: "wrong"]) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/_hotpath/report.json", method: .get, headers: [HTTPField.Name("X-Hotpath-Token")!: Self.token]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let report = try ReportJSON.decode(Array(buffer: response.body))
                #expect(report.schema == "hotpath-report/1")
                #expect(report.routes.first?.route == "/orders/{id}")
            }
            try await client.execute(uri: "/_hotpath?token=\(Self.token)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("<title>Hotpath report</title>"))
            }
            try await client.execute(uri: "/_hotpath", method: .get, headers: [.authorization: "Bearer \(Self.token)"]) { response in
                #expect(response.status == .ok)
            }
        }
        // The report endpoints are not recorded as app traffic.
        #expect(recorder.report().routes.map(\.route) == ["/orders/{id}"])
    }

    @Test func endpointsAbsentWhenDisabled() async throws {
        let recorder = Recorder()
        try await Self.makeApp(recorder: recorder, token: nil).test(.live) { client in
            for uri in ["/_hotpath", "/_hotpath/report.json", "/_hotpath/report.json?token="] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound)
                }
            }
        }
    }

    @Test func logsOneLinePerRequest() async throws {
        let lines = LineBox()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(lines: lines) }
        let recorder = Recorder()
        try await Self.makeApp(recorder: recorder, logger: logger).test(.live) { client in
            try await client.execute(uri: "/orders/7", method: .get) { _ in }
            try await client.execute(uri: "/slow", method: .get) { _ in }
        }
        let captured = lines.lines.withLock { $0 }
        #expect(captured.count == 2)
        #expect(captured.first?.hasPrefix("GET /orders/7 → /orders/{id} 200 ") == true, "\(captured)")
        #expect(captured.last?.contains("db ") == true && captured.last?.contains("/1 queries") == true, "\(captured)")
    }

    @Test func memoryStaysBoundedUnderManyRequests() async throws {
        let recorder = Recorder(configuration: .init(recentRequests: 20, slowestPerRoute: 2, maximumRoutes: 3))
        try await Self.makeApp(recorder: recorder).test(.live) { client in
            for id in 0..<300 {
                try await client.execute(uri: id.isMultiple(of: 3) ? "/orders/\(id)" : "/missing/\(id)", method: .get) { _ in }
            }
        }
        let report = recorder.report()
        #expect(report.recent.count == 20)
        #expect(report.routes.count <= 3)
        #expect(report.routes.allSatisfy { $0.slowest.count <= 2 })
        #expect(report.routes.reduce(0) { $0 + $1.count } == 300)
    }

    /// `name;dur=12.3` pairs of a Server-Timing header.
    static func durations(_ header: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for metric in header.split(separator: ",") {
            let parts = metric.trimmingCharacters(in: .whitespaces).split(separator: ";")
            guard let name = parts.first else { continue }
            for part in parts.dropFirst() where part.hasPrefix("dur=") {
                values[String(name)] = Double(part.dropFirst(4))
            }
        }
        return values
    }
}

final class LineBox: Sendable {
    let lines = Mutex<[String]>([])
}

struct CapturingLogHandler: LogHandler {
    let lines: LineBox
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.lines.withLock { $0.append("\(event.message)") }
    }
}
