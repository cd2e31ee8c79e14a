import Foundation
@testable import Hotpath
import HotpathDiagnose
import HotpathLoad
import HotpathProfiler

/// A realistic diagnosis of a small shop server: one slow endpoint with everything (N+1,
/// sequential calls, a stall, a profile, a ramp with a plateau), one with a hostile route
/// and hostile finding text, one where no request completed, and one healthy endpoint with
/// a single second of timeline. Latencies are real histogram recordings, seeded.
enum DiagnosisFixtures {
    static let hostileScript = "<script>alert(1)</script>"
    static let hostileRoute = "/search/</script><script>alert(1)</script>"
    static let ampersand = "a & b"
    static let quoted = "\"quoted\""
    static let hostileFunction = "Render.<script>alert(1)</script>(_:)"
    static let budget = "p95<200ms"

    // MARK: - The diagnosis

    /// Built once: a dozen tests read it, and building it (histograms, bootstrap intervals) in
    /// a debug build takes long enough to hold the cooperative pool from the other suites.
    static func diagnosis() throws -> Diagnosis { try builtDiagnosis.get() }
    private static let builtDiagnosis = Result { try buildDiagnosis() }

    static func buildDiagnosis() throws -> Diagnosis {
        let endpoints = [try orders(), try search(), try login(), try health()]
        let orderFindings = endpoints[0].findings
        let fixes = [
            RankedFix(endpoint: "GET /orders", finding: orderFindings[0], savingMs: 180, effort: .medium),
            RankedFix(endpoint: "GET /orders", finding: orderFindings[1], savingMs: 120, effort: .low),
            RankedFix(endpoint: "GET /orders", finding: orderFindings[2], savingMs: 60, effort: .medium),
            RankedFix(endpoint: "GET \(hostileRoute)", finding: endpoints[1].findings[0], savingMs: 35, effort: .high),
        ]
        let wins = [
            CheapWin(
                kind: .compressResponses, title: "Compress responses",
                detail: "Responses average 48 KB uncompressed: enable gzip in the server's middleware.",
                endpoints: ["GET /orders", "GET \(hostileRoute)"], savingMs: 8, effort: .low
            ),
            CheapWin(
                kind: .addIndex, title: "Add the missing index",
                detail: "CREATE INDEX items_order_id ON items (order_id)", endpoints: ["GET /orders"], savingMs: 120, effort: .low
            ),
        ]
        return Diagnosis(
            startedAt: Date(timeIntervalSince1970: 1_760_000_000), target: "http://127.0.0.1:8080", budget: budget,
            view: .inside, blindSpots: [], elapsedSeconds: 74.2, fixes: fixes, cheapWins: wins, endpoints: endpoints,
            server: LoadReport.ServerUsage(pid: 4242, name: "Shop", cpuPercent: 38.5, cores: 2)
        )
    }

    /// The same server seen from outside: no breakdown, no events, a blind spot to show.
    static func outsideDiagnosis() throws -> Diagnosis {
        var endpoint = try search()
        endpoint.breakdown = nil
        endpoint.exampleRequest = nil
        endpoint.profile = nil
        endpoint.findings = []
        endpoint.suspects = SuspectCheck.Suspect.allCases.map { SuspectCheck(suspect: $0, status: .unknown, summary: "needs the middleware") }
        return Diagnosis(
            startedAt: Date(timeIntervalSince1970: 1_760_000_000), target: "http://127.0.0.1:9090", budget: budget,
            view: .outside,
            blindSpots: ["No Hotpath middleware answered at /_hotpath: queries, outbound calls and stalls are invisible <here>."],
            elapsedSeconds: 12, fixes: [], cheapWins: [], endpoints: [endpoint], server: nil
        )
    }

    static func emptyDiagnosis() -> Diagnosis {
        Diagnosis(
            startedAt: Date(timeIntervalSince1970: 0), target: "http://127.0.0.1:1", budget: budget, view: .outside,
            blindSpots: [], elapsedSeconds: 0, fixes: [], cheapWins: [], endpoints: [], server: nil
        )
    }

