import AsyncHTTPClient
import Hotpath
import HotpathHTTPClient
import HotpathHummingbird
import HotpathTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A real Hummingbird app (`.live`, a real socket) whose handlers call a real upstream on
/// 127.0.0.1 through AsyncHTTPClient, wrapped or traced; the detectors read what was recorded.
@Suite("Outbound HTTP capture")
struct HotpathHTTPClientTests {
    static let ms: UInt64 = 1_000_000

    /// Serves `routes` behind the middleware, calls each once, and returns the recorder.
    static func run(
        _ paths: [String],
        configure: @escaping @Sendable (Router<BasicRequestContext>, String) -> Void
    ) async throws -> Recorder {
        // Taking turns with the heavy tests: the detectors judge the gaps between awaits (10 ms
        // at most for "one after another"), which a starved machine stretches (CI saw it split
        // three sequential calls into two runs).
        try await HeavyTests.oneAtATime { try await serve(paths, configure: configure) }
    }

    private static func serve(
        _ paths: [String],
        configure: @escaping @Sendable (Router<BasicRequestContext>, String) -> Void
    ) async throws -> Recorder {
        let upstream = try await TestHTTPServer.start()
        let recorder = Recorder()
        do {
            let router = Router()
            router.add(middleware: HotpathMiddleware(recorder: recorder, serverTiming: false))
            configure(router, upstream.url)
            try await Application(router: router).test(.live) { client in
                for path in paths {
                    try await client.execute(uri: path, method: .get) { response in
                        #expect(response.status == .ok, "\(path)")
                    }
                }
            }
        } catch {
            await upstream.shutdown()
            throw error
        }
        await upstream.shutdown()
        return recorder
    }

    static func route(_ recorder: Recorder, _ route: String) throws -> RouteReport {
        try #require(recorder.report().routes.first { $0.route == route })
    }

    static func body(_ response: HTTPClientResponse) async throws -> String {
        String(buffer: try await response.body.collect(upTo: 1 << 20))
    }

    @Test func threeSequentialCallsAreOneFindingWithTheRightSaving() async throws {
        let http = HotpathHTTPClient(HTTPClient.shared)
        let recorder = try await Self.run(["/quote"]) { router, upstream in
            router.get("/quote") { _, _ -> String in
                var total = 0
                for index in 1...3 {
                    total += try await Self.body(try await http.get("\(upstream)/delay/100?n=\(index)")).count
                }
                return "\(total)"
            }
        }
        let route = try Self.route(recorder, "/quote")
        let request = try #require(route.slowest.first)
        #expect(request.httpCalls == 3)
        let calls = request.events.filter { $0.kind == .call }
        #expect(calls.allSatisfy { $0.label.hasPrefix("GET 127.0.0.1:") && $0.label.hasSuffix("/delay/100") }, "\(calls.map(\.label))")
        #expect(calls.allSatisfy { $0.callSite?.innermost?.file == "HotpathHTTPClientTests/HotpathHTTPClientTests.swift" })
        #expect(calls.allSatisfy { $0.call?.status == 200 && $0.call?.responseBytes == 5 })
        let sequential = route.findings.filter { $0.kind == .sequentialCalls }
        #expect(sequential.count == 1, "\(route.findings.map(\.subject))")
        let finding = try #require(sequential.first)
        let saving = Double(finding.estimatedSavingNanoseconds) / 1e6
        // Two calls' worth (about 200 ms), and exactly what the recorded calls say: from the
        // first call's start to the last one's end (the small gaps between awaits go too), minus
        // the longest call. On a loaded CI machine each call and gap takes longer.
        let durations = calls.map(\.durationMs)
        let span = (calls.map { $0.startMs + $0.durationMs }.max() ?? 0) - (calls.map(\.startMs).min() ?? 0)
        let expected = span - (durations.max() ?? 0)
        #expect(abs(saving - expected) < 0.1, "saving \(saving) ms, calls \(durations), span \(span) ms")
        // At least two calls' worth; on a loaded machine each call, and so the saving, grows.
        #expect(saving >= 170, "saving \(saving) ms: \(finding.evidence)")
        #expect(finding.count == 3)
    }

