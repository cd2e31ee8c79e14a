import CHotpathSampler
import CHotpathStacks
import Hotpath
import HotpathStacks
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An in-process statistical profiler. A pacing thread wakes every `interval`; each thread
/// that used CPU since its previous sample and is running gets a signal whose handler walks
/// its frame pointers (and its chain of async callers) into a preallocated ring: no
/// allocation, no locks, and the sample is weighted by the CPU time the thread really used.
/// Threads blocked in the kernel are read from `/proc` every `offCPUInterval` without a
/// signal, so a sleep is never cut short. Symbolication happens when the profile stops, off
/// the hot path.
///
/// ```swift
/// let (result, profile) = try Profiler.profile(label: "render") { try render(report) }
/// print(TextTreeRenderer().render(CallTree(profile)))
///
/// let session = try Profiler.start()
/// … // serve some requests
/// let profile = session.stop()
/// ```
///
/// One profile runs at a time in a process (a second `start` throws `ProfilerError.busy`).
public final class Profiler: Sendable {
    public struct Configuration: Sendable {
        /// Time between two samples of a running thread (default 1 ms).
        public var interval: Duration = .milliseconds(1)
        /// Wall time between two samples of a blocked thread; nil: on-CPU samples only.
        public var offCPUInterval: Duration? = .milliseconds(10)
        /// Which threads to sample.
        public var threads: ThreadSelection = .all
        /// Samples the ring holds between two drains (about 1 KiB each).
        public var ringCapacity = 8_192
        /// Keep off-CPU samples whose stack has no app code (idle event loops and pool
        /// threads waiting for work); dropped by default.
        public var keepsIdleSamples = false
        /// Used when the profile stops.
        public var symbolicator: Symbolicator = .shared

        public init() {}
    }

    public enum ThreadSelection: Sendable, Equatable {
        case all
        /// The thread that starts the profile.
        case current
        case thread(Int32)
    }

    private let configuration: Configuration
    private let label: String?
    private let startedAt: UInt64
    private let startedAtWallClock: Double
    private let collected = SampleStore()
    private let drainer: Task<Void, Never>?
    private let stopped = Atomic<Bool>(false)

    struct Collected {
        var samples: [RawSample] = []
        var stopped = false
    }

    /// Shared by the draining task and `stop()`.
    final class SampleStore: Sendable {
        let state = Mutex(Collected())
    }

    struct RawSample: Sendable {
        var thread: Int32
        var timestamp: UInt64
        var weight: UInt64
        var onCPU: Bool
        var asyncFrom: Int
        var addresses: [UInt]
    }

    private static let running = Mutex(false)

    /// Whether a profile is running in this process now.
    public static var isRunning: Bool { running.withLock { $0 } }

    /// Starts a profile. Throws ``ProfilerError`` when one is already running (after waiting up
    /// to `waitingUpTo` for it to stop) or the platform cannot sample.
    public static func start(
        configuration: Configuration = Configuration(), label: String? = nil, waitingUpTo patience: Duration = .zero
    ) throws -> Profiler {
        let deadline = MonotonicClock.now() &+ UInt64(max(patience.nanosecondsValue, 0))
        while true {
            do {
                return try startNow(configuration: configuration, label: label)
            } catch ProfilerError.busy where MonotonicClock.now() < deadline {
                usleep(10_000)
            }
        }
    }

    /// Starts a profile, or throws ``ProfilerError/busy`` at once when one runs.
    private static func startNow(configuration: Configuration, label: String?) throws -> Profiler {
        let claimed = running.withLock { running -> Bool in
            guard !running else { return false }
            running = true
            return true
        }
        guard claimed else { throw ProfilerError.busy }
        do {
            return try Profiler(configuration: configuration, label: label)
        } catch {
            running.withLock { $0 = false }
            throw error
        }
    }

