import Testing

@testable import Hotpath

@Suite("Recorder")
struct RecorderTests {
    static let ms: UInt64 = 1_000_000

    @Test func aggregatesPerRoute() throws {
        let recorder = Recorder()
        for index in 0..<30 {
            let request = recorder.begin(method: "GET", path: "/orders/\(index)")
            recorder.finish(request, route: "/orders/{id}", status: index < 27 ? 200 : 503, at: request.startedAt + 10 * Self.ms)
        }
        let request = recorder.begin(method: "POST", path: "/orders")
        recorder.finish(request, route: "/orders", status: 201, at: request.startedAt + 400 * Self.ms)

        let report = recorder.report()
        #expect(report.routes.count == 2)
        let orders = try #require(report.routes.first { $0.route == "/orders/{id}" })
        #expect(orders.method == "GET")
        #expect(orders.count == 30)
        #expect(orders.statusClasses == ["2xx": 27, "5xx": 3])
        #expect(abs(orders.latencyMs.p50 - 10) < 0.1)
        #expect(orders.feel.p95 == .instant)
        #expect(orders.budgetPassed)
        let create = try #require(report.routes.first { $0.route == "/orders" })
        #expect(create.feel.p50 == .noticeable)
        #expect(!create.budgetPassed, "400 ms fails the default p95<200ms")
        #expect(report.recent.first?.method == "POST", "newest first")
        #expect(report.recent.count == 31)
    }

    @Test func splitsTimeWithoutCountingConcurrencyTwice() {
        let request = ActiveRequest(method: "GET", path: "/")
        let start = request.startedAt
        // Two overlapping 50 ms queries, then a 30 ms HTTP call overlapping nothing.
        request.recordQuery(QueryDetail(sql: "SELECT 1"), from: start + 10 * Self.ms, to: start + 60 * Self.ms)
        request.recordQuery(QueryDetail(sql: "SELECT 2"), from: start + 20 * Self.ms, to: start + 70 * Self.ms)
        request.recordCall(CallDetail(method: "GET", url: "https://rates.test/today"), from: start + 80 * Self.ms, to: start + 110 * Self.ms)
        request.recordSpan("render", from: start + 110 * Self.ms, to: start + 115 * Self.ms)
        let timing = request.timing(now: start + 120 * Self.ms)
        #expect(timing.totalNanoseconds == 120 * Self.ms)
        #expect(timing.databaseNanoseconds == 60 * Self.ms)
        #expect(timing.httpNanoseconds == 30 * Self.ms)
        #expect(timing.appNanoseconds == 30 * Self.ms)
        #expect(timing.queryCount == 2)
        #expect(timing.httpCallCount == 1)
    }

    @Test func memoryStaysBoundedHoweverLongItRuns() throws {
        let configuration = Recorder.Configuration(recentRequests: 10, slowestPerRoute: 3, maximumEventsPerRequest: 5, maximumRoutes: 4)
        let recorder = Recorder(configuration: configuration)
        for index in 0..<5_000 {
            let request = recorder.begin(method: "GET", path: "/p/\(index)")
            for event in 0..<20 {
                request.recordQuery(QueryDetail(sql: "SELECT \(event)"), from: request.startedAt, to: request.startedAt + 1_000)
            }
            recorder.finish(request, route: "/route\(index % 50)", status: 200, at: request.startedAt + UInt64(index) * 1_000)
        }
        let report = recorder.report()
        #expect(report.recent.count == 10)
        #expect(report.recent.first?.path == "/p/4999")
        #expect(report.routes.count == 5, "4 routes plus the pooled rest")
        let other = try #require(report.routes.first { $0.route == "(other routes)" })
        #expect(other.count == 5_000 - 4 * 100)
        for route in report.routes {
            #expect(route.slowest.count <= 3)
            #expect(route.slowest.map(\.durationMs) == route.slowest.map(\.durationMs).sorted(by: >))
        }
        let kept = try #require(report.recent.first)
        #expect(kept.events.count == 5)
        #expect(kept.droppedEvents == 15)
        #expect(kept.queries == 20, "dropped events still count")
    }

    /// Statements are kept whole up to 16 KiB each, within 128 KiB of SQL per request; past
    /// that they keep their start and say they were cut.
    @Test func sqlTextIsBoundedPerStatementAndPerRequest() throws {
        let request = ActiveRequest(method: "GET", path: "/")
        request.recordQuery(QueryDetail(sql: String(repeating: "x", count: 50_000)), from: request.startedAt, to: request.startedAt)
        let huge = try #require(request.events[0].query)
        #expect(huge.sql.utf8.count == QueryDetail.maximumSQLBytes && huge.sqlTruncated)
        for _ in 0..<20 {
            request.recordQuery(QueryDetail(sql: String(repeating: "y", count: 12_000)), from: request.startedAt, to: request.startedAt)
        }
        let kept = request.events.compactMap(\.query)
        #expect(kept.reduce(0) { $0 + $1.sql.utf8.count } <= ActiveRequest.maximumSQLBytesPerRequest + QueryDetail.maximumSQLBytes)
        #expect(kept.last?.sqlTruncated == true && kept.last?.sql.utf8.count == ActiveRequest.clippedSQLBytes)
        #expect(kept[1].sqlTruncated == false, "whole while the budget lasts")
    }

