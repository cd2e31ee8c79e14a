/// What a run measured, in the terms a ``Budget`` is judged on.
public struct BudgetMeasurement: Sendable {
    /// Latencies of the completed requests.
    public var latency: LatencyHistogram
    /// All attempted requests, completed and failed together.
    public var requests: UInt64
    /// Failed attempts (connection errors, timeouts, bad statuses...), included in ``requests``.
    public var errors: UInt64
    /// Throughput of the run, in requests per second.
    public var requestsPerSecond: Double
    /// Share of the measured time (0...1) in which the server answered nothing while
    /// connections failed: a dead server's failed attempts are few (clients back off), so the
    /// time it was down counts against an error budget as well.
    public var unreachableShare: Double = 0

    /// Creates a measurement; `requests` counts every attempt, including the `errors`.
    public init(latency: LatencyHistogram, requests: UInt64, errors: UInt64, requestsPerSecond: Double) {
        self.latency = latency
        self.requests = requests
        self.errors = errors
        self.requestsPerSecond = requestsPerSecond
    }

    /// `errors / max(1, requests)`, capped at 1: the fraction of attempts that failed, or
    /// ``unreachableShare`` when that is larger.
    ///
    /// Because ``requests`` already includes the failures, errors are not added to it.
    /// With no requests at all this is 0, but a rate clause still fails then (see
    /// ``BudgetClause/evaluate(_:)``): an empty run proves nothing.
    public var errorRate: Double {
        Swift.max(Swift.min(1, Double(errors) / Double(Swift.max(1, requests))), Swift.min(1, unreachableShare))
    }
}
