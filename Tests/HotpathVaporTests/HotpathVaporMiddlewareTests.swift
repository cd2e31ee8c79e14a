import Hotpath
import HotpathVapor
import Testing
import Vapor
import VaporTesting

/// A real Vapor app with the middleware in front, driven through Vapor's testing library.
@Suite("Vapor middleware")
struct HotpathVaporMiddlewareTests {
    static let token = "vapor-token-0123456789"

    static func configure(_ app: Application, recorder: Recorder, token: String? = token) {
        app.middleware.use(HotpathVaporMiddleware(recorder: recorder, reports: ReportAccess(token: token)), at: .beginning)
        app.get("orders", ":id") { request -> String in
            "order \(request.parameters.get("id") ?? "?")"
        }
        app.get("slow") { _ -> String in
            let start = MonotonicClock.now()
            try await Task.sleep(for: .milliseconds(20))
            ActiveRequest.current?.record(.database, "SELECT * FROM orders", from: start, to: MonotonicClock.now())
            try await Task.sleep(for: .milliseconds(10))
            return "slow"
        }
        app.get("parallel") { _ -> String in
            async let first: Void = fakeQuery("SELECT 1")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await fakeQuery("SELECT 2") }
                group.addTask { try await fakeQuery("SELECT 3") }
                try await group.waitForAll()
            }
            try await first
            return "parallel"
        }
        app.get("fail") { _ -> String in
            throw Abort(.serviceUnavailable)
        }
    }

    static func fakeQuery(_ sql: String) async throws {
        let start = MonotonicClock.now()
        try await Task.sleep(for: .milliseconds(30))
        ActiveRequest.current?.record(.database, sql, from: start, to: MonotonicClock.now())
    }

    @Test func recordsRoutePatternsAndAggregates() async throws {
        let recorder = Recorder()
        try await withApp(configure: { Self.configure($0, recorder: recorder) }) { app in
            let tester = try app.testing()
            for id in 0..<20 {
                try await tester.test(.GET, "orders/\(id)") { response in #expect(response.status == .ok) }
            }
            for _ in 0..<3 {
                try await tester.test(.GET, "fail") { response in #expect(response.status == .serviceUnavailable) }
            }
            try await tester.test(.GET, "nowhere") { response in #expect(response.status == .notFound) }
        }
        let report = recorder.report()
        let orders = try #require(report.routes.first { $0.route == "/orders/:id" })
        #expect(orders.count == 20)
        #expect(orders.statusClasses == ["2xx": 20])
        #expect(report.routes.first { $0.route == "/fail" }?.statusClasses == ["5xx": 3])
        #expect(report.routes.contains { $0.route == "NotFound" })
    }

    @Test func serverTimingAndChildTasks() async throws {
        let recorder = Recorder()
        try await withApp(configure: { Self.configure($0, recorder: recorder) }) { app in
            let tester = try app.testing()
            try await tester.test(.GET, "slow") { response in
                let header = try #require(response.headers.first(name: "Server-Timing"))
                #expect(header.contains("desc=\"1 query\""), "\(header)")
                let db = Self.duration("db", in: header) ?? 0
                let total = Self.duration("total", in: header) ?? 0
                #expect(db >= 20 && db <= total, "\(header)")
                #expect(total >= 30, "\(header)")
            }
            try await tester.test(.GET, "parallel") { response in
                let header = try #require(response.headers.first(name: "Server-Timing"))
                #expect(header.contains("desc=\"3 queries\""), "\(header)")
            }
        }
        let request = try #require(recorder.report().recent.first)
        #expect(request.queries == 3)
        // Three concurrent queries: database time is their overlap's wall time, not their sum.
        let durations = request.events.filter { $0.kind == .database }.map(\.durationMs)
        #expect(request.databaseMs >= (durations.max() ?? 0) - 0.001)
        #expect(request.databaseMs < durations.reduce(0, +) * 0.8, "db \(request.databaseMs) ms, queries \(durations)")
    }

    @Test func reportEndpointsNeedTheToken() async throws {
        let recorder = Recorder()
        try await withApp(configure: { Self.configure($0, recorder: recorder) }) { app in
            let tester = try app.testing()
            try await tester.test(.GET, "orders/1") { _ in }
            try await tester.test(.GET, "_hotpath/report.json") { response in #expect(response.status == .notFound) }
            try await tester.test(.GET, "_hotpath/report.json", headers: ["X-Hotpath-Token": "nope"]) { response in
                #expect(response.status == .notFound)
            }
            try await tester.test(.GET, "_hotpath/report.json", headers: ["X-Hotpath-Token": Self.token]) { response in
                #expect(response.status == .ok)
                let report = try ReportJSON.decode(Array(response.body.readableBytesView))
                #expect(report.routes.map(\.route) == ["/orders/:id"])
            }
            try await tester.test(.GET, "_hotpath?token=\(Self.token)") { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("Hotpath report"))
            }
        }
    }

    @Test func endpointsAbsentWhenDisabled() async throws {
        try await withApp(configure: { Self.configure($0, recorder: Recorder(), token: nil) }) { app in
            let tester = try app.testing()
            try await tester.test(.GET, "_hotpath/report.json?token=") { response in #expect(response.status == .notFound) }
            try await tester.test(.GET, "_hotpath") { response in #expect(response.status == .notFound) }
        }
    }

    /// The same over a real socket, to see the header as a client does.
    @Test func overARealSocket() async throws {
        let recorder = Recorder()
        try await withApp(configure: { Self.configure($0, recorder: recorder) }) { app in
            let tester = try app.testing(method: .running(hostname: "127.0.0.1", port: 0))
            try await tester.test(.GET, "orders/9") { response in
                #expect(response.status == .ok)
                #expect(response.headers.first(name: "Server-Timing")?.contains("total;dur=") == true)
            }
        }
        #expect(recorder.report().routes.first?.count == 1)
    }

    static func duration(_ name: String, in header: String) -> Double? {
        for metric in header.split(separator: ",") {
            let parts = metric.trimmingCharacters(in: .whitespaces).split(separator: ";")
            guard parts.first.map(String.init) == name else { continue }
            for part in parts.dropFirst() where part.hasPrefix("dur=") { return Double(part.dropFirst(4)) }
        }
        return nil
    }
}
