/// What the recorder knows, as served by the report endpoint (JSON schema `hotpath-report/1`)
/// and read by `hotpath diagnose`. Times in the JSON are milliseconds unless a key says
/// otherwise; keys are snake_case. Additive changes keep the schema name; anything else
/// bumps it.
public struct RecorderReport: Sendable, Codable {
    public static let schemaName = "hotpath-report/1"

    public var schema: String
    public var tool: String
    public var uptimeSeconds: Double
    /// The budget each route is judged against, e.g. "p95<200ms".
    public var budget: String
    /// Routes in the order they were first seen.
    public var routes: [RouteReport]
    /// Most recent requests first, with their events.
    public var recent: [RequestReport]

    public init(uptimeSeconds: Double, budget: Budget, routes: [RouteReport], recent: [CompletedRequest]) {
        schema = Self.schemaName
        tool = "hotpath \(HotpathVersion.current)"
        self.uptimeSeconds = uptimeSeconds
        self.budget = budget.description
        self.routes = routes
        self.recent = recent.map(RequestReport.init)
    }
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
    public var feel: [String: Feel]
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
    /// thread), biggest saving first; one
    /// entry per kind and statement shape or call names (the request where it cost most);
    /// plus GETs repeated across this route's requests.
    public var findings: [Finding]

    init(
        _ aggregate: RouteAggregate, budget: Budget, uptimeSeconds: Double,
        queryThresholds: QueryThresholds, httpThresholds: HTTPCallThresholds, acrossRequests: [Finding] = [],
        advice: [String: IndexAdvice] = [:]
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
        feel = [
            "p50": Feel(nanoseconds: aggregate.latency.percentile(50)),
            "p95": Feel(nanoseconds: aggregate.latency.percentile(95)),
            "p99": Feel(nanoseconds: aggregate.latency.percentile(99)),
        ]
        let perSecond = uptimeSeconds > 0 ? Double(aggregate.count) / uptimeSeconds : 0
        let serverErrors = aggregate.statusClasses[5]
        let verdicts = budget.evaluate(BudgetMeasurement(
            latency: aggregate.latency, requests: aggregate.count, errors: serverErrors, requestsPerSecond: perSecond
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
        findings = Self.findings(
            in: aggregate.examples, queryThresholds: queryThresholds, httpThresholds: httpThresholds,
            acrossRequests: acrossRequests, advice: advice
        )
    }

    static func findings(
        in requests: [CompletedRequest], queryThresholds: QueryThresholds, httpThresholds: HTTPCallThresholds,
        acrossRequests: [Finding], advice: [String: IndexAdvice]
    ) -> [Finding] {
        var strongest: [String: Finding] = [:]
        for request in requests {
            let found = QueryDetectors.findings(in: request, thresholds: queryThresholds, advice: advice)
                + HTTPDetectors.findings(in: request, thresholds: httpThresholds)
                + StallDetectors.findings(in: request)
                + ResponseDetectors.findings(in: request)
            for finding in found {
                // Stalls: one per kind and app function. The thread is caught wherever it happened
                // to be (a leaf in the hot loop, a helper it calls; with or without a line), so
                // leaves and sites vary from one request to the next for the same problem.
                let isStall = finding.kind == .cpuStall || finding.kind == .blockingCall
                let key = isStall
                    ? finding.kind.rawValue + "|" + StallDetectors.function(ofCallSite: finding.callSite ?? finding.fingerprint ?? "")
                    : finding.kind.rawValue + "|" + (finding.fingerprint ?? "") + "|" + (finding.callSite ?? "")
                if strongest[key].map({ $0.estimatedSavingNanoseconds < finding.estimatedSavingNanoseconds }) ?? true {
                    strongest[key] = finding
                }
            }
        }
        return (Array(strongest.values) + acrossRequests).sorted { $0.estimatedSavingNanoseconds > $1.estimatedSavingNanoseconds }
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
    }
}

public struct EventReport: Sendable, Codable, Equatable {
    public var kind: RequestEvent.Kind
    public var name: String
    public var startMs: Double
    public var durationMs: Double
    public var callSite: String?
    public var attributes: [String: String]?

    init(_ event: RequestEvent) {
        kind = event.kind
        name = event.name
        startMs = Double(event.startNanoseconds) / 1e6
        durationMs = Double(event.durationNanoseconds) / 1e6
        callSite = DeferredCallSites.resolved(event.callSite)
        attributes = event.attributes
    }
}