    @Test func eventsFromChildTasksLandOnTheRequest() async {
        let request = ActiveRequest(method: "GET", path: "/")
        await ActiveRequest.$current.withValue(request) {
            async let first: Void = recordSpan("async let")
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<8 { group.addTask { await recordSpan("group \(index)") } }
            }
            await first
            await Task { await recordSpan("unstructured task") }.value
        }
        #expect(request.count(of: .span) == 10)
        #expect(Set(request.events.map(\.label)).contains("unstructured task"))
        #expect(ActiveRequest.current == nil)
    }

    private func recordSpan(_ name: String) async {
        let start = MonotonicClock.now()
        await Task.yield()
        ActiveRequest.current?.recordSpan(name, from: start, to: MonotonicClock.now())
    }

    @Test func reportRoundTripsThroughJSON() throws {
        let recorder = Recorder()
        let request = recorder.begin(method: "GET", path: "/x")
        let site = CallSite(fileID: "App/App.swift", line: 3)
        request.recordQuery(QueryDetail(sql: "SELECT \"a\" FROM t", rows: 2), from: request.startedAt, to: request.startedAt + Self.ms, callSite: site)
        recorder.finish(request, route: "/x", status: 200)
        let bytes = try ReportJSON.encode(recorder.report())
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"schema\" : \"hotpath-report/2\""))
        #expect(text.contains("\"latency_ms\""))
        #expect(text.contains("\"avg_database_ms\""))
        let decoded = try ReportJSON.decode(bytes)
        #expect(decoded.routes.first?.route == "/x")
        #expect(decoded.pendingNames == 0)
        #expect(decoded.recent.first?.events.first?.callSite == site)
        #expect(decoded.recent.first?.events.first?.detail == .query(QueryDetail(sql: "SELECT \"a\" FROM t", rows: 2)))
        #expect(decoded.manifest.queries.installed && decoded.manifest.queries.recorded == 1)
        #expect(decoded.routes.first?.histogram.count == 1)
    }

    @Test func reportCarriesFindingsOfTheSlowestRequests() throws {
        let recorder = Recorder()
        for round in 0..<3 {
            let request = recorder.begin(method: "GET", path: "/orders")
            var clock = request.startedAt
            for id in 1...(10 + round * 10) {
                request.recordQuery(
                    QueryDetail(sql: "SELECT * FROM users WHERE id = $1", bindIdentity: BindIdentity(texts: ["\(id)"])),
                    from: clock, to: clock + Self.ms, callSite: CallSite(fileID: "App/Orders.swift", line: 9)
                )
                clock += Self.ms
            }
            recorder.finish(request, route: "/orders", status: 200, at: clock)
        }
        let report = recorder.report()
        let findings = try #require(report.routes.first?.findings)
        #expect(findings.count == 1, "one per kind and shape: \(findings.map(\.subject))")
        #expect(findings.first?.kind == .nPlusOne)
        #expect(findings.first?.count == 30, "the request where it cost most")
        let text = String(decoding: try ReportJSON.encode(report), as: UTF8.self)
        #expect(text.contains("\"kind\" : \"n-plus-one\""))
        #expect(findings.first?.examples.count == 3, "the requests it was seen in")
        let decoded = try ReportJSON.decode(ReportJSON.encode(report)).routes.first?.findings
        #expect(decoded == findings, "findings round-trip as data")
        let html = ReportHTML.render(report)
        #expect(html.contains("Findings"))
        #expect(html.contains("WHERE id IN (…)"))
    }

    @Test func htmlIsSelfContainedAndEscaped() {
        let recorder = Recorder()
        let request = recorder.begin(method: "GET", path: "/search?q=<script>")
        request.recordQuery(QueryDetail(sql: "SELECT * FROM t WHERE a = '<b>'"), from: request.startedAt, to: request.startedAt + Self.ms)
        recorder.finish(request, route: "/search", status: 200)
        let html = ReportHTML.render(recorder.report())
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;"))
        #expect(!html.contains("http://") && !html.contains("https://"), "no network")
        #expect(html.contains("GET /search"))
    }
}

@Suite("Server-Timing, access and the stopwatch")
struct RecordingHelpersTests {
    @Test func serverTimingHeader() {
        let timing = RequestTiming(
            totalNanoseconds: 57_440_000, databaseNanoseconds: 12_340_000, httpNanoseconds: 40_000_000,
            appNanoseconds: 5_100_000, queryCount: 4, httpCallCount: 1
        )
        #expect(ServerTiming.header(for: timing) == "db;dur=12.3;desc=\"4 queries\", http;dur=40.0;desc=\"1 call\", app;dur=5.1, total;dur=57.4")
        let plain = RequestTiming(totalNanoseconds: 999, databaseNanoseconds: 0, httpNanoseconds: 0, appNanoseconds: 999, queryCount: 0, httpCallCount: 0)
        #expect(ServerTiming.header(for: plain) == "app;dur=0.0, total;dur=0.0")
    }

