/// Which samples a view uses: all of them, only those where the thread was running, and/or
/// only one thread. Shared by ``CallTreeOptions`` and the renderers that read samples directly.
///
/// ```swift
/// SampleFilter.all
/// SampleFilter(onCPUOnly: true)          // CPU time: why is it busy?
/// SampleFilter(thread: 7)                // one thread, running or waiting
/// ```
public struct SampleFilter: Sendable, Hashable, Codable {
    /// Drop samples taken while the thread was waiting or idle.
    public var onCPUOnly: Bool
    /// Keep only this OS thread's samples; nil keeps every thread.
    public var thread: Int32?

    public init(onCPUOnly: Bool = false, thread: Int32? = nil) {
        self.onCPUOnly = onCPUOnly
        self.thread = thread
    }

    public static let all = SampleFilter()
    public static let onCPU = SampleFilter(onCPUOnly: true)

    public func includes(_ sample: ProfileSample) -> Bool {
        if onCPUOnly, !sample.onCPU { return false }
        if let thread, sample.thread != thread { return false }
        return true
    }

    /// The samples of `profile` this filter keeps, in their original order.
    public func samples(of profile: Profile) -> [ProfileSample] {
        profile.samples.filter(includes)
    }

    /// "all samples", "on-CPU samples of thread 7 (worker)"…, for headers.
    public func describe(in profile: Profile) -> String {
        let kind = onCPUOnly ? "on-CPU samples" : "all samples"
        guard let thread else { return kind }
        return "\(kind) of \(profile.threadName(thread))"
    }
}
