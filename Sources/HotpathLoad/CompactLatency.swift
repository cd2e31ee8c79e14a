import Hotpath

/// A latency histogram kept as its non-empty buckets: what a timeline stores per second.
///
/// A ``LatencyHistogram`` holds its whole fixed layout (about 190 KB) so that recording never
/// allocates; one per second of a long run would be hundreds of megabytes. This keeps the few
/// hundred buckets a second actually fills, encodes exactly like a `LatencyHistogram`
/// (`{"unit":"us","buckets":[[us,count],…]}`) and rebuilds an equal histogram on demand.
///
/// ```swift
/// let second = CompactLatency(interval)      // after a second's recording
/// let p99 = second.histogram.percentile(99)  // rebuilt only when needed
/// ```
public struct CompactLatency: Sendable, Codable, Equatable {
    public var unit = "us"
    public var buckets: [LatencyHistogram.Bucket]

    public init(_ histogram: LatencyHistogram) {
        buckets = histogram.buckets
    }

    /// The full histogram, rebuilt.
    public var histogram: LatencyHistogram {
        LatencyHistogram(buckets: buckets)
    }
}
