import CHotpathSampler
import CHotpathStacks
import Hotpath
import HotpathProfiler

#if canImport(Glibc)
import Glibc
#endif

/// The profiler's cost and its symbolication time, on a CPU-bound workload with a known shape:
/// about 60 % of the time in `Workload.sortBatches`, 30 % in `Workload.hashRecords`, 10 % in
/// `Workload.formatLines` (measured by the script with perf too).
enum ProfilerBenchmark {
    /// Alternating rounds of the same work with the profiler off and on (every thread, 1 ms).
    /// Fails (exit 1) unless each profiled round holds the samples its CPU time calls for
    /// (within 20 %): an overhead measured on a profile that sampled nothing means nothing.
    static func overhead(rounds: Int = 11, units: Int = 1_000) throws {
        var off: [Double] = []
        var on: [Double] = []
        var checks: [Check] = []
        _ = Workload.run(units: 20)   // warm up
        for _ in 0..<rounds {
            off.append(time { _ = Workload.run(units: units) })
            let session = try Profiler.start()
            let cpuBefore = threadCPUNanoseconds()
            on.append(time { _ = Workload.run(units: units) })
            let cpu = threadCPUNanoseconds() - cpuBefore
            let profile = session.stop()
            checks.append(Self.ownSamples(profile, cpuNanoseconds: cpu))
        }
        let medianOff = off.sorted()[rounds / 2]
        let medianOn = on.sorted()[rounds / 2]
        let paired = zip(on, off).map { $0 / $1 - 1 }.sorted()[rounds / 2]
        let samples = checks.map(\.samples).sorted()[rounds / 2]
        print("profiler: \(rounds) alternating rounds of a CPU-bound workload, profile of every thread at 1 ms")
        print("RESULT off-ms \(fixed(medianOff)) on-ms \(fixed(medianOn)) overhead-% \(fixed((medianOn / medianOff - 1) * 100)) paired-median-% \(fixed(paired * 100)) samples-per-round \(samples)")
        for (round, check) in checks.enumerated() where !check.holds {
            print("CHECK FAILED: round \(round + 1): \(check.description)")
            exit(1)
        }
        print("CHECK samples within 20 % of CPU time × rate in every round")
    }

    /// A profile of `seconds` of the workload: how long stopping (symbolication) takes, and the
    /// tree. Fails unless the profile holds the samples the workload's CPU time calls for.
    static func tree(seconds: Double) throws {
        let session = try Profiler.start(label: "workload")
        let cpuBefore = threadCPUNanoseconds()
        let end = MonotonicClock.now() + UInt64(seconds * 1e9)
        while MonotonicClock.now() < end { _ = Workload.run(units: 20) }
        let cpu = Double(threadCPUNanoseconds() - cpuBefore) / 1e6
        let stopStart = MonotonicClock.now()
        let profile = session.stop()
        let stopMs = Double(MonotonicClock.now() - stopStart) / 1e6
        print("RESULT profile-seconds \(fixed(seconds)) samples \(profile.samples.count) frames \(profile.frames.count) stop-and-symbolicate-ms \(fixed(stopMs))")
        print(TextTreeRenderer().render(profile))
        let check = Self.ownSamples(profile, cpuNanoseconds: UInt64(cpu * 1e6))
        guard check.holds else {
            print("CHECK FAILED: \(check.description)")
            exit(1)
        }
    }

    /// What a profile holds of the workload's thread against the CPU time it used.
    struct Check {
        var samples: Int
        var sampledMilliseconds: Double
        var cpuMilliseconds: Double

        /// Each sample is weighted by the CPU time its thread used since the previous one, so
        /// the weights add up to the thread's CPU time, and at 1 ms there is about one sample
        /// per millisecond of it; on a loaded machine the pacing thread runs late and fewer,
        /// heavier samples carry the same time, so the count may fall short, not the weights.
        var holds: Bool {
            abs(sampledMilliseconds - cpuMilliseconds) <= cpuMilliseconds * 0.2 && Double(samples) >= cpuMilliseconds * 0.2
        }

        var description: String {
            "\(samples) samples of the workload's thread weigh \(fixed(sampledMilliseconds)) ms; it used \(fixed(cpuMilliseconds)) ms of CPU (±20 %, and at 1 ms about one sample per ms of it)"
        }
    }

    /// The workload thread's on-CPU samples (the profile covers every thread).
    static func ownSamples(_ profile: Profile, cpuNanoseconds: UInt64) -> Check {
        let mine = profile.samples.filter { $0.onCPU && $0.thread == Int32(hotpath_thread_id()) }
        let weight = mine.reduce(UInt64(0)) { $0 &+ $1.weightNanoseconds }
        return Check(samples: mine.count, sampledMilliseconds: Double(weight) / 1e6, cpuMilliseconds: Double(cpuNanoseconds) / 1e6)
    }

    /// CPU time of the calling thread.
    static func threadCPUNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// The workload alone, for `perf record`.
    static func workload(seconds: Double) {
        let end = MonotonicClock.now() + UInt64(seconds * 1e9)
        while MonotonicClock.now() < end { _ = Workload.run(units: 20) }
    }

    static func time(_ body: () -> Void) -> Double {
        let start = MonotonicClock.now()
        body()
        return Double(MonotonicClock.now() - start) / 1e6
    }

    static func fixed(_ value: Double) -> String {
        DecimalText.fixed(value, fractionDigits: 2)
    }
}

/// Deterministic CPU work in three functions of planned weight.
enum Workload {
    @inline(never) static func run(units: Int) -> UInt64 {
        var checksum: UInt64 = 0
        for unit in 0..<units {
            checksum &+= sortBatches(seed: UInt64(unit))
            checksum &+= hashRecords(seed: UInt64(unit))
            checksum &+= formatLines(seed: UInt64(unit))
        }
        return checksum
    }

    @inline(never) static func sortBatches(seed: UInt64) -> UInt64 {
        var generator = seed &+ 0x9e37_79b9_7f4a_7c15
        var total: UInt64 = 0
        for _ in 0..<6 {
            var batch = (0..<2_000).map { _ -> UInt64 in
                generator = generator &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return generator >> 17
            }
            batch.sort()
            total &+= batch[batch.count / 2]
        }
        return total
    }

    @inline(never) static func hashRecords(seed: UInt64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for record in 0..<38_000 {
            var value = UInt64(record) &+ seed
            for _ in 0..<8 {
                hash = (hash ^ (value & 0xff)) &* 0x0000_0100_0000_01b3
                value >>= 8
            }
        }
        return hash
    }

    @inline(never) static func formatLines(seed: UInt64) -> UInt64 {
        var length = 0
        for line in 0..<900 {
            let text = "order \(line) total \(seed &+ UInt64(line) * 7) status paid"
            length &+= text.utf8.count
        }
        return UInt64(length)
    }
}
