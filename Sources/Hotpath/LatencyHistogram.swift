import Histogram

/// A latency distribution: an HdrHistogram recording microseconds from 1 µs to 1 hour
/// with 3 significant digits (every value kept within 0.1%).
///
/// The range is fixed, so ``record(nanoseconds:)`` never allocates or resizes: it rounds to
/// the nearest microsecond, clamps anything above one hour to one hour (still counted, so
/// sample counts stay exact), and bumps one counter.
///
/// Reported values (``percentile(_:)``, ``min``, ``max``) follow HdrHistogram: a percentile is
/// the highest value of its bucket, capped by the exact largest and smallest samples.
/// All results are in nanoseconds for symmetry with ``record(nanoseconds:)``.
///
/// It is a value type backed by a ~190 KB counts array shared copy-on-write: keep one per
/// worker and ``merge(_:)`` them at the end rather than copying one per request.
public struct LatencyHistogram: Sendable {
    /// The largest latency kept apart from others; longer ones are recorded as this.
    @inlinable
    public static var highestTrackableNanoseconds: UInt64 { highestTrackableMicroseconds * 1_000 }

    // Inlinable constants, so the clamp in record() folds to immediates in callers.
    @inlinable
    static var highestTrackableMicroseconds: UInt64 { 3_600_000_000 }

    @usableFromInline
    var histogram: Histogram<UInt64>

    /// An empty histogram.
    public init() {
        histogram = Histogram(
            lowestDiscernibleValue: 1,
            highestTrackableValue: Self.highestTrackableMicroseconds,
            numberOfSignificantValueDigits: .three
        )
    }

    /// Records one latency. The hot path: inlined into callers, no allocation, no resizing.
    @inlinable
    public mutating func record(nanoseconds: UInt64) {
        histogram.record(Self.microseconds(nanoseconds))
    }

    /// Records `count` occurrences of one latency (nothing when `count` is 0).
    @inlinable
    public mutating func record(nanoseconds: UInt64, count: UInt64) {
        // A zero count must not reach the histogram: it would still move min and max.
        guard count > 0 else { return }
        histogram.record(Self.microseconds(nanoseconds), count: count)
    }

    /// Rounds to the nearest microsecond and clamps to the trackable range, so a sample is
    /// never dropped (`record` returns false only for values beyond the counts array).
    @inlinable
    @inline(__always)
    static func microseconds(_ nanoseconds: UInt64) -> UInt64 {
        nanoseconds >= highestTrackableNanoseconds
            ? highestTrackableMicroseconds
            : (nanoseconds &+ 500) / 1_000
    }

    /// Number of recorded samples.
    public var count: UInt64 { histogram.totalCount }

    /// Whether nothing has been recorded.
    public var isEmpty: Bool { histogram.totalCount == 0 }

    /// The latency at percentile `p` (0...100, clamped; NaN counts as 0), in nanoseconds.
    /// 0 when empty; `percentile(100)` is the exact maximum and `percentile(0)` the exact minimum.
    public func percentile(_ p: Double) -> Double {
        guard !isEmpty else { return 0 }
        let clamped = p.isNaN ? 0 : Swift.min(Swift.max(p, 0), 100)
        return Double(histogram.valueAtPercentile(clamped)) * 1_000
    }

    /// Mean latency in nanoseconds (0 when empty), from bucket midpoints.
    public var mean: Double { histogram.mean * 1_000 }

    /// Population standard deviation in nanoseconds (0 when empty), from bucket midpoints.
    public var standardDeviation: Double { histogram.stdDeviation * 1_000 }

    /// Smallest recorded latency in nanoseconds (0 when empty).
    public var min: Double { isEmpty ? 0 : Double(histogram.min) * 1_000 }

    /// Largest recorded latency in nanoseconds (0 when empty); exact to the microsecond.
    public var max: Double { Double(histogram.maxRecorded) * 1_000 }

    /// Fraction 0...1 of samples at or below the value (to histogram resolution).
    ///
    /// The value is rounded to microseconds the same way ``record(nanoseconds:)`` rounds, so a
    /// sample recorded as `x` is always counted by `fraction(atOrBelowNanoseconds: x)`.
    /// 0 when empty (no sample is below anything).
    public func fraction(atOrBelowNanoseconds nanoseconds: Double) -> Double {
        guard !isEmpty, !nanoseconds.isNaN, nanoseconds >= 0 else { return 0 }
        let clamped = Swift.min(nanoseconds, Double(Self.highestTrackableNanoseconds))
        let microseconds = Self.microseconds(UInt64(clamped))
        return Swift.min(histogram.percentileAtOrBelowValue(microseconds) / 100, 1)
    }

    /// Adds every sample of `other` to this histogram, as if they had been recorded here.
    public mutating func merge(_ other: LatencyHistogram) {
        // Both sides always share one fixed layout and clamp on record, so the
        // library's layout and range preconditions cannot fail here.
        histogram.add(other.histogram)
    }

    /// Forgets every sample, keeping the allocated counts for reuse.
    public mutating func reset() {
        histogram.reset()
    }

    /// HdrHistogram-style percentile spectrum (like wrk2 `-L`'s detailed spectrum):
    /// `ticksPerHalfDistance` steps in each half of the remaining distance to 100%,
    /// always ending with a point at 100% (whose latency is ``max``). Empty when nothing was
    /// recorded. `ticksPerHalfDistance` is clamped to 1...1000.
    public func percentileCurve(ticksPerHalfDistance: Int = 5) -> [PercentilePoint] {
        guard !isEmpty else { return [] }
        var points: [PercentilePoint] = []
        // The iterator reports each bucket's highest value; capping by the exact extremes
        // keeps the curve consistent with percentile(_:), min and max.
        let lowest = histogram.min
        let highest = histogram.maxRecorded
        // Clamped because the library multiplies ticks by powers of two in UInt64, which
        // would trap for absurd tick counts; 1,000 is already far finer than any report needs.
        let ticks = Swift.min(Swift.max(1, ticksPerHalfDistance), 1_000)
        for step in histogram.percentiles(ticksPerHalfDistance: ticks) {
            let microseconds = Swift.max(Swift.min(step.value, highest), lowest)
            points.append(PercentilePoint(
                percentile: step.percentileLevelIteratedTo,
                nanoseconds: Double(microseconds) * 1_000,
                totalCount: step.totalCountToThisValue
            ))
        }
        // The iterator ends with its own 100% step; this only guards the promise.
        if points.last?.percentile != 100 {
            points.append(PercentilePoint(percentile: 100, nanoseconds: max, totalCount: count))
        }
        return points
    }
}

extension LatencyHistogram: Equatable {
    /// Equal when the counts match and so do the exact extremes that percentiles are capped by.
    public static func == (lhs: LatencyHistogram, rhs: LatencyHistogram) -> Bool {
        lhs.histogram == rhs.histogram
            && lhs.histogram.min == rhs.histogram.min
            && lhs.histogram.maxRecorded == rhs.histogram.maxRecorded
    }
}
