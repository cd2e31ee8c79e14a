/// Assembles a ``Profile`` sample by sample, interning frames so each distinct frame is
/// stored once. Used by the sampler and by tests to write profiles by hand.
///
/// Timestamps default to a per-thread clock that advances by each sample's weight, so a
/// hand-written profile reads like consecutive ticks.
///
/// ```swift
/// var builder = ProfileBuilder(intervalNanoseconds: 1_000_000, label: "GET /orders")
/// builder.addSample(["main", "OrderController.list(request:)"], thread: 1, count: 70)
/// builder.addSample(["main", "render()"], thread: 1, count: 30)
/// let profile = builder.build()   // 100 samples, 100 ms
/// ```
public struct ProfileBuilder: Sendable {
    private var profile: Profile
    private var frameIndexes: [ProfileFrame: Int32] = [:]
    /// Where each thread's implicit clock stands.
    private var clocks: [Int32: UInt64] = [:]

    public init(intervalNanoseconds: UInt64 = 1_000_000, startedAt: Double = 0, label: String? = nil) {
        profile = Profile(intervalNanoseconds: intervalNanoseconds, startedAt: startedAt, label: label)
    }

    /// The index of `frame` in the profile's frame table, adding it on first use.
    public mutating func intern(_ frame: ProfileFrame) -> Int32 {
        if let index = frameIndexes[frame] { return index }
        let index = Int32(truncatingIfNeeded: profile.frames.count)
        profile.frames.append(frame)
        frameIndexes[frame] = index
        return index
    }

    /// Adds `count` identical samples of `stack` (root first).
    ///
    /// - Parameters:
    ///   - weightNanoseconds: each sample's weight; the interval when nil.
    ///   - timestampNanoseconds: the first sample's time; the thread's clock when nil.
    public mutating func addSample(
        _ stack: [ProfileFrame],
        thread: Int32 = 1,
        onCPU: Bool = true,
        weightNanoseconds: UInt64? = nil,
        timestampNanoseconds: UInt64? = nil,
        count: Int = 1
    ) {
        let indexes = stack.map { intern($0) }
        let weight = weightNanoseconds ?? profile.intervalNanoseconds
        var time = timestampNanoseconds ?? clocks[thread, default: 0]
        for _ in 0..<max(0, count) {
            profile.samples.append(ProfileSample(
                stack: indexes, thread: thread, timestampNanoseconds: time,
                weightNanoseconds: weight, onCPU: onCPU
            ))
            time &+= weight
        }
        clocks[thread] = max(clocks[thread, default: 0], time)
    }

    /// Adds samples whose frames are given by function name only, app code (not library).
    public mutating func addSample(
        _ functions: [String],
        thread: Int32 = 1,
        onCPU: Bool = true,
        weightNanoseconds: UInt64? = nil,
        timestampNanoseconds: UInt64? = nil,
        count: Int = 1
    ) {
        addSample(
            functions.map { ProfileFrame(function: $0) }, thread: thread, onCPU: onCPU,
            weightNanoseconds: weightNanoseconds, timestampNanoseconds: timestampNanoseconds, count: count
        )
    }

    public mutating func setThreadName(_ name: String, for thread: Int32) {
        profile.threadNames[thread] = name
    }

    /// Counts samples the sampler could not record (buffer full, failed walk).
    public mutating func addDroppedSamples(_ count: Int) {
        profile.droppedSamples += count
    }

    /// Overrides the duration; by default it is the latest sample's end.
    public mutating func setDuration(nanoseconds: UInt64) {
        profile.durationNanoseconds = nanoseconds
    }

    /// The profile so far. Its duration is at least the end of the latest sample.
    public func build() -> Profile {
        var result = profile
        let end = profile.samples.reduce(UInt64(0)) { max($0, $1.timestampNanoseconds &+ $1.weightNanoseconds) }
        result.durationNanoseconds = max(profile.durationNanoseconds, end)
        return result
    }
}
