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
    /// Of ``errors``, the requests that timed out: a slow server's, not a gone one's.
    public var timeouts: UInt64
    public var unsuccessful: UInt64
    /// Open model: the rate the schedule asked for over this interval.
    public var targetRequestsPerSecond: Double?
    /// The interval's latencies, so merged runs get exact per-second percentiles.
    public var latency: CompactLatency?

    public init(
        second: Double, interval: Double, requests: UInt64, requestsPerSecond: Double, p50: Double, p99: Double,
        errors: UInt64, unsuccessful: UInt64, targetRequestsPerSecond: Double? = nil, latency: CompactLatency? = nil,
        timeouts: UInt64 = 0
    ) {
        self.timeouts = timeouts
        self.second = second
        self.interval = interval
        self.requests = requests
        self.requestsPerSecond = requestsPerSecond
        self.p50 = p50
        self.p99 = p99
        self.errors = errors
        self.unsuccessful = unsuccessful
        self.targetRequestsPerSecond = targetRequestsPerSecond
        self.latency = latency
    }

    private enum CodingKeys: String, CodingKey {
        case second, interval, requests, requestsPerSecond, p50, p99, errors, timeouts, unsuccessful, targetRequestsPerSecond, latency
    }

    /// `timeouts` is absent in points written before it was counted apart: 0 then.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        second = try container.decode(Double.self, forKey: .second)
        interval = try container.decode(Double.self, forKey: .interval)
        requests = try container.decode(UInt64.self, forKey: .requests)
        requestsPerSecond = try container.decode(Double.self, forKey: .requestsPerSecond)
        p50 = try container.decode(Double.self, forKey: .p50)
        p99 = try container.decode(Double.self, forKey: .p99)
        errors = try container.decode(UInt64.self, forKey: .errors)
        timeouts = try container.decodeIfPresent(UInt64.self, forKey: .timeouts) ?? 0
        unsuccessful = try container.decode(UInt64.self, forKey: .unsuccessful)
        targetRequestsPerSecond = try container.decodeIfPresent(Double.self, forKey: .targetRequestsPerSecond)
        latency = try container.decodeIfPresent(CompactLatency.self, forKey: .latency)
    }
}

/// One request name's figures in a run with many URLs.
public struct LoadEndpointResult: Sendable, Equatable {
    public var name: String
    public var completed: UInt64
    /// Of `completed`, answered after the window (see ``LoadResult/drained``).
    public var drained: UInt64
    public var latency: LatencyHistogram
    public var uncorrectedLatency: LatencyHistogram?
    public var statusCounts: StatusCounts
    public var errors: LoadErrors
    /// The `budget=` of its line in the URL file.
    public var budget: Budget?

    public init(
        name: String, completed: UInt64, drained: UInt64 = 0, latency: LatencyHistogram, uncorrectedLatency: LatencyHistogram?,
        statusCounts: StatusCounts, errors: LoadErrors, budget: Budget?
    ) {
        self.name = name
        self.completed = completed
        self.drained = drained
        self.latency = latency
        self.uncorrectedLatency = uncorrectedLatency
        self.statusCounts = statusCounts
        self.errors = errors
        self.budget = budget
    }

    public var failed: UInt64 { errors.total &+ statusCounts.unsuccessful }

    /// Answered within the window, per second of it.
    public func requestsPerSecond(elapsedSeconds: Double) -> Double {
        Double(completed &- min(drained, completed)) / max(elapsedSeconds, 1e-9)
    }

    public func budgetMeasurement(elapsedSeconds: Double) -> BudgetMeasurement {
        BudgetMeasurement(
            latency: latency, requests: completed &+ errors.total, errors: failed,
            requestsPerSecond: requestsPerSecond(elapsedSeconds: elapsedSeconds)
        )
    }
}

/// One arrival-rate stage: what it asked for and what the responses completing in its window show.
public struct LoadStageResult: Sendable, Equatable {
    /// Seconds from the start of measurement.
    public var start: Double
    public var seconds: Double
    public var fromRate: Double
    public var toRate: Double
    public var completed: UInt64
    public var unsuccessful: UInt64
    public var errors: LoadErrors
    public var latency: LatencyHistogram

