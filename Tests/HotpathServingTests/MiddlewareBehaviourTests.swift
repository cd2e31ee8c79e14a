import Foundation
import Hotpath
import HotpathProfiler
import Testing

/// What every framework's Hotpath middleware does, checked once per framework through the
/// shared serving layer, on a real socket.
@Suite("Middleware behaviour, every framework", .serialized)
struct MiddlewareBehaviourTests {
    @Test(arguments: Framework.allCases)
    func recordsRoutePatternsAndStatusClasses(_ framework: Framework) async throws {
        let recorder = Recorder()
        try await TestApps.withApp(framework, recorder: recorder) { client in
            for id in 0..<20 {
                let status = try await client.get("/orders/\(id)").status
                #expect(status == 200)
            }
            for _ in 0..<3 {
                let status = try await client.get("/fail").status
                #expect(status == 503)
            }
            let missing = try await client.get("/nowhere").status
            #expect(missing == 404)
        }
        let report = recorder.report()
        let orders = try #require(report.routes.first { $0.route == framework.ordersPattern }, "\(report.routes.map(\.route))")
        #expect(orders.count == 20)
        #expect(orders.statusClasses == ["2xx": 20])
        #expect(report.routes.first { $0.route == "/fail" }?.statusClasses == ["5xx": 3])
        #expect(report.routes.contains { $0.route == "NotFound" })
    }

    @Test(arguments: Framework.allCases)
    func serverTimingMatchesWhatHappened(_ framework: Framework) async throws {
        let recorder = Recorder()
        try await TestApps.withApp(framework, recorder: recorder) { client in
            let slow = try await client.get("/slow")
            let header = try #require(slow.header("Server-Timing"))
            #expect(header.contains("desc=\"1 query\""), "\(header)")
            let timings = Self.durations(header)
            #expect((timings["db"] ?? 0) >= 20 && (timings["db"] ?? 0) <= (timings["total"] ?? 0), "\(header)")
            #expect((timings["total"] ?? 0) >= 30, "\(header)")
            #expect(try await client.get("/orders/1").header("Server-Timing")?.contains("total;dur=") == true)
        }
        let request = try #require(recorder.report().recent.first { $0.path == "/slow" })
        #expect(request.queries == 1)
        #expect(request.events.first?.detail == .query(QueryDetail(sql: "SELECT * FROM orders WHERE user_id = $1")))
    }

