import Hotpath

/// The counters one event loop keeps while it runs. Confined to that loop, so no locks:
/// the coordinator reads them once a second through `takeInterval()` on the loop itself.
struct WorkerStatistics {
    // The current second; folded into the totals when the coordinator takes it.
    var intervalLatency = LatencyHistogram()
    var intervalUncorrected = LatencyHistogram()
    var intervalCompleted: UInt64 = 0
    var intervalErrors = LoadErrors()
    var intervalUnsuccessful: UInt64 = 0

    var latency = LatencyHistogram()
    var uncorrected = LatencyHistogram()
    var completed: UInt64 = 0
    var bytesRead: UInt64 = 0
    var statusCounts = StatusCounts()
    var errors = LoadErrors()

    mutating func recordResponse(status: Int, latencyNanoseconds: UInt64, uncorrectedNanoseconds: UInt64?) {
        intervalLatency.record(nanoseconds: latencyNanoseconds)
        if let uncorrectedNanoseconds { intervalUncorrected.record(nanoseconds: uncorrectedNanoseconds) }
        intervalCompleted &+= 1
        statusCounts.record(status)
        if status < 200 || status >= 400 { intervalUnsuccessful &+= 1 }
    }

    mutating func recordError(_ kind: LoadErrors.Kind) {
        intervalErrors.count(kind)
    }

    /// Hands over the current second and starts the next one.
    mutating func takeInterval() -> WorkerInterval {
        let interval = WorkerInterval(
            latency: intervalLatency,
            completed: intervalCompleted,
            errors: intervalErrors,
            unsuccessful: intervalUnsuccessful
        )
        latency.merge(intervalLatency)
        uncorrected.merge(intervalUncorrected)
        completed &+= intervalCompleted
        errors.add(intervalErrors)
        intervalLatency.reset()
        intervalUncorrected.reset()
        intervalCompleted = 0
        intervalErrors = LoadErrors()
        intervalUnsuccessful = 0
        return interval
    }

    /// Forgets everything (end of warmup).
    mutating func reset() {
        self = WorkerStatistics()
    }
}

/// One loop's share of one second.
struct WorkerInterval: Sendable {
    var latency: LatencyHistogram
    var completed: UInt64
    var errors: LoadErrors
    var unsuccessful: UInt64
}

/// One loop's totals at the end of a run.
struct WorkerTotals: Sendable {
    var latency: LatencyHistogram
    var uncorrected: LatencyHistogram
    var completed: UInt64
    var bytesRead: UInt64
    var statusCounts: StatusCounts
    var errors: LoadErrors
}