    /// ``start(configuration:label:waitingUpTo:)`` for async code: while another profile runs
    /// it waits with `Task.sleep`, leaving its thread of the cooperative pool to other work.
    public static func start(
        configuration: Configuration = Configuration(), label: String? = nil, waitingUpTo patience: Duration = .zero
    ) async throws -> Profiler {
        let deadline = ContinuousClock.now + patience
        while true {
            do {
                return try startNow(configuration: configuration, label: label)
            } catch ProfilerError.busy where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    private init(configuration: Configuration, label: String?) throws {
        self.configuration = configuration
        self.label = label
        var options = hotpath_sampler_options()
        options.interval_ns = UInt64(max(configuration.interval.nanosecondsValue, 10_000))
        options.offcpu_interval_ns = configuration.offCPUInterval.map { UInt64(max($0.nanosecondsValue, 1_000_000)) } ?? 0
        options.capacity = UInt32(clamping: max(configuration.ringCapacity, 64))
        switch configuration.threads {
        case .all: options.only_tid = 0
        case .current: options.only_tid = hotpath_thread_id()
        case .thread(let tid): options.only_tid = tid
        }
        startedAt = MonotonicClock.now()
        startedAtWallClock = WallClock.seconds(atMonotonic: startedAt)
        let status = hotpath_sampler_start(&options)
        guard status == 0 else {
            drainer = nil
            throw status == EBUSY ? ProfilerError.busy : ProfilerError.unavailable(code: Int(status))
        }
        let collected = self.collected
        // Drains the ring while the profile runs, so its size bounds memory only per 20 ms.
        drainer = Task.detached(priority: .high) {
            while !Task.isCancelled {
                Profiler.drain(into: collected)
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// Stops sampling and returns the symbolicated profile. Calling it again returns an
    /// empty profile.
    public func stop() -> Profile {
        stopSampling().map { $0() } ?? ProfileBuilder(intervalNanoseconds: intervalNanoseconds, label: label).build()
    }

    /// ``stop()`` for async code: sampling stops at once, and the symbolication (a symbolizer
    /// process, tenths of a second) runs on a thread of its own instead of holding one of the
    /// cooperative pool's few threads, which would stall other requests.
    public func stopInBackground() async -> Profile {
        await withCheckedContinuation { continuation in
            stopAndAssembleInBackground { continuation.resume(returning: $0) }
        }
    }

    /// Stops sampling now and assembles the profile (symbolication: tenths of a second, more on
    /// a large debug binary) on a thread of its own, then hands it to `completion`. For callers
    /// that must not wait for it, e.g. a profiled request whose response goes out at once.
    public func stopAndAssembleInBackground(_ completion: @escaping @Sendable (Profile) -> Void) {
        guard let assemble = stopSampling() else {
            completion(ProfileBuilder(intervalNanoseconds: intervalNanoseconds, label: label).build())
            return
        }
        BackgroundThread.run { completion(assemble()) }
    }

    /// Stops the sampler and collects the raw samples; returns the (slow) assembly still to do,
    /// or nil when already stopped.
    private func stopSampling() -> (@Sendable () -> Profile)? {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return nil }
        hotpath_sampler_stop()
        drainer?.cancel()
        Self.drain(into: collected)
        let dropped = Int(hotpath_sampler_dropped())
        let end = MonotonicClock.now()
        Self.running.withLock { $0 = false }
        let samples = collected.state.withLock { collected in
            collected.stopped = true
            defer { collected.samples = [] }
            return collected.samples
        }
        let assembler = ProfileAssembler(symbolicator: configuration.symbolicator, keepsIdleSamples: configuration.keepsIdleSamples)
        let (startedAt, wallClock, interval, label) = (self.startedAt, startedAtWallClock, intervalNanoseconds, self.label)
        return {
            assembler.assemble(
                samples, startedAt: startedAt, startedAtWallClock: wallClock, end: end,
                intervalNanoseconds: interval, dropped: dropped, label: label
            )
        }
    }

    private var intervalNanoseconds: UInt64 { UInt64(max(configuration.interval.nanosecondsValue, 10_000)) }

    private static func drain(into collected: SampleStore) {
        let batch = 256
        let buffer = UnsafeMutablePointer<hotpath_sample>.allocate(capacity: batch)
        defer { buffer.deallocate() }
        while true {
            let count = Int(hotpath_sampler_drain(buffer, Int32(batch)))
            guard count > 0 else { return }
            var converted: [RawSample] = []
            converted.reserveCapacity(count)
            for index in 0..<count {
                let sample = buffer[index]
                let depth = Int(sample.depth)
                let addresses = withUnsafeBytes(of: sample.frames) { raw in
                    Array(raw.bindMemory(to: UInt.self).prefix(depth))
                }
                converted.append(RawSample(
                    thread: sample.tid, timestamp: sample.timestamp_ns, weight: sample.weight_ns,
                    onCPU: sample.on_cpu != 0, asyncFrom: Int(sample.async_from), addresses: addresses
                ))
            }
            collected.state.withLock { collected in
                if !collected.stopped { collected.samples += converted }
            }
            if count < batch { return }
        }
    }

    /// Profiles `body` and returns its result with the profile; waits up to `waitingUpTo` for
    /// another profile to finish first.
    public static func profile<T>(
        configuration: Configuration = Configuration(), label: String? = nil, waitingUpTo patience: Duration = .zero,
        _ body: () throws -> T
    ) throws -> (T, Profile) {
        let session = try start(configuration: configuration, label: label, waitingUpTo: patience)
        do {
            let value = try body()
            return (value, session.stop())
        } catch {
            _ = session.stop()
            throw error
        }
    }

    /// Profiles an async `body` and returns its result with the profile; waits up to
    /// `waitingUpTo` for another profile to finish first.
    public static func profile<T>(
        configuration: Configuration = Configuration(), label: String? = nil, waitingUpTo patience: Duration = .zero,
        _ body: () async throws -> T
    ) async throws -> (T, Profile) {
        let session = try await start(configuration: configuration, label: label, waitingUpTo: patience)
        do {
            let value = try await body()
            return (value, await session.stopInBackground())
        } catch {
            _ = await session.stopInBackground()
            throw error
        }
    }
}

/// Why a profile could not start.
public enum ProfilerError: Error, Equatable, CustomStringConvertible {
    /// Another profile is running in this process.
    case busy
    /// The platform cannot sample (not Linux on x86_64, or timers refused).
    case unavailable(code: Int)

    public var description: String {
        switch self {
        case .busy: "a profile is already running in this process; stop it first"
        case .unavailable(let code): "sampling is not available here (Linux x86_64 only; error \(code))"
        }
    }
}