    /// Every number that can go wrong, wrong: NaN and infinite breakdowns, savings, ramp
    /// steps and timeline values, and a budget text that does not parse.
    static func nonFiniteDiagnosis() throws -> Diagnosis {
        var endpoint = try health()
        endpoint.breakdown = TimeBreakdown(totalMs: .nan, databaseMs: .infinity, httpMs: -.infinity, appMs: .nan, queries: .nan, maxQueries: 0, httpCalls: .nan)
        endpoint.bytesPerResponse = .nan
        endpoint.ramp = [
            RampStep(connections: 1, requestsPerSecond: .nan, p50Ms: .infinity, p99Ms: .nan, serverCPUPercent: .nan),
            RampStep(connections: 4, requestsPerSecond: 10, p50Ms: 1, p99Ms: 2, serverCPUPercent: nil),
        ]
        endpoint.load.latency.percentilesMs["p95"] = .nan
        endpoint.load.latency.maxMs = .infinity
        endpoint.load.latency.curve = try decode(
            [LoadReport.CurvePoint].self,
            #"[{"percentile":0,"ms":1,"count":1},{"percentile":"nan","ms":2,"count":2},{"percentile":100,"ms":"inf","count":3}]"#
        )
        endpoint.load.timeline = try decode(
            [LoadReport.TimelinePoint].self,
            #"""
            [{"second":1,"interval_s":1,"requests":5,"rps":"nan","p50_ms":"inf","p99_ms":"nan","errors":0,"non2xx3xx":0},
             {"second":"nan","interval_s":1,"requests":5,"rps":5,"p50_ms":1,"p99_ms":2,"errors":0,"non2xx3xx":0}]
            """#
        )
        endpoint.exampleRequest = try request(
            durationMs: .nan,
            events: [
                try event(.query(QueryDetail(sql: "select 1")), start: .nan, duration: 1),
                try event(.call(CallDetail(method: "GET", url: "http://x.test/x")), start: 1, duration: .infinity),
                try event(.span(SpanDetail(name: "finite")), start: 0.5, duration: 0.2),
            ]
        )
        let repeated = Finding(
            evidence: .repeatedCalls(RepeatedCallsEvidence(call: "GET x.test/x", runs: 2, totalNanoseconds: 2, wastedNanoseconds: 1)),
            fix: FixAdvice.reuseCallResult, estimatedSavingNanoseconds: 1, subject: "GET x.test/x", count: 2
        )
        let fixes = [RankedFix(endpoint: endpoint.name, finding: repeated, savingMs: .infinity, effort: .low),
                     RankedFix(endpoint: endpoint.name, finding: repeated, savingMs: .nan, effort: .low)]
        return Diagnosis(
            startedAt: Date(timeIntervalSince1970: 0), target: "http://127.0.0.1:2", budget: "p95 < fast", view: .inside,
            blindSpots: [], elapsedSeconds: .nan, fixes: fixes, cheapWins: [], endpoints: [endpoint], server: nil
        )
    }

    static func comparison() -> [EndpointComparison] { builtComparison }
    private static let builtComparison = buildComparison()

    static func buildComparison() -> [EndpointComparison] {
        let before = histogram(count: 2_000, medianMs: 180, tailMs: 900, seed: 11)
        let after = histogram(count: 2_000, medianMs: 40, tailMs: 120, seed: 12)
        let same = histogram(count: 800, medianMs: 12, tailMs: 40, seed: 13)
        let sameAgain = histogram(count: 800, medianMs: 12, tailMs: 40, seed: 14)
        return [
            EndpointComparison(
                endpoint: "GET /orders",
                changes: RunComparison.compare(
                    before: before, after: after,
                    beforeThroughput: [40, 42, 41, 39, 43, 40], afterThroughput: [150, 148, 152, 149, 151, 150]
                ),
                bytesPerResponseBefore: 48_200, bytesPerResponseAfter: 9_100
            ),
            EndpointComparison(
                endpoint: "GET \(hostileRoute)",
                changes: RunComparison.compare(before: same, after: sameAgain, beforeThroughput: [80], afterThroughput: [81]),
                bytesPerResponseBefore: 1_200, bytesPerResponseAfter: 1_200
            ),
            EndpointComparison(
                endpoint: "GET /health",
                changes: RunComparison.compare(
                    before: after, after: before, beforeThroughput: [150, 151, 149], afterThroughput: [40, 41, 39]
                ),
                bytesPerResponseBefore: 20, bytesPerResponseAfter: 20
            ),
        ]
    }

    // MARK: - Endpoints

    /// Over budget, with everything the inside view can know.
    static func orders() throws -> EndpointDiagnosis {
        let latency = histogram(count: 2_400, medianMs: 250, tailMs: 1_400, seed: 1)
        let load = try loadReport(
            path: "/orders?page=2", latency: latency, seconds: 10, errors: 3,
            timeline: (1...10).map { (second: Int) -> (Double, Double, Double, Double, UInt64) in
                // Second 7 has a hiccup: a slow tail and three timeouts.
                let time = Double(second)
                let rps: Double = 24 + Double(second % 3)
                let p99: Double = second == 7 ? 1_350 : 520 + time * 9
                return (time, rps, 170 + time * 4, p99, second == 7 ? 3 : 0)
            }
        )
        let ramp = [
            RampStep(connections: 1, requestsPerSecond: 21, p50Ms: 45, p99Ms: 90, serverCPUPercent: 12),
            RampStep(connections: 4, requestsPerSecond: 27, p50Ms: 160, p99Ms: 380, serverCPUPercent: 14),
            RampStep(connections: 16, requestsPerSecond: 24.5, p50Ms: 640, p99Ms: 1_450, serverCPUPercent: 15),
        ]
        return EndpointDiagnosis(
            method: "GET", route: "/orders", path: "/orders?page=2", load: load, feel: .noticeable, budgetPassed: false,
            ramp: ramp, plateau: RampPlateau.find(in: ramp, cores: 2), breakdown: TimeBreakdown(
                totalMs: 245, databaseMs: 150, httpMs: 62, appMs: 33, queries: 26, maxQueries: 31, httpCalls: 2
            ),
            suspects: [
                SuspectCheck(suspect: .database, status: .found, summary: "26 queries per request, 1 N+1 shape, 1 missing index", findingKinds: [.nPlusOne, .missingIndex]),
                SuspectCheck(suspect: .externalHTTP, status: .found, summary: "2 calls in sequence, 62 ms per request", findingKinds: [.sequentialCalls]),
                SuspectCheck(suspect: .blocking, status: .clear, summary: "no thread was held past 20 ms"),
                SuspectCheck(suspect: .cpu, status: .unknown, summary: "13% of the time is the app's own code; profiled below"),
            ],
            findings: ordersFindings(),
            exampleRequest: try ordersRequest(),
            profile: profile(),
            bytesPerResponse: 48_200
        )
    }

    static let orderSite = CallSite(fileID: "Shop/OrderController.swift", line: 42)

    /// The slow endpoint's findings: an N+1, the index it lacks, two calls in a row.
    static func ordersFindings() -> [Finding] {
        let statement = "select * from items where order_id = ?"
        let nPlusOne = NPlusOneEvidence(
            statement: statement, runs: 24, distinctParameterSets: 24, totalNanoseconds: 146_000_000, filteredColumn: "order_id", table: "items"
        )
        let advice = IndexAdvice(
            fingerprint: statement, table: "items", columns: ["order_id"], createIndex: "CREATE INDEX items_order_id ON items (order_id)",
            reason: "The plan scans the whole table (40,000 rows) for each order", plan: ["SCAN items", "  USE TEMP B-TREE FOR ORDER BY"]
        )
        let calls = [
            CallTiming(call: "GET pricing.internal/quote", offsetNanoseconds: 0, durationNanoseconds: 31_000_000, callSite: CallSite(fileID: "Shop/Pricing.swift", line: 17)),
            CallTiming(call: "GET stock.internal/level", offsetNanoseconds: 32_000_000, durationNanoseconds: 31_000_000, callSite: CallSite(fileID: "Shop/Pricing.swift", line: 18)),
        ]
        return [
            Finding(
                evidence: .nPlusOne(nPlusOne), fix: FixAdvice.eagerLoad(nPlusOne), estimatedSavingNanoseconds: 180_000_000,
                callSite: orderSite, subject: statement, count: 24
            ),
            Finding(
                evidence: .missingIndex(MissingIndexEvidence(statement: statement, advice: advice, runs: 24, totalNanoseconds: 146_000_000)),
                fix: FixAdvice.addIndex(advice), estimatedSavingNanoseconds: 120_000_000, subject: statement, count: 24
            ),
            Finding(
                evidence: .sequentialCalls(SequentialCallsEvidence(calls: calls, inSequenceNanoseconds: 63_000_000, longestNanoseconds: 31_000_000, requestNanoseconds: 245_000_000)),
                fix: FixAdvice.runConcurrently, estimatedSavingNanoseconds: 31_000_000, callSite: CallSite(fileID: "Shop/Pricing.swift", line: 17),
                subject: "GET pricing.internal/quote → GET stock.internal/level", count: 2
            ),
        ]
    }

    /// A CPU stall whose every text is hostile.
    static func searchFinding() -> Finding {
        let frame = SourceFrame(function: hostileFunction, module: "Shop", file: "Shop/<Search>.swift", line: 9)
        let evidence = StallEvidence(
            thread: .other, threadName: "\(ampersand) then \(quoted)", durationNanoseconds: 35_000_000, cpuNanoseconds: 35_000_000,
            leaf: hostileScript, stack: [frame]
        )
        return Finding(
            evidence: .cpuStall(evidence),
            fix: Fix(kind: .fasterAlgorithm, summary: "Move \(hostileScript) off the event loop (\(ampersand)).", snippets: [CodeSnippet(.swift, hostileScript)]),
            estimatedSavingNanoseconds: 35_000_000, callSite: CallSite(frames: [frame]), subject: "computing in \(hostileScript) & \(quoted)", count: 1
        )
    }

    /// A hostile route and hostile finding text; within budget; two seconds of timeline.
    static func search() throws -> EndpointDiagnosis {
        let latency = histogram(count: 400, medianMs: 40, tailMs: 160, seed: 2)
        let load = try loadReport(
            path: "/search/%3C/script%3E", latency: latency, seconds: 2, errors: 0,
            timeline: [(1, 190, 38, 150, 0), (2, 210, 41, 170, 0)]
        )
        return EndpointDiagnosis(
            method: "GET", route: hostileRoute, path: "/search/%3C/script%3E?q=\(ampersand)", load: load, feel: .instant, budgetPassed: true,
            ramp: nil, plateau: nil, breakdown: TimeBreakdown(totalMs: 44, databaseMs: 4, httpMs: 0, appMs: 40, queries: 1, maxQueries: 1, httpCalls: 0),
            suspects: [
                SuspectCheck(suspect: .database, status: .clear, summary: "1 query per request"),
                SuspectCheck(suspect: .externalHTTP, status: .clear, summary: "no outbound calls"),
                SuspectCheck(suspect: .blocking, status: .clear, summary: "no stall"),
                SuspectCheck(suspect: .cpu, status: .found, summary: "CPU stall in \(hostileScript)", findingKinds: [.cpuStall]),
            ],
            findings: [searchFinding()],
            exampleRequest: nil, profile: nil, bytesPerResponse: 1_200
        )
    }

    /// No request completed: empty histogram, no timeline.
    static func login() throws -> EndpointDiagnosis {
        let load = try loadReport(path: "/login", latency: LatencyHistogram(), seconds: 0, errors: 12, timeline: [])
        return EndpointDiagnosis(
            method: "POST", route: "/login", path: "/login", load: load, feel: .broken, budgetPassed: false,
            ramp: nil, plateau: nil, breakdown: nil,
            suspects: SuspectCheck.Suspect.allCases.map { SuspectCheck(suspect: $0, status: .unknown, summary: "no request completed") },
            findings: [], exampleRequest: nil, profile: nil, bytesPerResponse: 0
        )
    }

    /// Fast, one second of timeline, an example request without events.
    static func health() throws -> EndpointDiagnosis {
        let latency = histogram(count: 300, medianMs: 0.4, tailMs: 2, seed: 3)
        let load = try loadReport(path: "/health", latency: latency, seconds: 1, errors: 0, timeline: [(1, 300, 0.4, 1.6, 0)])
        return EndpointDiagnosis(
            method: "GET", route: "/health", path: "/health", load: load, feel: .instant, budgetPassed: true,
            ramp: nil, plateau: nil, breakdown: TimeBreakdown(totalMs: 0.5, databaseMs: 0, httpMs: 0, appMs: 0.5, queries: 0, maxQueries: 0, httpCalls: 0),
            suspects: SuspectCheck.Suspect.allCases.map { SuspectCheck(suspect: $0, status: .clear, summary: "nothing recorded") },
            findings: [], exampleRequest: try request(durationMs: 0.5, events: []), profile: nil, bytesPerResponse: 20
        )
    }

    // MARK: - Building blocks

    /// A log-normal-ish spread around `medianMs` with a tail up to `tailMs`, from a seeded
    /// generator: the same every run.
    static func histogram(count: Int, medianMs: Double, tailMs: Double, seed: UInt64) -> LatencyHistogram {
        var histogram = LatencyHistogram()
        var state = seed &* 0x9e37_79b9_7f4a_7c15 | 1
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        for index in 0..<count {
            let u = uniform()
            // Most requests near the median, one in fifty in the tail.
            let ms = index % 50 == 0
                ? medianMs + (tailMs - medianMs) * uniform()
                : medianMs * (0.6 + 0.8 * u * u)
            histogram.record(nanoseconds: UInt64(ms * 1e6))
        }
        return histogram
    }

    /// A load report through the real `LoadResult` → `LoadReport` path, budget verdicts included.
    /// Timeline entries are (second, req/s, p50 ms, p99 ms, errors).
    static func loadReport(
        path: String, latency: LatencyHistogram, seconds: Double, errors: UInt64,
        timeline: [(Double, Double, Double, Double, UInt64)]
    ) throws -> LoadReport {
        var loadErrors = LoadErrors()
        loadErrors.timeout = errors
        let points = timeline.map { (second, rps, p50, p99, errors) -> [String: Any] in
            var point: [String: Any] = ["second": second, "interval": 1.0, "requestsPerSecond": rps, "unsuccessful": 0]
            point["requests"] = UInt64(rps)
            point["p50"] = p50 * 1e6
            point["p99"] = p99 * 1e6
            point["errors"] = errors
            return point
        }
        let timelinePoints = try JSONDecoder().decode(
            [LoadTimelinePoint].self, from: JSONSerialization.data(withJSONObject: points)
        )
        let result = LoadResult(
            target: try LoadTarget(parsing: "http://127.0.0.1:8080" + path), method: "GET", connections: 16, threads: 2,
            requestedDuration: .seconds(seconds), requestedRequests: nil, rate: nil, warmup: .seconds(1), timeout: .seconds(5),
            stopReason: .duration, elapsed: .milliseconds(Int64(seconds * 1_000)), completed: latency.count,
            bytesRead: latency.count * 1_200, latency: latency, uncorrectedLatency: nil,
            statusCounts: StatusCounts(latency.isEmpty ? [:] : [200: latency.count - min(latency.count, 2), 500: min(latency.count, 2)]),
            errors: loadErrors, timeline: timelinePoints
        )
        let verdicts = try Budget(parsing: budget).evaluate(result.budgetMeasurement)
        return LoadReport(result: result, verdicts: verdicts, startedAt: Date(timeIntervalSince1970: 1_760_000_000))
    }

    /// The slow request: a staircase of 24 item queries (the N+1), two outbound calls in a
    /// row, a stall, and a span the app marked.
    static func ordersRequest() throws -> RequestReport {
        var events = [try event(.query(QueryDetail(sql: "SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20")), start: 2, duration: 9)]
        for index in 0..<24 {
            events.append(try event(
                .query(QueryDetail(sql: "SELECT * FROM items WHERE order_id = $1 -- order \(index)", rows: 3, columns: ["id", "order_id", "sku"])),
                start: 12 + Double(index) * 6.3, duration: 5.8, site: orderSite
            ))
        }
        events.append(try event(
            .call(CallDetail(method: "GET", url: "http://pricing.internal/quote/<24>?currency=\"EUR\"", status: 200, responseBytes: 812)),
            start: 165, duration: 31, site: CallSite(fileID: "Shop/Pricing.swift", line: 17)
        ))
        events.append(try event(.call(CallDetail(method: "GET", url: "http://stock.internal/level")), start: 197, duration: 31, site: CallSite(fileID: "Shop/Pricing.swift", line: 18)))
        let stack = StackTrace(frames: [SourceFrame(function: hostileFunction, module: "Shop", file: "Shop/Render.swift", line: 3)])
        events.append(try event(
            .stall(StallDetail(kind: .blocking, thread: .cooperativePool, threadName: "oot.default-qos", cpuNanoseconds: 0, stack: stack)),
            start: 230, duration: 8.5, site: stack.callSite
        ))
        events.append(try event(.span(SpanDetail(name: "render orders page")), start: 239, duration: 5))
        return try request(durationMs: 245, events: events)
    }

    /// One event as the report's JSON has it.
    static func event(_ detail: EventDetail, start: Double, duration: Double, site: CallSite? = nil) throws -> [String: Any] {
        var event: [String: Any] = ["start_ms": jsonNumber(start), "duration_ms": jsonNumber(duration)]
        event["detail"] = try JSONSerialization.jsonObject(with: HotpathJSON.encoder().encode(detail))
        if let site { event["call_site"] = try JSONSerialization.jsonObject(with: HotpathJSON.encoder().encode(site)) }
        return event
    }

    /// `RequestReport` is made by the recorder; a fixture reads it from the JSON the
    /// recorder serves, the same way `hotpath diagnose` does.
    static func request(durationMs: Double, events: [[String: Any]]) throws -> RequestReport {
        let object: [String: Any] = [
            "id": 7, "method": "GET", "path": "/orders?page=2", "route": "/orders", "status": 200, "started_at": 1_760_000_001.5,
            "duration_ms": jsonNumber(durationMs), "database_ms": 150, "http_ms": 62, "app_ms": 33,
            "queries": events.filter { ($0["detail"] as? [String: Any])?["kind"] as? String == "query" }.count,
            "http_calls": events.filter { ($0["detail"] as? [String: Any])?["kind"] as? String == "call" }.count,
            "events": events, "dropped_events": 0,
        ]
        return try HotpathJSON.decoder().decode(RequestReport.self, from: JSONSerialization.data(withJSONObject: object))
    }

    /// JSONSerialization cannot write NaN or infinity: they travel as the strings the
    /// decoders are told to read.
    private static func jsonNumber(_ value: Double) -> Any {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return value
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try HotpathJSON.decoder().decode(type, from: Data(json.utf8))
    }

    /// 120 ms of samples: the controller, the N+1 loop inside it, JSON encoding, and a
    /// hostile function name.
    static func profile() -> ProfileSummary {
        let main = ProfileFrame(function: "main", module: "Shop", file: "Sources/Shop/App.swift", line: 1)
        let loop = ProfileFrame(function: "SelectableEventLoop.run()", module: "NIOPosix", isLibrary: true)
        let handler = ProfileFrame(function: "OrderController.list(request:)", module: "Shop", file: "Sources/Shop/OrderController.swift", line: 42)
        let items = ProfileFrame(function: "OrderController.items(for:)", module: "Shop", file: "Sources/Shop/OrderController.swift", line: 58)
        let decode = ProfileFrame(function: "PostgresRow.decode(_:)", module: "PostgresNIO", isLibrary: true)
        let encode = ProfileFrame(function: "JSONEncoder.encode(_:)", module: "Foundation", isLibrary: true)
        let hostile = ProfileFrame(function: hostileFunction, module: "Shop", file: "Sources/Shop/<Render>.swift", line: 3)
        var builder = ProfileBuilder(intervalNanoseconds: 1_000_000, startedAt: 1_760_000_001, label: "GET /orders")
        builder.addSample([main, loop, handler, items, decode], count: 46)
        builder.addSample([main, loop, handler, items], count: 18)
        builder.addSample([main, loop, handler, encode], count: 30)
        builder.addSample([main, loop, handler, hostile], count: 16)
        builder.addSample([main, loop], count: 10)
        let profile = builder.build()
        let hottest = [
            HotFunction(name: "PostgresRow.decode(_:)", location: nil, selfPercent: 38.3, totalPercent: 38.3, isLibrary: true),
            HotFunction(name: "JSONEncoder.encode(_:)", location: nil, selfPercent: 25, totalPercent: 25, isLibrary: true),
            HotFunction(name: "OrderController.items(for:)", location: "OrderController.swift:58", selfPercent: 15, totalPercent: 53.3, isLibrary: false),
            HotFunction(name: hostileFunction, location: "<Render>.swift:3", selfPercent: 13.3, totalPercent: 13.3, isLibrary: false),
        ]
        return ProfileSummary(location: "/_hotpath/profiles/3", durationMs: 120, sampleCount: profile.samples.count, hottest: hottest, profile: profile)
    }
}