    public init(
        start: Double, seconds: Double, fromRate: Double, toRate: Double, completed: UInt64, unsuccessful: UInt64,
        errors: LoadErrors, latency: LatencyHistogram
    ) {
        self.start = start
        self.seconds = seconds
        self.fromRate = fromRate
        self.toRate = toRate
        self.completed = completed
        self.unsuccessful = unsuccessful
        self.errors = errors
        self.latency = latency
    }

    /// The mean rate the stage asked for.
    public var targetRate: Double { (fromRate + toRate) / 2 }
    public var achievedRate: Double { Double(completed) / max(seconds, 1e-9) }
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
    /// Requests sent in the window and answered, in it or after it (``drained``).
    public var completed: UInt64
    /// Of `completed`, the requests answered after the window ended: the run waits for what it
    /// sent (up to the timeout) so the slowest requests count in the latencies, but leaves
    /// them out of the throughput, which is answers within the window per second of it.
    public var drained: UInt64 = 0
    public var bytesRead: UInt64
    /// Response latency. With a rate this is measured from each request's intended send
    /// time, so it includes the time a request waited behind a slow one.
    public var latency: LatencyHistogram
    /// With a rate: latency from the actual send, which hides that waiting (wrk2's -U).
    public var uncorrectedLatency: LatencyHistogram?
    public var statusCounts: StatusCounts
    public var errors: LoadErrors
    public var timeline: [LoadTimelinePoint]

    /// `http/1.1`, `h2c` or `h2`.
    public var protocolName = "http/1.1"
    public var streamsPerConnection = 1
    /// Arrival-rate stages as given, and what each measured.
    public var stageSpec: [LoadStage] = []
    public var stages: [LoadStageResult] = []
    /// Per request name, when the run sent more than one.
    public var endpoints: [LoadEndpointResult] = []
    /// The order of a `--urls` run.
    public var order: RequestOrder?
    /// Every URL of the mix (method and URL), for telling runs of different tests apart.
    public var requestLines: [String] = []
    /// Wall-clock time (Unix seconds) when measuring started: merges align timelines by it.
    public var measuringStartedAt: Double?
    /// How many runs were merged into this one (1 for a run of its own).
    public var mergedRuns = 1

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
    public var requestsPerSecond: Double { Double(completed &- min(drained, completed)) / elapsedSeconds }
    public var bytesPerSecond: Double { Double(bytesRead) / elapsedSeconds }
    /// Every request that was attempted and resolved: answered or failed.
    public var attempts: UInt64 { completed &+ errors.read &+ errors.write &+ errors.timeout &+ errors.reset }
    /// Failed requests: socket errors and timeouts, plus responses outside 2xx/3xx.
    public var failed: UInt64 { errors.total &+ statusCounts.unsuccessful }
    /// Failed share of everything tried, connection attempts included: 0...1.
    public var errorRate: Double { Double(failed) / Double(max(completed &+ errors.total, 1)) }

    /// What a budget is checked against.
    /// Open model (rate or stages): latency from each intended send.
    public var isOpenModel: Bool { rate != nil || !stageSpec.isEmpty }

    public var budgetMeasurement: BudgetMeasurement {
        var measurement = BudgetMeasurement(latency: latency, requests: completed &+ errors.total, errors: failed, requestsPerSecond: requestsPerSecond)
        measurement.unreachableShare = outage?.unreachableShare(ofSeconds: elapsedSeconds) ?? 0
        return measurement
    }

    /// The seconds in which the server answered nothing while connections failed, and when it
    /// stopped answering for good, if it did (see ``LoadOutage/find(in:elapsedSeconds:stoppedEarly:)``).
    public var outage: LoadOutage? {
        LoadOutage.find(in: timeline, elapsedSeconds: elapsedSeconds, stoppedEarly: stopReason == .serverStopped)
    }
}
