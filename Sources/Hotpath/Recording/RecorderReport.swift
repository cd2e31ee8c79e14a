/// What the recorder knows, as served by the report endpoint (JSON schema `hotpath-report/2`,
/// see docs/report-format.md) and read by `hotpath diagnose`. Times in the JSON are
/// milliseconds unless a key says otherwise; keys are snake_case. Additive changes keep the
/// schema name; anything else bumps it.
public struct RecorderReport: Sendable, Codable {
    public static let schemaName = "hotpath-report/2"

    public var schema: String
    public var tool: String
    public var uptimeSeconds: Double
    /// The budget each route is judged against, e.g. "p95<200ms".
    public var budget: String
    /// Which captures are installed and what they recorded.
    public var manifest: InstrumentationManifest
    /// Call sites and stacks in this report whose names are still being symbolicated: a reader
    /// that wants names reads the report again until this is 0.
    public var pendingNames: Int
    /// Routes in the order they were first seen.
    public var routes: [RouteReport]
    /// Most recent requests first, with their events.
    public var recent: [RequestReport]
    /// What one `hotpath diagnose` run measured, endpoint by endpoint: present when the report
    /// is asked for that run (`report.json?run=<id>`).
    public var windows: [WindowReport]?

    public init(
        uptimeSeconds: Double, budget: Budget, manifest: InstrumentationManifest, routes: [RouteReport], recent: [CompletedRequest],
        windows: [WindowReport]? = nil
    ) {
        schema = Self.schemaName
        tool = "hotpath \(HotpathVersion.current)"
        self.uptimeSeconds = uptimeSeconds
        self.budget = budget.description
        self.manifest = manifest
        self.routes = routes
        self.recent = recent.map(RequestReport.init)
        self.windows = windows
        pendingNames = routes.reduce(0) { $0 + $1.pendingNames } + self.recent.reduce(0) { $0 + $1.pendingNames }
            + (windows ?? []).reduce(0) { $0 + ($1.requests?.pendingNames ?? 0) }
    }

    /// The window of `endpoint` in the run asked for, if the server saw it.
    public func window(endpoint: Int) -> WindowReport? {
        windows?.first { $0.endpoint == endpoint }
    }
}

/// One endpoint of a `hotpath diagnose` run, as the server saw it: its measured requests only.
public struct WindowReport: Sendable, Codable {
    public var run: String
    /// The endpoint's position in the run.
    public var endpoint: Int
    /// Requests of the endpoint (any phase) begun and not yet finished when the report was made.
    public var inFlight: Int
    /// The route's report over the measured requests (nil before the first one finished):
    /// latency, where the time went, the slowest requests, and findings that recur among them
    /// (with the one-offs apart, in ``RouteReport/oneOffs``).
    public var requests: RouteReport?
}

/// One route's aggregates.
public struct RouteReport: Sendable, Codable {
    public var method: String
    public var route: String
    public var count: UInt64
    /// "1xx"…"5xx" (and "other") to counts; only classes seen.
    public var statusClasses: [String: UInt64]
    public var latencyMs: LatencySummary
    /// Feel of p50, p95 and p99.
    public var feel: FeelSummary
    public var budget: [BudgetLine]
    public var budgetPassed: Bool
    public var avgDatabaseMs: Double
    public var avgHttpMs: Double
    public var avgAppMs: Double
    public var avgQueries: Double
    public var maxQueries: Int
    public var avgHttpCalls: Double
    /// Requests per second over the recorder's uptime.
    public var requestsPerSecond: Double
    /// The full distribution (microsecond buckets).
    public var histogram: LatencyHistogram
    /// Slowest requests first, with their events.
    public var slowest: [RequestReport]
    /// What the detectors found in this route's slowest requests (and the latest that stalled a
    /// thread), one per kind, subject and call site (the request where it cost most), plus what
    /// the route detectors found across its requests; biggest saving first.
    public var findings: [Finding]
    /// In a measured window: what its slowest requests showed that does not recur in the
    /// window's requests (``RecurrenceRule``), as tail evidence, not findings. Nil for a route's
    /// all-time report, whose findings are not judged for recurrence.
    public var oneOffs: [Finding]?

