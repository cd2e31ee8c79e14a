import Hotpath

/// The counters one event loop keeps while it runs. Confined to that loop, so no locks:
/// the coordinator reads them once a second through `takeInterval()` on the loop itself.
/// Everything is allocated before the run (histograms have a fixed layout), so recording
/// a response only bumps counters.
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
    /// Responses to requests sent in the window that came after it (counted in `completed`).
    var drained: UInt64 = 0
    /// Set when the window ends: what still completes is a straggler of the window, counted
    /// in the latencies but in no stage, and marked so throughput leaves it out.
    var draining = false
    /// Per request name, when the mix has more than one.
    var endpoints: [EndpointStatistics]
    /// Per arrival-rate stage, by completion time, when the run has stages.
    var stages: [StageStatistics]

    init(endpoints: Int = 0, stages: Int = 0) {
        self.endpoints = (0..<endpoints).map { _ in EndpointStatistics() }
        self.stages = (0..<stages).map { _ in StageStatistics() }
    }

    mutating func recordResponse(status: Int, latencyNanoseconds: UInt64, uncorrectedNanoseconds: UInt64?, endpoint: Int, stage: Int) {
        intervalLatency.record(nanoseconds: latencyNanoseconds)
        if let uncorrectedNanoseconds { intervalUncorrected.record(nanoseconds: uncorrectedNanoseconds) }
        intervalCompleted &+= 1
        statusCounts.record(status)
        let unsuccessful = status < 200 || status >= 400
        if unsuccessful { intervalUnsuccessful &+= 1 }
        if !endpoints.isEmpty {
            endpoints[endpoint].record(status: status, latencyNanoseconds: latencyNanoseconds, uncorrectedNanoseconds: uncorrectedNanoseconds)
            if draining { endpoints[endpoint].drained &+= 1 }
        }
        if draining {
            drained &+= 1
            return
        }
        if !stages.isEmpty {
            stages[stage].latency.record(nanoseconds: latencyNanoseconds)
            stages[stage].completed &+= 1
            if unsuccessful { stages[stage].unsuccessful &+= 1 }
        }
    }

    mutating func recordError(_ kind: LoadErrors.Kind, endpoint: Int = -1, stage: Int = -1) {
        intervalErrors.count(kind)
        if endpoint >= 0, !endpoints.isEmpty { endpoints[endpoint].errors.count(kind) }
        if stage >= 0, !stages.isEmpty, !draining { stages[stage].errors.count(kind) }
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
        self = WorkerStatistics(endpoints: endpoints.count, stages: stages.count)
    }

    var totals: WorkerTotals {
        WorkerTotals(
            latency: latency, uncorrected: uncorrected, completed: completed, bytesRead: bytesRead,
            statusCounts: statusCounts, errors: errors, drained: drained, endpoints: endpoints, stages: stages
        )
    }
}

/// One request name's figures.
struct EndpointStatistics: Sendable {
    var latency = LatencyHistogram()
    var uncorrected = LatencyHistogram()
    var completed: UInt64 = 0
    /// Of `completed`, answered after the window.
    var drained: UInt64 = 0
    var statusCounts = StatusCounts()
    var errors = LoadErrors()

    mutating func record(status: Int, latencyNanoseconds: UInt64, uncorrectedNanoseconds: UInt64?) {
        latency.record(nanoseconds: latencyNanoseconds)
        if let uncorrectedNanoseconds { uncorrected.record(nanoseconds: uncorrectedNanoseconds) }
        completed &+= 1
        statusCounts.record(status)
    }

    mutating func merge(_ other: EndpointStatistics) {
        latency.merge(other.latency)
        uncorrected.merge(other.uncorrected)
        completed &+= other.completed
        statusCounts.add(other.statusCounts)
        errors.add(other.errors)
    }
}

/// One stage's figures: responses that completed inside its time window.
struct StageStatistics: Sendable {
    var latency = LatencyHistogram()
    var completed: UInt64 = 0
    var unsuccessful: UInt64 = 0
    var errors = LoadErrors()

    mutating func merge(_ other: StageStatistics) {
        latency.merge(other.latency)
        completed &+= other.completed
        unsuccessful &+= other.unsuccessful
        errors.add(other.errors)
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
    var drained: UInt64
    var endpoints: [EndpointStatistics]
    var stages: [StageStatistics]
}
