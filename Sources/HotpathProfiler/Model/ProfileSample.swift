/// One stack observed on one thread at one instant.
///
/// ```swift
/// // main → handle → parse, on thread 7, running, 1 ms interval
/// ProfileSample(stack: [0, 1, 2], thread: 7, timestampNanoseconds: 5_000_000,
///               weightNanoseconds: 1_000_000, onCPU: true)
/// ```
public struct ProfileSample: Sendable, Codable, Equatable {
    /// Indexes into ``Profile/frames``, root first, leaf last.
    public var stack: [Int32]
    /// OS thread id.
    public var thread: Int32
    /// Since profile start.
    public var timestampNanoseconds: UInt64
    /// Usually the sampling interval; a sample that stands for several missed ticks weighs more.
    public var weightNanoseconds: UInt64
    /// The thread was running (true) or waiting/idle (false).
    public var onCPU: Bool

    /// `onCPU` is spelled `onCpu` so the snake_case strategies round-trip it (`on_cpu`):
    /// converting back from snake case cannot restore an acronym.
    private enum CodingKeys: String, CodingKey {
        case stack, thread, timestampNanoseconds, weightNanoseconds
        case onCPU = "onCpu"
    }

    public init(stack: [Int32], thread: Int32, timestampNanoseconds: UInt64, weightNanoseconds: UInt64, onCPU: Bool = true) {
        self.stack = stack
        self.thread = thread
        self.timestampNanoseconds = timestampNanoseconds
        self.weightNanoseconds = weightNanoseconds
        self.onCPU = onCPU
    }
}