    /// - Parameter recurrence: with a sample of the route's requests, the findings of its
    ///   slowest requests are judged for recurrence among them.
    init(
        _ aggregate: RouteAggregate, budget: Budget, uptimeSeconds: Double, detectors: Detectors, context: DetectionContext,
        reads: [RepeatedRead], recurrence: (rule: RecurrenceRule, sample: [CompletedRequest])? = nil
    ) {
        method = aggregate.method
        route = aggregate.route
        count = aggregate.count
        var classes: [String: UInt64] = [:]
        for (index, value) in aggregate.statusClasses.enumerated() where value > 0 {
            classes[index == 0 ? "other" : "\(index)xx"] = value
        }
        statusClasses = classes
        latencyMs = LatencySummary(aggregate.latency)
        feel = FeelSummary(aggregate.latency)
        let perSecond = uptimeSeconds > 0 ? Double(aggregate.count) / uptimeSeconds : 0
        let verdicts = budget.evaluate(BudgetMeasurement(
            latency: aggregate.latency, requests: aggregate.count, errors: aggregate.statusClasses[5], requestsPerSecond: perSecond
        ))
        self.budget = verdicts.map { BudgetLine(clause: $0.clause.description, measured: $0.measuredText, passed: $0.passed) }
        budgetPassed = verdicts.allSatisfy(\.passed)
        let count = Double(max(aggregate.count, 1))
        avgDatabaseMs = Double(aggregate.databaseNanoseconds) / count / 1e6
        avgHttpMs = Double(aggregate.httpNanoseconds) / count / 1e6
        avgAppMs = Double(aggregate.appNanoseconds) / count / 1e6
        avgQueries = Double(aggregate.queries) / count
        maxQueries = aggregate.maximumQueries
        avgHttpCalls = Double(aggregate.httpCalls) / count
        requestsPerSecond = perSecond
        histogram = aggregate.latency
        slowest = aggregate.slowest.map(RequestReport.init)
        let window = RouteWindow(method: aggregate.method, route: aggregate.route, requests: aggregate.count, repeatedReads: reads)
        var perRequest = Self.perRequestFindings(
            in: aggregate.examples, detectors: detectors.perRequest, context: context, counting: recurrence?.sample ?? []
        )
        if let recurrence {
            let judged = RecurrenceRule.slowQueriesExplainedByStalls(
                recurrence.rule.judge(perRequest, sample: recurrence.sample, detectors: detectors.perRequest, context: context)
            )
            perRequest = judged.recurring
            oneOffs = Self.ordered(judged.oneOffs)
        }
        var found = perRequest
        for detector in detectors.perRoute { found += detector.findings(in: window, context: context) }
        findings = Self.ordered(found)
    }

    /// Biggest saving first; the key breaks ties, so the order is the same every time.
    static func ordered(_ findings: [Finding]) -> [Finding] {
        findings.sorted { ($0.estimatedSavingNanoseconds, $1.key) > ($1.estimatedSavingNanoseconds, $0.key) }
    }

    /// Runs the detectors; keeps one finding per key, the one that saves most, with the
    /// requests it was seen in as examples.
    static func findings(in requests: [CompletedRequest], window: RouteWindow, detectors: Detectors, context: DetectionContext) -> [Finding] {
        var found = perRequestFindings(in: requests, detectors: detectors.perRequest, context: context)
        for detector in detectors.perRoute { found += detector.findings(in: window, context: context) }
        return ordered(found)
    }

    /// The per-request detectors over `requests`: one finding per key, the one that saves most,
    /// with the requests it was seen in as examples.
    /// - Parameter counting: more requests (a window's sample) whose CPU stalls count toward
    ///   naming a family of them (``StallFamilies``), and nothing else.
    static func perRequestFindings(
        in requests: [CompletedRequest], detectors: [any RequestDetector], context: DetectionContext, counting: [CompletedRequest] = []
    ) -> [Finding] {
        var strongest: [String: Finding] = [:]
        var examples: [String: [FindingExample]] = [:]
        var blocking = BlockingCallsSeen()
        for request in requests {
            for detector in detectors {
                for finding in detector.findings(in: request, context: context) {
                    let key = finding.key
                    blocking.add(finding)
                    examples[key, default: []].append(FindingExample(request: request.id, path: request.path, durationNanoseconds: request.timing.totalNanoseconds))
                    if strongest[key].map({ $0.estimatedSavingNanoseconds < finding.estimatedSavingNanoseconds }) ?? true {
                        strongest[key] = finding
                    }
                }
            }
        }
        let found = strongest.map { key, finding -> Finding in
            var kept = blocking.named(finding)
            kept.examples = Array((examples[key] ?? []).sorted { $0.durationNanoseconds > $1.durationNanoseconds }.prefix(5))
            return kept
        }
        var seenIn = examples.mapValues(\.count)
        let judged = Set(requests.map(\.id))
        for request in counting where !judged.contains(request.id) {
            var keys = Set<String>()
            for detector in detectors {
                for finding in detector.findings(in: request, context: context) where finding.kind == .cpuStall { keys.insert(finding.key) }
            }
            for key in keys { seenIn[key, default: 0] += 1 }
        }
        return StallFamilies.merged(found, seenIn: seenIn)
    }

