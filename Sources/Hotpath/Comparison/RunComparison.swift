/// How one metric changed between two runs, and whether the change is more than noise.
public struct MetricChange: Sendable, Codable, Equatable {
    public enum Verdict: String, Sendable, Codable {
        case improved, regressed, unchanged
    }

    /// `p50`, `p95`, `p99`, `req/s`.
    public var metric: String
    /// Milliseconds for latencies, requests per second for throughput.
    public var before: Double
    public var after: Double
    /// (after − before) / before, percent.
    public var changePercent: Double
    /// The 95 % bootstrap interval of the change, percent; nil when there is too little data.
    public var intervalPercent: ClosedRange<Double>?
    public var verdict: Verdict
}

/// Compares two runs of the same endpoint: latency percentiles from their recorded histograms,
/// throughput from their per-second timelines, each with a bootstrap confidence interval, so a
/// change is called only when it is larger than the run-to-run noise.
///
/// A metric is **regressed** or **improved** when its 95 % interval excludes zero and the change
/// is at least `noiseFloorPercent` (default 5 %): small but certain differences are not worth a
/// verdict on a shared machine.
public enum RunComparison {
    public static func compare(
        before: LatencyHistogram, after: LatencyHistogram,
        beforeThroughput: [Double], afterThroughput: [Double],
        noiseFloorPercent: Double = 5, resamples: Int = 200, seed: UInt64 = 0x5eed
    ) -> [MetricChange] {
        var random = SplitMix64(seed: seed)
        let beforeSampler = HistogramSampler(before)
        let afterSampler = HistogramSampler(after)
        let percentiles = [("p50", 50.0), ("p95", 95.0), ("p99", 99.0)]
        // One resample of each run per round serves all three percentiles.
        var ratios = [[Double]](repeating: [], count: percentiles.count)
        if let beforeSampler, let afterSampler {
            for _ in 0..<resamples {
                let a = beforeSampler.resampledPercentiles(percentiles.map(\.1), using: &random)
                let b = afterSampler.resampledPercentiles(percentiles.map(\.1), using: &random)
                for index in percentiles.indices where a[index] > 0 {
                    ratios[index].append((b[index] / a[index] - 1) * 100)
                }
            }
        }
        var changes: [MetricChange] = []
        for (index, (name, percentile)) in percentiles.enumerated() {
            let old = before.percentile(percentile) / 1e6
            let new = after.percentile(percentile) / 1e6
            changes.append(Self.change(name, old, new, Self.interval(ratios[index]), lowerIsBetter: true, noiseFloor: noiseFloorPercent))
        }
        let oldRate = mean(beforeThroughput)
        let newRate = mean(afterThroughput)
        var rateInterval: ClosedRange<Double>?
        if beforeThroughput.count >= 3, afterThroughput.count >= 3 {
            var ratios: [Double] = []
            for _ in 0..<resamples {
                let a = mean((0..<beforeThroughput.count).map { _ in beforeThroughput[Int(random.next() % UInt64(beforeThroughput.count))] })
                let b = mean((0..<afterThroughput.count).map { _ in afterThroughput[Int(random.next() % UInt64(afterThroughput.count))] })
                if a > 0 { ratios.append((b / a - 1) * 100) }
            }
            rateInterval = Self.interval(ratios)
        }
        changes.append(Self.change("req/s", oldRate, newRate, rateInterval, lowerIsBetter: false, noiseFloor: noiseFloorPercent))
        return changes
    }

    static func change(
        _ metric: String, _ before: Double, _ after: Double, _ interval: ClosedRange<Double>?, lowerIsBetter: Bool, noiseFloor: Double
    ) -> MetricChange {
        let percent = before > 0 ? (after / before - 1) * 100 : 0
        var verdict = MetricChange.Verdict.unchanged
        // Without an interval (too few seconds of throughput), only a change twice the floor counts.
        let certain = interval.map { $0.lowerBound > 0 || $0.upperBound < 0 } ?? (abs(percent) >= 2 * noiseFloor)
        if certain, abs(percent) >= noiseFloor {
            let worse = lowerIsBetter ? percent > 0 : percent < 0
            verdict = worse ? .regressed : .improved
        }
        return MetricChange(metric: metric, before: before, after: after, changePercent: percent, intervalPercent: interval, verdict: verdict)
    }

    static func interval(_ values: [Double]) -> ClosedRange<Double>? {
        guard values.count >= 20 else { return nil }
        let sorted = values.sorted()
        let low = sorted[Int(Double(sorted.count - 1) * 0.025)]
        let high = sorted[Int(Double(sorted.count - 1) * 0.975)]
        return low...high
    }

    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}

/// Draws samples from a recorded histogram (bucket values weighted by their counts).
struct HistogramSampler {
    let values: [Double]
    let cumulative: [UInt64]
    let total: UInt64
    let sampleSize: Int

    init?(_ histogram: LatencyHistogram) {
        let buckets = histogram.buckets.filter { $0.count > 0 }
        guard !buckets.isEmpty else { return nil }
        values = buckets.map { Double($0.microseconds) * 1_000 }
        var running: UInt64 = 0
        cumulative = buckets.map { running += $0.count; return running }
        total = running
        // The run's own size, capped: the interval reflects how many requests it measured.
        sampleSize = Int(min(total, 1_000))
    }

    func resampledPercentiles(_ percentiles: [Double], using random: inout SplitMix64) -> [Double] {
        var sample: [Double] = []
        sample.reserveCapacity(sampleSize)
        for _ in 0..<sampleSize {
            let target = random.next() % total
            var low = 0
            var high = cumulative.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] > target { high = middle } else { low = middle + 1 }
            }
            sample.append(values[low])
        }
        sample.sort()
        return percentiles.map { percentile in
            let rank = Int((percentile / 100 * Double(sample.count - 1)).rounded())
            return sample[min(max(rank, 0), sample.count - 1)]
        }
    }
}

/// A small, seeded random generator (SplitMix64): comparisons give the same interval every
/// time, and seeded data is the same on every machine.
public struct SplitMix64: Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
