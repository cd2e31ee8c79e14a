import Testing
import Hotpath

@Suite("Budget evaluation")
struct BudgetEvaluationTests {
    static func latencies(_ milliseconds: [Double]) -> LatencyHistogram {
        var histogram = LatencyHistogram()
        for value in milliseconds { histogram.record(nanoseconds: UInt64(value * 1e6)) }
        return histogram
    }

    static func measurement(
        _ latency: LatencyHistogram = latencies([1, 2]),
        requests: UInt64 = 1_000, errors: UInt64 = 0, rps: Double = 0
    ) -> BudgetMeasurement {
        BudgetMeasurement(latency: latency, requests: requests, errors: errors, requestsPerSecond: rps)
    }

    static func verdict(_ text: String, _ measurement: BudgetMeasurement) throws -> BudgetVerdict {
        let verdicts = try Budget(parsing: text).evaluate(measurement)
        try #require(verdicts.count == 1)
        return verdicts[0]
    }

    @Test func percentilePassAndFail() throws {
        let fast = Self.measurement(Self.latencies(Array(repeating: 150, count: 100)))
        let pass = try Self.verdict("p95<200ms", fast)
        #expect(pass.passed)
        #expect(pass.measured == 150e6)
        #expect(pass.measuredText == "150.00ms")
        let slow = Self.measurement(Self.latencies(Array(repeating: 250, count: 100)))
        #expect(try !Self.verdict("p95<200ms", slow).passed)
    }

    @Test("equality at the threshold", arguments: [
        ("p95<200ms", false), ("p95<=200ms", true), ("p95==200ms", true),
        ("p95>=200ms", true), ("p95>200ms", false),
    ] as [(String, Bool)])
    func boundary(text: String, passes: Bool) throws {
        let exact = Self.measurement(Self.latencies(Array(repeating: 200, count: 100)))
        #expect(try Self.verdict(text, exact).passed == passes)
    }

    @Test("mean, min and max", arguments: [
        // Samples of 1 ms and 2 ms: exact in the histogram's unit-width low buckets.
        ("avg<=1.5ms", true), ("avg<1.5ms", false), ("mean>1ms", true),
        ("min>=1ms", true), ("min>1ms", false),
        ("max<2ms", false), ("max<=2ms", true),
        ("med<=1ms", true), ("p100==2ms", true),
    ] as [(String, Bool)])
    func latencyStatistics(text: String, passes: Bool) throws {
        #expect(try Self.verdict(text, Self.measurement()).passed == passes)
    }

    @Test func measuredTextFormatsLikeTheThreshold() throws {
        let run = Self.measurement(Self.latencies([183.2]), requests: 1_000, errors: 5, rps: 512.34)
        #expect(try Self.verdict("p95<200ms", run).measuredText == "183.20ms")
        #expect(try Self.verdict("errors<1%", run).measuredText == "0.50%")
        #expect(try Self.verdict("errors<10", run).measuredText == "5")
        #expect(try Self.verdict("rps>500", run).measuredText == "512.3")
    }

    @Test("error rate versus error count", arguments: [
        // 5 failures in 1,000 attempts: a 0.5% rate, a count of 5.
        ("errors<1%", true), ("errors<0.5%", false), ("errors<=0.5%", true), ("errors==0.5%", true),
        ("errors<1", false), ("errors<10", true), ("errors<=5", true), ("errors==0", false),
    ] as [(String, Bool)])
    func errors(text: String, passes: Bool) throws {
        let run = Self.measurement(requests: 1_000, errors: 5)
        #expect(try Self.verdict(text, run).passed == passes)
    }

    @Test func rateEqualityDespiteBinaryRounding() throws {
        // 0.1% is not exactly representable; 1 in 1,000 must still count as equal to it.
        let run = Self.measurement(requests: 1_000, errors: 1)
        #expect(try Self.verdict("errors<=0.1%", run).passed)
        #expect(try !Self.verdict("errors<0.1%", run).passed)
        let rate = try Self.verdict("errors<=0.1%", run)
        #expect(rate.measured == 0.001)
        #expect(rate.measuredText == "0.10%")
    }

    @Test func noErrorsPassesZeroCount() throws {
        let verdict = try Self.verdict("errors==0", Self.measurement(errors: 0))
        #expect(verdict.passed)
        #expect(verdict.measuredText == "0")
    }

    @Test func errorRateWithoutRequestsFails() throws {
        let verdict = try Self.verdict("errors<1%", Self.measurement(requests: 0, errors: 0))
        #expect(!verdict.passed)
        #expect(verdict.measuredText == "no requests")
        #expect(Self.measurement(requests: 0, errors: 0).errorRate == 0)
        #expect(Self.measurement(requests: 10, errors: 20).errorRate == 1)
    }

    @Test("throughput", arguments: [
        ("rps>500", true), ("rps>=512.34", true), ("rps>512.34", false), ("rps<500", false),
    ] as [(String, Bool)])
    func throughput(text: String, passes: Bool) throws {
        #expect(try Self.verdict(text, Self.measurement(rps: 512.34)).passed == passes)
    }

    @Test("an empty histogram fails every latency clause", arguments: [
        "p95<200ms", "p95>0ms", "avg<1h", "min>=0ms", "max<1h", "med<1s",
    ])
    func emptyHistogram(text: String) throws {
        let verdict = try Self.verdict(text, Self.measurement(LatencyHistogram(), requests: 0))
        #expect(!verdict.passed)
        #expect(verdict.measuredText == "no samples")
        #expect(verdict.measured == 0)
    }

    @Test func verdictsFollowClauseOrder() throws {
        let run = Self.measurement(Self.latencies([100, 300]), requests: 100, errors: 2, rps: 40)
        let verdicts = try Budget(parsing: "p95<200ms, errors<5%, rps>50, errors<=2").evaluate(run)
        #expect(verdicts.map(\.clause.description) == ["p95<200ms", "errors<5%", "rps>50", "errors<=2"])
        #expect(verdicts.map(\.passed) == [false, true, false, true])
        #expect(verdicts[0].description == "p95<200ms: 300.00ms FAIL")
        #expect(Budget(clauses: []).evaluate(run).isEmpty)
    }
}