    /// Names still pending among its requests and findings.
    var pendingNames: Int {
        slowest.reduce(0) { $0 + $1.pendingNames } + findings.filter { $0.callSite?.isPending == true }.count
            + (oneOffs ?? []).filter { $0.callSite?.isPending == true }.count
    }
}

/// The feel of a route's p50, p95 and p99.
public struct FeelSummary: Sendable, Codable, Equatable {
    public var p50: Feel
    public var p95: Feel
    public var p99: Feel

    init(_ histogram: LatencyHistogram) {
        p50 = Feel(nanoseconds: histogram.percentile(50))
        p95 = Feel(nanoseconds: histogram.percentile(95))
        p99 = Feel(nanoseconds: histogram.percentile(99))
    }
}

public struct LatencySummary: Sendable, Codable, Equatable {
    public var avg: Double
    public var p50: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double
    public var max: Double

    init(_ histogram: LatencyHistogram) {
        avg = histogram.mean / 1e6
        p50 = histogram.percentile(50) / 1e6
        p90 = histogram.percentile(90) / 1e6
        p95 = histogram.percentile(95) / 1e6
        p99 = histogram.percentile(99) / 1e6
        max = histogram.max / 1e6
    }
}

public struct BudgetLine: Sendable, Codable, Equatable {
    public var clause: String
    public var measured: String
    public var passed: Bool
}

/// One request with its events, times in milliseconds.
public struct RequestReport: Sendable, Codable, Equatable {
    public var id: UInt64
    public var method: String
    public var path: String
    public var route: String
    public var status: Int
    /// Seconds since 1970.
    public var startedAt: Double
    public var durationMs: Double
    public var databaseMs: Double
    public var httpMs: Double
    public var appMs: Double
    public var queries: Int
    public var httpCalls: Int
    public var events: [EventReport]
    public var droppedEvents: Int
    /// Body size and encoding, for large responses.
    public var response: ResponseFacts?
    /// The `hotpath diagnose` run that sent it, if one did.
    public var marker: RunMarker?

    init(_ request: CompletedRequest) {
        id = request.id
        method = request.method
        path = request.path
        route = request.route
        status = request.status
        startedAt = request.startedAt
        durationMs = Double(request.timing.totalNanoseconds) / 1e6
        databaseMs = Double(request.timing.databaseNanoseconds) / 1e6
        httpMs = Double(request.timing.httpNanoseconds) / 1e6
        appMs = Double(request.timing.appNanoseconds) / 1e6
        queries = request.timing.queryCount
        httpCalls = request.timing.httpCallCount
        events = request.events.map(EventReport.init)
        droppedEvents = request.droppedEvents
        response = request.response
        marker = request.marker
    }

    /// Names still pending among its events.
    var pendingNames: Int {
        events.filter(\.isPending).count
    }
}

/// One event of a request, with its facts.
public struct EventReport: Sendable, Codable, Equatable {
    public var startMs: Double
    public var durationMs: Double
    public var callSite: CallSite?
    public var detail: EventDetail

    init(_ event: RequestEvent) {
        startMs = Double(event.startNanoseconds) / 1e6
        durationMs = Double(event.durationNanoseconds) / 1e6
        callSite = event.callSite
        detail = event.detail
    }

    public var kind: RequestEvent.Kind { detail.kind }
    /// A one-line label: the SQL text, `GET host/path`, a lap's name.
    public var label: String { detail.label }

    /// The query, when this event is one.
    public var query: QueryDetail? { detail.query }
    /// The outbound call, when this event is one.
    public var call: CallDetail? { detail.call }
    /// The stall, when this event is one.
    public var stall: StallDetail? { detail.stall }

    var isPending: Bool {
        if callSite?.isPending == true { return true }
        if case .stall(let stall) = detail, stall.stack?.isPending == true { return true }
        return false
    }
}
