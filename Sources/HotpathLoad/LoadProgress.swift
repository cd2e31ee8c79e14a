/// What a run shows while it goes, once a second.
public struct LoadProgress: Sendable {
    public enum Phase: Sendable { case warmup, measuring }
    public var phase: Phase
    /// Seconds since this phase started.
    public var elapsedSeconds: Double
    /// Seconds this phase will take, when known.
    public var plannedSeconds: Double?
    public var completed: UInt64
    public var requestsPerSecond: Double
    /// p95 of everything measured so far, in nanoseconds.
    public var p95SoFar: Double
    public var errors: UInt64
}
