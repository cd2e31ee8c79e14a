import Hotpath

/// Why a run ended.
public enum LoadStopReason: String, Sendable, Codable {
    /// The requested duration passed.
    case duration
    /// The requested number of requests completed or failed.
    case requestCount = "request-count"
    /// The user interrupted it (Ctrl-C); what was measured so far is kept.
    case interrupted
    /// No response arrived for a long time while connections kept failing.
    case serverStopped = "server-stopped"
}

/// One second of a run.
public struct LoadTimelinePoint: Sendable, Codable, Equatable {
    /// Seconds since measurement started at the end of this interval.
    public var second: Double
    /// Length of the interval in seconds (the last one may be shorter).
    public var interval: Double
    public var requests: UInt64
    public var requestsPerSecond: Double
    /// Latency percentiles in nanoseconds; 0 when nothing completed in the interval.
    public var p50: Double
    public var p99: Double
    public var errors: UInt64
    public var unsuccessful: UInt64
}

/// Everything one run measured. Renderers and the JSON writer read it; nothing recomputes it.
public struct LoadResult: Sendable {
    public var target: LoadTarget
    public var method: String
    public var connections: Int
    public var threads: Int
    public var requestedDuration: Duration?
    public var requestedRequests: Int?
    public var rate: Double?
    public var warmup: Duration
    public var timeout: Duration
    public var stopReason: LoadStopReason

    /// Measured time, from the end of warmup to the stop.
    public var elapsed: Duration
    public var completed: UInt64
    public var bytesRead: UInt64
    /// Response latency. With a rate this is measured from each request's intended send
    /// time, so it includes the time a request waited behind a slow one.
    public var latency: LatencyHistogram
    /// With a rate: latency from the actual send, which hides that waiting (wrk2's -U).
    public var uncorrectedLatency: LatencyHistogram?
    public var statusCounts: StatusCounts
    public var errors: LoadErrors
    public var timeline: [LoadTimelinePoint]

    /// For tools and tests that build a result from data measured elsewhere (a saved run,
    /// a fixture) rather than by ``LoadRun``.
    public init(
        target: LoadTarget, method: String, connections: Int, threads: Int, requestedDuration: Duration?,
        requestedRequests: Int?, rate: Double?, warmup: Duration, timeout: Duration, stopReason: LoadStopReason,
        elapsed: Duration, completed: UInt64, bytesRead: UInt64, latency: LatencyHistogram,
        uncorrectedLatency: LatencyHistogram?, statusCounts: StatusCounts, errors: LoadErrors, timeline: [LoadTimelinePoint]
    ) {
        self.target = target
        self.method = method
        self.connections = connections
        self.threads = threads
        self.requestedDuration = requestedDuration
        self.requestedRequests = requestedRequests
        self.rate = rate
        self.warmup = warmup
        self.timeout = timeout
        self.stopReason = stopReason
        self.elapsed = elapsed
        self.completed = completed
        self.bytesRead = bytesRead
        self.latency = latency
        self.uncorrectedLatency = uncorrectedLatency
        self.statusCounts = statusCounts
        self.errors = errors
        self.timeline = timeline
    }

    public var elapsedSeconds: Double { max(elapsed.nanosecondsValue / 1e9, 1e-9) }
    public var requestsPerSecond: Double { Double(completed) / elapsedSeconds }
    public var bytesPerSecond: Double { Double(bytesRead) / elapsedSeconds }
    /// Every request that was attempted and resolved: answered or failed.
    public var attempts: UInt64 { completed &+ errors.read &+ errors.write &+ errors.timeout }
    /// Failed requests: socket errors and timeouts, plus responses outside 2xx/3xx.
    public var failed: UInt64 { errors.total &+ statusCounts.unsuccessful }
    /// Failed share of everything tried, connection attempts included: 0...1.
    public var errorRate: Double { Double(failed) / Double(max(completed &+ errors.total, 1)) }

    /// What a budget is checked against.
    public var budgetMeasurement: BudgetMeasurement {
        BudgetMeasurement(latency: latency, requests: completed &+ errors.total, errors: failed, requestsPerSecond: requestsPerSecond)
    }
}
