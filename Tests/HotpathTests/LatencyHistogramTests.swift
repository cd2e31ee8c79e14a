import Foundation
import Testing
import Hotpath

@Suite("LatencyHistogram")
struct LatencyHistogramTests {
    /// 1...10,000 µs, once each.
    static func uniform() -> LatencyHistogram {
        var histogram = LatencyHistogram()
        for microseconds in UInt64(1)...10_000 {
            histogram.record(nanoseconds: microseconds * 1_000)
        }
        return histogram
    }

    /// A deterministic spread of latencies over several decades (an LCG, so no flaky seeds).
    static func spread(count: Int, seed: UInt64) -> [UInt64] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let decade = (state >> 60) % 7                 // 1 µs ... 10 s
            var scale: UInt64 = 1_000
            for _ in 0..<decade { scale *= 10 }
            return (state >> 20) % (scale * 10)
        }
    }

    static func isClose(_ value: Double, _ expected: Double, relative: Double = 0.001) -> Bool {
        abs(value - expected) <= relative * abs(expected)
    }

    @Test func uniformPercentilesWithinOneTenthOfAPercent() {
        let histogram = Self.uniform()
        #expect(histogram.count == 10_000)
        #expect(Self.isClose(histogram.percentile(50), 5_000_000))
        #expect(Self.isClose(histogram.percentile(99), 9_900_000))
        #expect(Self.isClose(histogram.percentile(99.9), 9_990_000))
        #expect(histogram.percentile(0) == 1_000)
        #expect(histogram.percentile(100) == 10_000_000)
        #expect(histogram.min == 1_000)
        #expect(histogram.max == 10_000_000)
    }

    @Test func meanAndStandardDeviationMatchComputedValues() {
        let histogram = Self.uniform()
        let values = (1...10_000).map { Double($0) * 1_000 }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        #expect(Self.isClose(histogram.mean, mean))
        #expect(Self.isClose(histogram.standardDeviation, variance.squareRoot()))
    }

    @Test func percentilesAreCappedByTheExactExtremes() {
        var histogram = LatencyHistogram()
        for _ in 0..<100 { histogram.record(nanoseconds: 200_000_000) }
        // 200 ms sits in a 128 µs wide bucket; the exact sample still comes back.
        #expect(histogram.percentile(95) == 200_000_000)
        #expect(histogram.percentile(50) == 200_000_000)
        #expect(histogram.min == 200_000_000)
        #expect(histogram.max == 200_000_000)
    }

    @Test func percentileArgumentIsClamped() {
        let histogram = Self.uniform()
        #expect(histogram.percentile(-5) == histogram.min)
        #expect(histogram.percentile(150) == histogram.max)
        #expect(histogram.percentile(.nan) == histogram.min)
    }

    @Test func roundsToTheNearestMicrosecond() {
        var histogram = LatencyHistogram()
        histogram.record(nanoseconds: 1_499)
        histogram.record(nanoseconds: 1_500)
        histogram.record(nanoseconds: 400)
        #expect(histogram.min == 0)
        #expect(histogram.max == 2_000)
        #expect(Self.isClose(histogram.fraction(atOrBelowNanoseconds: 1_000), 2.0 / 3.0, relative: 1e-12))
    }

    @Test func emptyBehaviour() throws {
        let histogram = LatencyHistogram()
        #expect(histogram.isEmpty)
        #expect(histogram.count == 0)
        #expect(histogram.percentile(50) == 0)
        #expect(histogram.percentile(100) == 0)
        #expect(histogram.mean == 0)
        #expect(histogram.standardDeviation == 0)
        #expect(histogram.min == 0)
        #expect(histogram.max == 0)
        #expect(histogram.fraction(atOrBelowNanoseconds: 1e9) == 0)
        #expect(histogram.percentileCurve().isEmpty)
        #expect(histogram.buckets.isEmpty)
        #expect(LatencyHistogram(buckets: []) == histogram)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(histogram), as: UTF8.self)
        #expect(json == #"{"buckets":[],"unit":"us"}"#)
    }

    @Test func valuesAboveOneHourAreClampedAndCounted() {
        var histogram = LatencyHistogram()
        histogram.record(nanoseconds: 2 * 3_600_000_000_000)
        histogram.record(nanoseconds: .max)
        histogram.record(nanoseconds: 5_000_000, count: 3)
        histogram.record(nanoseconds: .max, count: 2)
        #expect(histogram.count == 7)
        #expect(histogram.max == 3_600e9)
        #expect(histogram.max == Double(LatencyHistogram.highestTrackableNanoseconds))
        #expect(histogram.percentile(99) == 3_600e9)
        #expect(histogram.min == 5_000_000)
    }

    @Test func recordWithCount() {
        var histogram = LatencyHistogram()
        histogram.record(nanoseconds: 7_000_000, count: 0)
        #expect(histogram == LatencyHistogram())
        histogram.record(nanoseconds: 7_000_000, count: 4)
        var oneByOne = LatencyHistogram()
        for _ in 0..<4 { oneByOne.record(nanoseconds: 7_000_000) }
        #expect(histogram == oneByOne)
    }

    @Test func mergeEqualsRecordingBoth() {
        let first = Self.spread(count: 5_000, seed: 1)
        let second = Self.spread(count: 3_000, seed: 2)
        var left = LatencyHistogram()
        var right = LatencyHistogram()
        var both = LatencyHistogram()
        for value in first { left.record(nanoseconds: value); both.record(nanoseconds: value) }
        for value in second { right.record(nanoseconds: value); both.record(nanoseconds: value) }
        left.merge(right)
        #expect(left == both)
        #expect(left.count == 8_000)
        #expect(left.percentile(99) == both.percentile(99))
        #expect(left.min == both.min)
        #expect(left.max == both.max)
        // Merging an empty histogram changes nothing.
        left.merge(LatencyHistogram())
        #expect(left == both)
    }

    @Test func resetEmptiesAndStaysUsable() {
        var histogram = Self.uniform()
        histogram.reset()
        #expect(histogram.isEmpty)
        #expect(histogram == LatencyHistogram())
        histogram.record(nanoseconds: 3_000)
        #expect(histogram.count == 1)
        #expect(histogram.min == 3_000)
    }

    @Test("buckets rebuild an equal histogram", arguments: [1, 2, 3, 10, 1_000, 20_000])
    func bucketsRoundTrip(samples: Int) {
        var histogram = LatencyHistogram()
        for value in Self.spread(count: samples, seed: UInt64(samples)) {
            histogram.record(nanoseconds: value)
        }
        let rebuilt = LatencyHistogram(buckets: histogram.buckets)
        #expect(rebuilt == histogram)
        Self.expectSameFigures(rebuilt, histogram)
    }

    @Test func bucketsKeepExactExtremesSharingOneBucket() {
        // 3,000,001 µs and 3,000,100 µs share one 2,048 µs wide bucket.
        var histogram = LatencyHistogram()
        histogram.record(nanoseconds: 3_000_001_000)
        histogram.record(nanoseconds: 3_000_100_000, count: 2)
        let buckets = histogram.buckets
        #expect(buckets == [
            .init(microseconds: 3_000_001, count: 1),
            .init(microseconds: 3_000_100, count: 2),
        ])
        let rebuilt = LatencyHistogram(buckets: buckets)
        #expect(rebuilt == histogram)
        #expect(rebuilt.min == 3_000_001_000)
        #expect(rebuilt.max == 3_000_100_000)
    }

    @Test func bucketsIgnoreZeroCountsAndClamp() {
        let histogram = LatencyHistogram(buckets: [
            .init(microseconds: 10, count: 0),
            .init(microseconds: 9_000_000_000, count: 1),
            .init(microseconds: 20, count: 2),
        ])
        #expect(histogram.count == 3)
        #expect(histogram.min == 20_000)
        #expect(histogram.max == 3_600e9)
    }

    @Test func codableRoundTripIsCompact() throws {
        var histogram = LatencyHistogram()
        for value in Self.spread(count: 10_000, seed: 42) { histogram.record(nanoseconds: value) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(histogram)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.hasPrefix(#"{"buckets":[["#))
        #expect(json.hasSuffix(#"]],"unit":"us"}"#))
        let decoded = try JSONDecoder().decode(LatencyHistogram.self, from: data)
        #expect(decoded == histogram)
        Self.expectSameFigures(decoded, histogram)
    }

    @Test func decodesHandWrittenJSON() throws {
        let json = #"{"unit":"us","buckets":[[100,3],[2500,1]]}"#
        let histogram = try JSONDecoder().decode(LatencyHistogram.self, from: Data(json.utf8))
        #expect(histogram.count == 4)
        #expect(histogram.min == 100_000)
        #expect(histogram.max == 2_500_000)
    }

    @Test("malformed JSON is a decoding error, not a crash", arguments: [
        #"{"unit":"ms","buckets":[]}"#,
        #"{"buckets":[]}"#,
        #"{"unit":"us","buckets":[[1,2,3]]}"#,
        #"{"unit":"us","buckets":[[1]]}"#,
        #"{"unit":"us","buckets":[[-1,2]]}"#,
        #"{"unit":"us","buckets":{}}"#,
    ])
    func rejectsMalformedJSON(json: String) {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(LatencyHistogram.self, from: Data(json.utf8))
        }
    }

    @Test("counts past what a run can record are a decoding error, not a trap", arguments: [
        #"{"unit":"us","buckets":[[3600000000,10000000000]]}"#,
        #"{"unit":"us","buckets":[[100,1152921504606846976]]}"#,
        #"{"unit":"us","buckets":[[5000,18446744073709551615]]}"#,
        #"{"unit":"us","buckets":[[100,4611686018427387903],[200,4611686018427387903]]}"#,
    ])
    func rejectsImpossibleCounts(json: String) {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(LatencyHistogram.self, from: Data(json.utf8))
        }
    }

    @Test func theLargestAcceptedCountsStillComputeEveryFigure() throws {
        // Just under the limit (2^62 µs of latency in all): decoding, percentiles, mean, the
        // bucket walk and a round trip run without overflow.
        let json = #"{"unit":"us","buckets":[[1,1000000000000000],[3600000000,1000000000]]}"#
        let histogram = try JSONDecoder().decode(LatencyHistogram.self, from: Data(json.utf8))
        #expect(histogram.count == 1_000_001_000_000_000)
        #expect(histogram.percentile(99) > 0)
        #expect(histogram.mean > 0)
        let again = try JSONDecoder().decode(LatencyHistogram.self, from: JSONEncoder().encode(histogram))
        #expect(again.count == histogram.count)
        // The count that trapped `hotpath compare` (10^16 in one bucket) is read and compared.
        let huge = try JSONDecoder().decode(LatencyHistogram.self, from: Data(#"{"unit":"us","buckets":[[100,10000000000000000],[900,3]]}"#.utf8))
        let changes = RunComparison.compare(before: histogram, after: huge, beforeThroughput: [1, 2, 3], afterThroughput: [1, 2, 3])
        #expect(changes.count == 4)
    }

    @Test func fractionAtOrBelow() {
        let histogram = Self.uniform()
        #expect(Self.isClose(histogram.fraction(atOrBelowNanoseconds: 5_000_000), 0.5))
        #expect(histogram.fraction(atOrBelowNanoseconds: 10_000_000) == 1)
        #expect(histogram.fraction(atOrBelowNanoseconds: 1e15) == 1)
        #expect(histogram.fraction(atOrBelowNanoseconds: .infinity) == 1)
        #expect(histogram.fraction(atOrBelowNanoseconds: 0) == 0)
        #expect(histogram.fraction(atOrBelowNanoseconds: -1) == 0)
        #expect(histogram.fraction(atOrBelowNanoseconds: .nan) == 0)
        // A recorded value always counts itself.
        var single = LatencyHistogram()
        single.record(nanoseconds: 150_000_400)
        #expect(single.fraction(atOrBelowNanoseconds: 150_000_400) == 1)
    }

    @Test func percentileCurveLikeWrk2() {
        let histogram = Self.uniform()
        let curve = histogram.percentileCurve()
        #expect(curve.count > 20)
        #expect(curve.first?.percentile == 0)
        #expect(curve.last?.percentile == 100)
        #expect(curve.last?.totalCount == histogram.count)
        #expect(curve.last?.nanoseconds == histogram.max)
        #expect(curve.first?.nanoseconds == histogram.min)
        #expect(curve.allSatisfy { $0.nanoseconds <= histogram.max && $0.nanoseconds >= histogram.min })
        for (earlier, later) in zip(curve, curve.dropFirst()) {
            #expect(earlier.percentile <= later.percentile)
            #expect(earlier.nanoseconds <= later.nanoseconds)
            #expect(earlier.totalCount <= later.totalCount)
        }
        // Finer ticks give more points; nonsense tick counts are treated as 1.
        #expect(histogram.percentileCurve(ticksPerHalfDistance: 10).count > curve.count)
        #expect(histogram.percentileCurve(ticksPerHalfDistance: 0).last?.percentile == 100)
        #expect(histogram.percentileCurve(ticksPerHalfDistance: -3).last?.percentile == 100)
        #expect(histogram.percentileCurve(ticksPerHalfDistance: .max).last?.percentile == 100)
        // A single sample still ends at 100%.
        var single = LatencyHistogram()
        single.record(nanoseconds: 42_000)
        #expect(single.percentileCurve().last?.percentile == 100)
    }

    static func expectSameFigures(
        _ actual: LatencyHistogram, _ expected: LatencyHistogram, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        #expect(actual.min == expected.min, sourceLocation: sourceLocation)
        #expect(actual.max == expected.max, sourceLocation: sourceLocation)
        #expect(actual.mean == expected.mean, sourceLocation: sourceLocation)
        #expect(actual.standardDeviation == expected.standardDeviation, sourceLocation: sourceLocation)
        for level in [0, 10, 50, 90, 99, 99.9, 99.99, 100] {
            #expect(actual.percentile(level) == expected.percentile(level), sourceLocation: sourceLocation)
        }
        #expect(actual.percentileCurve() == expected.percentileCurve(), sourceLocation: sourceLocation)
    }
}