    @Test func tokenChecks() {
        let off = ReportAccess()
        #expect(!off.isAuthorized(tokenHeader: "", authorization: nil, query: "token="))
        let access = ReportAccess(prefix: "/_hotpath/", token: "s3cret-token")
        #expect(access.prefix == "/_hotpath")
        #expect(access.endpoint(forPath: "/_hotpath") == .html)
        #expect(access.endpoint(forPath: "/_hotpath/report.json") == .json)
        #expect(access.endpoint(forPath: "/_hotpathx") == nil)
        #expect(!access.isAuthorized(tokenHeader: nil, authorization: nil, query: nil))
        #expect(!access.isAuthorized(tokenHeader: "s3cret-tokeN", authorization: nil, query: nil))
        #expect(!access.isAuthorized(tokenHeader: "s3cret-token-and-more", authorization: nil, query: nil))
        #expect(!access.isAuthorized(tokenHeader: "s3cret", authorization: nil, query: nil))
        #expect(access.isAuthorized(tokenHeader: "s3cret-token", authorization: nil, query: nil))
        #expect(access.isAuthorized(tokenHeader: nil, authorization: "Bearer s3cret-token", query: nil))
        #expect(access.isAuthorized(tokenHeader: nil, authorization: nil, query: "a=1&token=s3cret%2Dtoken"))
        #expect(!access.isAuthorized(tokenHeader: nil, authorization: "Basic s3cret-token", query: nil))
    }

    /// The comparison's time must not reveal how much of a guess was right. Compares the
    /// median time of a guess wrong at its first byte with one wrong only at its last.
    @Test func comparisonTimeDoesNotDependOnWhereTokensDiffer() {
        let token = String(repeating: "k", count: 4096)
        let wrongFirst = "x" + String(repeating: "k", count: 4095)
        let wrongLast = String(repeating: "k", count: 4095) + "x"
        // Samples alternate between the two guesses, so load from other tests hits both alike.
        func time(_ guess: String) -> UInt64 {
            let start = MonotonicClock.now()
            for _ in 0..<20 { _ = ConstantTime.equals(guess, token) }
            return MonotonicClock.now() - start
        }
        var firstSamples: [UInt64] = []
        var lastSamples: [UInt64] = []
        for _ in 0..<301 {
            firstSamples.append(time(wrongFirst))
            lastSamples.append(time(wrongLast))
        }
        let first = Double(firstSamples.sorted()[150])
        let last = Double(lastSamples.sorted()[150])
        #expect(last / first < 1.5 && first / last < 1.5, "first \(first) ns, last \(last) ns")
        #expect(!ConstantTime.equals(wrongFirst, token))
        #expect(ConstantTime.equals(token, token))
        #expect(!ConstantTime.equals("", ""), "an empty token never matches")
    }

    @Test func stopwatchLapsPrintAndRecord() async throws {
        let request = ActiveRequest(method: "GET", path: "/")
        let text = try await ActiveRequest.$current.withValue(request) {
            var stopwatch = Stopwatch()
            try await Task.sleep(for: .milliseconds(12))
            stopwatch.lap("load a")
            try await Task.sleep(for: .milliseconds(5))
            stopwatch.lap("combine")
            return stopwatch.description
        }
        // The text's units follow the lap lengths, which a loaded machine stretches.
        #expect(text.hasPrefix("load a: "))
        #expect(text.contains("  combine: "))
        #expect(request.events.map(\.label) == ["load a", "combine"])
        #expect(request.events[0].durationNanoseconds >= 12_000_000)
        #expect(request.events[1].startNanoseconds >= request.events[0].durationNanoseconds)
        #expect(request.events[0].callSite?.innermost?.file == "HotpathTests/RecorderTests.swift")
    }

    @Test(arguments: [(850_000 as UInt64, "0.9ms"), (12_340_000, "12.3ms"), (40_000, "40us"), (12_345_000_000, "12.35s")])
    func stopwatchFormat(nanoseconds: UInt64, text: String) {
        #expect(Stopwatch.format(nanoseconds) == text)
    }

    @Test func measureRecordsSyncAndAsyncBlocks() async throws {
        let request = ActiveRequest(method: "GET", path: "/")
        let (a, b) = try await ActiveRequest.$current.withValue(request) {
            let a = Hotpath.measure("sync block") { 21 * 2 }
            let b = try await Hotpath.measure("async block") {
                try await Task.sleep(for: .milliseconds(3))
                return "done"
            }
            return (a, b)
        }
        #expect(a == 42)
        #expect(b == "done")
        #expect(request.events.map(\.label) == ["sync block", "async block"])
        #expect(request.events[1].durationNanoseconds >= 3_000_000)
        #expect(throws: CancellationError.self) { try Hotpath.measure("throws") { throw CancellationError() } }
    }
}
