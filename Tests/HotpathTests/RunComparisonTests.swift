import Testing

@testable import Hotpath

@Suite("Run comparison")
struct RunComparisonTests {
    /// A latency distribution around `milliseconds` with some spread, `count` requests.
    static func histogram(around milliseconds: Double, count: Int = 5_000, seed: UInt64) -> LatencyHistogram {
        var histogram = LatencyHistogram()
        var random = SplitMix64(seed: seed)
        for _ in 0..<count {
            let jitter = Double(random.next() % 1_000) / 1_000   // 0..<1
            histogram.record(nanoseconds: UInt64(milliseconds * (0.8 + 0.4 * jitter) * 1e6))
        }
        return histogram
    }

    static func rates(around value: Double, seconds: Int = 10, seed: UInt64) -> [Double] {
        var random = SplitMix64(seed: seed)
        return (0..<seconds).map { _ in value * (0.97 + 0.06 * Double(random.next() % 1_000) / 1_000) }
    }

    @Test func identicalRunsAreUnchanged() {
        let run = Self.histogram(around: 20, seed: 1)
        let rates = Self.rates(around: 500, seed: 2)
        let changes = RunComparison.compare(before: run, after: run, beforeThroughput: rates, afterThroughput: rates)
        #expect(changes.map(\.metric) == ["p50", "p95", "p99", "req/s"])
        #expect(changes.allSatisfy { $0.verdict == .unchanged }, "\(changes)")
    }

    @Test func twoRunsOfTheSameServerAreUnchanged() {
        let changes = RunComparison.compare(
            before: Self.histogram(around: 20, seed: 1), after: Self.histogram(around: 20, seed: 7),
            beforeThroughput: Self.rates(around: 500, seed: 2), afterThroughput: Self.rates(around: 500, seed: 8)
        )
        #expect(changes.allSatisfy { $0.verdict == .unchanged }, "\(changes)")
    }

    /// A planted twofold slowdown is regressed (its p95 interval around +100 %); the same
    /// runs the other way round are improved.
    @Test(arguments: [(20.0, 40.0, MetricChange.Verdict.regressed), (40.0, 20.0, .improved)])
    func twofoldChanges(beforeMs: Double, afterMs: Double, verdict: MetricChange.Verdict) throws {
        let changes = RunComparison.compare(
            before: Self.histogram(around: beforeMs, seed: 1), after: Self.histogram(around: afterMs, seed: 3),
            beforeThroughput: Self.rates(around: 10_000 / beforeMs, seed: 2), afterThroughput: Self.rates(around: 10_000 / afterMs, seed: 4)
        )
        #expect(changes.allSatisfy { $0.verdict == verdict }, "\(changes)")
        let p95 = try #require(changes.first { $0.metric == "p95" })
        let expected = (afterMs / beforeMs - 1) * 100
        #expect(abs(p95.changePercent - expected) < 10)
        let interval = try #require(p95.intervalPercent)
        #expect(interval.contains(p95.changePercent) || abs(interval.lowerBound - p95.changePercent) < 5, "\(interval)")
    }

    @Test func tooFewSecondsHaveNoInterval() throws {
        let run = Self.histogram(around: 20, seed: 1)
        let changes = RunComparison.compare(before: run, after: run, beforeThroughput: [500], afterThroughput: [530])
        let rate = try #require(changes.first { $0.metric == "req/s" })
        #expect(rate.intervalPercent == nil)
        #expect(rate.verdict == .unchanged, "+6 % without an interval is under twice the floor")
    }
}
