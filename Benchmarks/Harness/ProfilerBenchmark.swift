import Hotpath
import HotpathProfiler

/// The profiler's cost and its symbolication time, on a CPU-bound workload with a known shape:
/// about 60 % of the time in `Workload.sortBatches`, 30 % in `Workload.hashRecords`, 10 % in
/// `Workload.formatLines` (measured by the script with perf too).
enum ProfilerBenchmark {
    /// Alternating rounds of the same work with the profiler off and on (every thread, 1 ms).
    static func overhead(rounds: Int = 11) throws {
        var off: [Double] = []
        var on: [Double] = []
        var samples = 0
        _ = Workload.run(units: 20)   // warm up
        for _ in 0..<rounds {
            off.append(time { _ = Workload.run(units: 1_000) })
            let session = try Profiler.start()
            on.append(time { _ = Workload.run(units: 1_000) })
            samples = session.stop().samples.count
        }
        let medianOff = off.sorted()[rounds / 2]
        let medianOn = on.sorted()[rounds / 2]
        let paired = zip(on, off).map { $0 / $1 - 1 }.sorted()[rounds / 2]
        print("profiler: \(rounds) alternating rounds of a CPU-bound workload, profile of every thread at 1 ms")
        print("RESULT off-ms \(fixed(medianOff)) on-ms \(fixed(medianOn)) overhead-% \(fixed((medianOn / medianOff - 1) * 100)) paired-median-% \(fixed(paired * 100)) samples-per-round \(samples)")
    }

    /// A profile of `seconds` of the workload: how long stopping (symbolication) takes, and the tree.
    static func tree(seconds: Double) throws {
        let session = try Profiler.start(label: "workload")
        let end = MonotonicClock.now() + UInt64(seconds * 1e9)
        while MonotonicClock.now() < end { _ = Workload.run(units: 20) }
        let stopStart = MonotonicClock.now()
        let profile = session.stop()
        let stopMs = Double(MonotonicClock.now() - stopStart) / 1e6
        print("RESULT profile-seconds \(fixed(seconds)) samples \(profile.samples.count) frames \(profile.frames.count) stop-and-symbolicate-ms \(fixed(stopMs))")
        print(TextTreeRenderer().render(profile))
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