    @Test func concurrentCallsAreClean() async throws {
        let http = HotpathHTTPClient(HTTPClient.shared)
        let recorder = try await Self.run(["/quote"]) { router, upstream in
            router.get("/quote") { _, _ -> String in
                async let first = Self.body(try await http.get("\(upstream)/delay/100?n=1"))
                async let second = Self.body(try await http.get("\(upstream)/delay/100?n=2"))
                async let third = Self.body(try await http.get("\(upstream)/delay/100?n=3"))
                let all = try await [first, second, third]
                return all.joined()
            }
        }
        let route = try Self.route(recorder, "/quote")
        #expect(route.slowest.first?.httpCalls == 3)
        #expect(route.findings.isEmpty, "\(route.findings.map(\.subject))")
        // The three calls ran at once: the last to start started before the first to end ended.
        let calls = route.slowest.first?.events.filter { $0.kind == .call } ?? []
        let latestStart = calls.map(\.startMs).max() ?? 0
        let earliestEnd = calls.map { $0.startMs + $0.durationMs }.min() ?? 0
        #expect(calls.count == 3 && latestStart < earliestEnd, "\(calls.map { ($0.startMs, $0.durationMs) })")
    }

    @Test func aDependentChainIsNotReported() async throws {
        let http = HotpathHTTPClient(HTTPClient.shared)
        let recorder = try await Self.run(["/order"]) { router, upstream in
            router.get("/order") { _, _ -> String in
                let json = try await Self.body(try await http.get("\(upstream)/json-id/1/100"))
                // The id the first call returned goes into the second call's URL.
                guard let start = json.firstRange(of: #""id":""#)?.upperBound,
                    let end = json[start...].firstIndex(of: "\"")
                else { return "no id" }
                let id = json[start..<end]
                return try await Self.body(try await http.get("\(upstream)/delay/100?item=\(id)"))
            }
        }
        let route = try Self.route(recorder, "/order")
        let request = try #require(route.slowest.first)
        #expect(request.httpCalls == 2)
        #expect(request.events.first?.call?.responseTokens.isEmpty == false)
        #expect(!route.findings.contains { $0.kind == .sequentialCalls }, "\(route.findings.map(\.subject))")
    }

    @Test func theSameGetThreeTimesIsARepeatedCall() async throws {
        let http = HotpathHTTPClient(HTTPClient.shared)
        let recorder = try await Self.run(["/rates"]) { router, upstream in
            router.get("/rates") { _, _ -> String in
                var last = ""
                for _ in 0..<3 { last = try await Self.body(try await http.get("\(upstream)/delay/20?currency=EUR")) }
                return last
            }
        }
        let route = try Self.route(recorder, "/rates")
        let repeated = try #require(route.findings.first { $0.kind == .repeatedCalls })
        #expect(repeated.count == 3)
        #expect(repeated.subject.hasSuffix("/delay/20"))
        #expect(!route.findings.contains { $0.kind == .sequentialCalls }, "reuse is the advice, not concurrency")
    }

    /// Requests for different items that each fetch the same rate: a cache removes most calls.
    @Test func theSameGetAcrossRequestsBecomesARouteFinding() async throws {
        let http = HotpathHTTPClient(HTTPClient.shared)
        let recorder = try await Self.run((0..<25).map { "/price?item=\($0)" }) { router, upstream in
            router.get("/price") { _, _ -> String in
                try await Self.body(try await http.get("\(upstream)/delay/1?currency=EUR"))
            }
        }
        let route = try Self.route(recorder, "/price")
        let across = try #require(route.findings.first { $0.kind == .repeatedCalls })
        #expect(across.count == 25)
        guard case .repeatedCalls(let evidence) = across.evidence, let window = evidence.acrossRequests else {
            Issue.record("not across requests: \(across.evidence)")
            return
        }
        #expect(window.requests == 25 && window.windowSeconds == 60)
        #expect(across.subject.hasSuffix("(across requests)"))
    }

    /// Issue 15: the same inbound URL replayed (as a load test does) repeats the upstream call
    /// by construction: no finding.
    @Test func oneInboundURLReplayedIsNoRepeatAcrossRequests() async throws {
        let http = HotpathHTTPClient(HTTPClient.shared)
        let recorder = try await Self.run(Array(repeating: "/price?item=7", count: 25)) { router, upstream in
            router.get("/price") { _, _ -> String in
                try await Self.body(try await http.get("\(upstream)/delay/1?currency=EUR"))
            }
        }
        let route = try Self.route(recorder, "/price")
        #expect(!route.findings.contains { $0.kind == .repeatedCalls }, "\(route.findings.map(\.subject))")
    }

    @Test func streamedAndUnreadBodies() async throws {
        let http = HotpathHTTPClient(HTTPClient.shared)
        let recorder = try await Self.run(["/stream", "/unread"]) { router, upstream in
            router.get("/stream") { _, _ -> String in
                var bytes = 0
                for try await chunk in try await http.get("\(upstream)/chunked").body { bytes += chunk.readableBytes }
                return "\(bytes)"
            }
            router.get("/unread") { _, _ -> String in
                let status = try await http.get("\(upstream)/delay/10").status
                return "\(status.code)"
            }
        }
        let streamed = try #require(try Self.route(recorder, "/stream").slowest.first?.events.first)
        #expect(streamed.call?.responseBytes == 3019)
        let unread = try #require(try Self.route(recorder, "/unread").slowest.first?.events.first)
        #expect(unread.kind == .call)
        #expect(unread.call?.status == 200)
        #expect(unread.durationMs >= 9, "ends at the head: \(unread.durationMs) ms")
    }

    @Test func failuresAreRecordedWithoutErrorText() async throws {
        let http = HotpathHTTPClient(HTTPClient.shared)
        let recorder = try await Self.run(["/down"]) { router, _ in
            router.get("/down") { _, _ -> String in
                // Port 9 on loopback: nothing listens. The client retries refused connections
                // until the deadline, so keep it short.
                do {
                    _ = try await http.get("http://127.0.0.1:9/nothing", timeout: .milliseconds(300))
                    return "unexpected"
                } catch {
                    return "failed"
                }
            }
        }
        let event = try #require(try Self.route(recorder, "/down").slowest.first?.events.first)
        #expect(event.call?.failed == true)
        #expect(event.call?.status == nil)
        #expect(event.label == "GET 127.0.0.1:9/nothing")
    }

    @Test func theTracerRecordsAsyncHTTPClientSpans() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.tracing.tracer = HotpathTracer()
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let recorder: Recorder
        do {
            recorder = try await Self.run(["/traced"]) { router, upstream in
                router.get("/traced") { _, _ -> String in
                    for index in 1...2 {
                        let response = try await client.execute(HTTPClientRequest(url: "\(upstream)/delay/60?n=\(index)"), timeout: .seconds(10))
                        _ = try await response.body.collect(upTo: 1 << 20)
                    }
                    return "ok"
                }
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        let route = try Self.route(recorder, "/traced")
        let request = try #require(route.slowest.first)
        let calls = request.events.filter { $0.kind == .call }
        #expect(calls.count == 2)
        #expect(calls.allSatisfy { $0.label.hasPrefix("GET 127.0.0.1:") && $0.label.hasSuffix("/delay/60") }, "\(calls.map(\.label))")
        #expect(calls.allSatisfy { $0.call?.status == 200 })
        #expect(calls.allSatisfy { $0.durationMs >= 55 }, "\(calls.map(\.durationMs))")
        #expect(route.findings.contains { $0.kind == .sequentialCalls }, "\(route.findings.map(\.subject))")
    }
}
