/// A sampling profile: interned frames and the stacks sampled over time.
///
/// The sampler (or ``ProfileBuilder``) produces it; ``CallTree`` aggregates it; the
/// renderers lay the tree (or the raw samples) out. Persisted as `hotpath-profile/1`
/// by ``ProfileJSON``.
///
/// ```swift
/// var builder = ProfileBuilder(intervalNanoseconds: 1_000_000)
/// builder.addSample(["main", "handle", "parse"], thread: 1)
/// let profile = builder.build()
/// ```
public struct Profile: Sendable, Codable {
    public var frames: [ProfileFrame]
    public var samples: [ProfileSample]
    public var intervalNanoseconds: UInt64
    /// Wall clock, seconds since 1970.
    public var startedAt: Double
    public var durationNanoseconds: UInt64
    public var threadNames: [Int32: String]
    /// Samples lost because the buffer was full or the stack walk failed.
    public var droppedSamples: Int
    /// What was profiled, e.g. "GET /orders/{id}".
    public var label: String?

    public init(
        frames: [ProfileFrame] = [],
        samples: [ProfileSample] = [],
        intervalNanoseconds: UInt64 = 1_000_000,
        startedAt: Double = 0,
        durationNanoseconds: UInt64 = 0,
        threadNames: [Int32: String] = [:],
        droppedSamples: Int = 0,
        label: String? = nil
    ) {
        self.frames = frames
        self.samples = samples
        self.intervalNanoseconds = intervalNanoseconds
        self.startedAt = startedAt
        self.durationNanoseconds = durationNanoseconds
        self.threadNames = threadNames
        self.droppedSamples = droppedSamples
        self.label = label
    }

    /// The frame at `index`, or nil when a (corrupt or foreign) sample points outside
    /// ``frames``; consumers skip such entries instead of trapping.
    public func frame(at index: Int32) -> ProfileFrame? {
        let position = Int(index)
        return frames.indices.contains(position) ? frames[position] : nil
    }

    /// The threads that have samples, ascending.
    public var threads: [Int32] {
        Array(Set(samples.map(\.thread))).sorted()
    }

    /// "worker-3" from ``threadNames`` or "thread 1234".
    public func threadName(_ thread: Int32) -> String {
        threadNames[thread] ?? "thread \(thread)"
    }

    /// Sum of the weights of all samples.
    public var totalSampleWeightNanoseconds: UInt64 {
        samples.reduce(0) { $0 &+ $1.weightNanoseconds }
    }
}
