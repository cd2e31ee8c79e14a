/// One point of a percentile spectrum: "`percentile`% of requests took at most `nanoseconds`".
public struct PercentilePoint: Sendable, Codable, Equatable {
    /// Percentile level, 0...100.
    public var percentile: Double
    /// Latency at that level, in nanoseconds.
    public var nanoseconds: Double
    /// Number of samples at or below that latency.
    public var totalCount: UInt64
}