    @Test(arguments: Framework.allCases)
    func eventsFromChildTasksCountOnce(_ framework: Framework) async throws {
        let recorder = Recorder()
        try await TestApps.withApp(framework, recorder: recorder) { client in
            let header = try #require(try await client.get("/parallel").header("Server-Timing"))
            #expect(header.contains("desc=\"3 queries\""), "\(header)")
        }
        let request = try #require(recorder.report().recent.first)
        // Three concurrent queries: database time is their overlap's wall time, not their sum.
        let durations = request.events.filter { $0.kind == .query }.map(\.durationMs)
        #expect(request.databaseMs >= (durations.max() ?? 0) - 0.1, "db \(request.databaseMs) ms, queries \(durations)")
        #expect(request.databaseMs < durations.reduce(0, +) * 0.8, "db \(request.databaseMs) ms, queries \(durations)")
        #expect(Set(request.events.compactMap { event -> String? in
            if case .query(let query) = event.detail { return query.sql }
            return nil
        }) == ["SELECT 1", "SELECT 2", "SELECT 3"])
        #expect(request.events.contains { $0.detail == .span(SpanDetail(name: "render")) })
    }

    @Test(arguments: Framework.allCases)
    func reportEndpointsNeedTheToken(_ framework: Framework) async throws {
        let recorder = Recorder()
        try await TestApps.withApp(framework, recorder: recorder) { client in
            _ = try await client.get("/orders/1")
            // Missing and wrong tokens look exactly like a path that does not exist.
            #expect(try await client.get("/_hotpath/report.json").status == 404)
            #expect(try await client.get("/_hotpath/report.json", headers: [("X-Hotpath-Token", "wrong")]).status == 404)
            let json = try await client.get("/_hotpath/report.json", headers: [("X-Hotpath-Token", TestApps.token)])
            #expect(json.status == 200)
            #expect(json.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(json.header("Cache-Control") == "no-store")
            let report = try ReportJSON.decode(json.body)
            #expect(report.schema == "hotpath-report/2")
            #expect(report.routes.first?.route == framework.ordersPattern)
            let html = try await client.get("/_hotpath?token=\(TestApps.token)")
            #expect(html.status == 200 && html.text.contains("<title>Hotpath report</title>"))
            #expect(try await client.get("/_hotpath", headers: [("Authorization", "Bearer \(TestApps.token)")]).status == 200)
        }
        // The report endpoints are not recorded as app traffic.
        #expect(recorder.report().routes.map(\.route) == [framework.ordersPattern])
    }

    @Test(arguments: Framework.allCases)
    func endpointsAbsentWhenDisabled(_ framework: Framework) async throws {
        try await TestApps.withApp(framework, recorder: Recorder(), token: nil) { client in
            for uri in ["/_hotpath", "/_hotpath/report.json", "/_hotpath/report.json?token="] {
                let status = try await client.get(uri).status
                #expect(status == 404, "\(uri)")
            }
        }
    }

    /// A `hotpath diagnose` run's header marks the requests it sent (issue 15's windows).
    @Test(arguments: Framework.allCases)
    func runMarkersAreRecorded(_ framework: Framework) async throws {
        let recorder = Recorder()
        try await TestApps.withApp(framework, recorder: recorder) { client in
            _ = try await client.get("/hello", headers: [(RunMarker.headerName, "a1b2c3;4;measure")])
            _ = try await client.get("/hello", headers: [(RunMarker.headerName, "not a marker")])
        }
        let recent = recorder.report().recent
        #expect(recent.compactMap(\.marker) == [RunMarker(run: "a1b2c3", endpoint: 4, phase: .measure)])
    }

    /// Issue 13: the manifest says what the middleware alone can see.
    @Test(arguments: Framework.allCases)
    func manifestOfAMiddlewareAlone(_ framework: Framework) async throws {
        let recorder = Recorder()
        try await TestApps.withApp(framework, recorder: recorder, profiling: RequestProfiling()) { client in
            _ = try await client.get("/hello")
        }
        let manifest = recorder.report().manifest
        #expect(!manifest.queries.installed && !manifest.calls.installed && !manifest.stalls.installed)
        #expect(manifest.profiler)
        #expect(manifest.stallThresholdMilliseconds == nil && manifest.explainAdvisor == nil)
    }

    // MARK: - ?profile=1

    /// Other suites in this process may be profiling: wait for the profiler to be free.
    static func whenProfilerIsFree() async throws {
        for _ in 0..<12_000 where Profiler.isRunning { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test(arguments: Framework.allCases)
    func storesTheProfileAndServesItInEveryFormat(_ framework: Framework) async throws {
        try await TestApps.withApp(framework, recorder: Recorder(), profiling: RequestProfiling()) { client in
            var path = "busy"
            while path.hasPrefix("busy") {
                try await Self.whenProfilerIsFree()
                let response = try await client.get("/work?profile=1&token=\(TestApps.token)")
                #expect(response.status == 200)
                #expect(response.text.hasPrefix("checksum"), "the app's own response is kept")
                path = try #require(response.header(RequestProfiling.headerName))
            }
            #expect(path.hasPrefix("/_hotpath/profiles/"))
            let token = [("X-Hotpath-Token", TestApps.token)]
            // The response went out before symbolication: the profile answers 503 (with
            // Retry-After and its location) until it is ready.
            var json = try await client.get(path + ".json", headers: token)
            for _ in 0..<3_000 where json.status == 503 {
                #expect(json.header("Retry-After") == "1" && json.header(RequestProfiling.headerName) == path + ".json")
                try await Task.sleep(for: .milliseconds(20))
                json = try await client.get(path + ".json", headers: token)
            }
            #expect(json.status == 200)
            let profile = try ProfileJSON.decode(json.body)
            #expect(profile.frames.contains { $0.function == "Work.checksum(milliseconds:)" })
            #expect(profile.label == "GET /work")
            let page = try await client.get(path, headers: token)
            #expect(page.status == 200 && page.header("Content-Type")?.hasPrefix("text/html") == true && page.text.contains("checksum"))
            #expect(try await client.get(path + ".txt", headers: token).text.hasPrefix("Hotpath profile · GET /work"))
            for suffix in [".speedscope.json", ".collapsed", ".pb"] {
                let rendered = try await client.get(path + suffix, headers: token)
                #expect(rendered.status == 200 && rendered.body.count > 100, "\(suffix)")
            }
            // Without the token the profile cannot be seen (the framework's 404).
            #expect(try await client.get(path + ".txt").status == 404)
        }
    }

    @Test(arguments: Framework.allCases)
    func answersWithTheFlamegraphWhenAsked(_ framework: Framework) async throws {
        try await TestApps.withApp(framework, recorder: Recorder(), profiling: RequestProfiling()) { client in
            var busy = true
            while busy {
                try await Self.whenProfilerIsFree()
                let response = try await client.get("/work?profile=1&format=html&token=\(TestApps.token)")
                busy = response.header(RequestProfiling.headerName)?.hasPrefix("busy") == true
                if !busy {
                    #expect(response.status == 200 && response.header("Content-Type")?.hasPrefix("text/html") == true)
                    #expect(response.text.contains("<html") && response.text.contains("checksum"))
                }
            }
        }
    }

    @Test(arguments: Framework.allCases)
    func profilesOnlyWithTheTokenAndWhenEnabled(_ framework: Framework) async throws {
        try await TestApps.withApp(framework, recorder: Recorder(), profiling: RequestProfiling()) { client in
            let response = try await client.get("/hello?profile=1")
            #expect(response.text == "hello" && response.header(RequestProfiling.headerName) == nil)
        }
        try await TestApps.withApp(framework, recorder: Recorder(), profiling: nil) { client in
            let response = try await client.get("/hello?profile=1&token=\(TestApps.token)")
            #expect(response.text == "hello" && response.header(RequestProfiling.headerName) == nil)
        }
    }

    /// `name;dur=12.3` pairs of a Server-Timing header.
    static func durations(_ header: String) -> [String: Double] {
        var result: [String: Double] = [:]
        for metric in header.split(separator: ",") {
            let parts = metric.trimmingCharacters(in: .whitespaces).split(separator: ";")
            guard let name = parts.first else { continue }
            for part in parts.dropFirst() where part.hasPrefix("dur=") { result[String(name)] = Double(part.dropFirst(4)) }
        }
        return result
    }
}
