import Foundation
import Hotpath
import HTTPTypes
import HotpathHummingbird
import HotpathProfiler
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// What only Hummingbird's middleware does (streamed bodies, its logger); the behaviour both
/// middlewares share is tested once per framework in HotpathServingTests.
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
            ActiveRequest.current?.recordQuery(QueryDetail(sql: "SELECT * FROM orders WHERE user_id = $1"), from: start, to: MonotonicClock.now())
            try await Task.sleep(for: .milliseconds(10))
            return "slow"
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
        return Application(router: router)
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

    /// A profile running while 100 requests are served at once: no crash, no deadlock, and
    /// every request answered.
    @Test func profilingWhileServingManyConcurrentRequests() async throws {
        try await Self.makeApp(recorder: Recorder()).test(.live) { client in
            let session = try await Profiler.start(waitingUpTo: .seconds(120))
            let answered = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        try await client.execute(uri: index % 10 == 0 ? "/slow" : "/orders/\(index)", method: .get) { $0.status == .ok }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            let profile = await session.stopInBackground()
            #expect(answered == 100)
            #expect(profile.samples.count > 10, "samples: \(profile.samples.count)")
        }
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
