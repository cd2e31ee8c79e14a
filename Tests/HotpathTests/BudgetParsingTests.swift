import Testing
import Hotpath

@Suite("Budget parsing")
struct BudgetParsingTests {
    typealias Clause = BudgetClause

    @Test("every clause form", arguments: [
        ("p95<200ms", Clause(metric: .percentile(95), comparison: .lessThan, threshold: 200e6)),
        ("p99<1s", Clause(metric: .percentile(99), comparison: .lessThan, threshold: 1e9)),
        ("p99.9<=2s", Clause(metric: .percentile(99.9), comparison: .lessOrEqual, threshold: 2e9)),
        ("p(95)<500", Clause(metric: .percentile(95), comparison: .lessThan, threshold: 500e6)),
        ("p(99.9) <= 2 s", Clause(metric: .percentile(99.9), comparison: .lessOrEqual, threshold: 2e9)),
        ("p95<200", Clause(metric: .percentile(95), comparison: .lessThan, threshold: 200e6)),
        ("p95 < 200 ms", Clause(metric: .percentile(95), comparison: .lessThan, threshold: 200e6)),
        ("P95<200MS", Clause(metric: .percentile(95), comparison: .lessThan, threshold: 200e6)),
        ("p0>=1us", Clause(metric: .percentile(0), comparison: .greaterOrEqual, threshold: 1e3)),
        ("p100<1m30s", Clause(metric: .percentile(100), comparison: .lessThan, threshold: 90e9)),
        ("avg<100ms", Clause(metric: .average, comparison: .lessThan, threshold: 100e6)),
        ("mean<100ms", Clause(metric: .average, comparison: .lessThan, threshold: 100e6)),
        ("med<50ms", Clause(metric: .percentile(50), comparison: .lessThan, threshold: 50e6)),
        ("median<0.5", Clause(metric: .percentile(50), comparison: .lessThan, threshold: 0.5e6)),
        ("max<2s", Clause(metric: .maximum, comparison: .lessThan, threshold: 2e9)),
        ("min>250us", Clause(metric: .minimum, comparison: .greaterThan, threshold: 250e3)),
        ("min > 250 µs", Clause(metric: .minimum, comparison: .greaterThan, threshold: 250e3)),
        ("errors<1%", Clause(metric: .errorRate, comparison: .lessThan, threshold: 0.01)),
        ("errors < 0.5 %", Clause(metric: .errorRate, comparison: .lessThan, threshold: 0.005)),
        ("errors<=100%", Clause(metric: .errorRate, comparison: .lessOrEqual, threshold: 1)),
        ("errors<10", Clause(metric: .errorCount, comparison: .lessThan, threshold: 10)),
        ("errors==0", Clause(metric: .errorCount, comparison: .equal, threshold: 0)),
        ("errors=0", Clause(metric: .errorCount, comparison: .equal, threshold: 0)),
        ("rps>500", Clause(metric: .requestsPerSecond, comparison: .greaterThan, threshold: 500)),
        ("req/s>=500", Clause(metric: .requestsPerSecond, comparison: .greaterOrEqual, threshold: 500)),
        ("Throughput > 99.5", Clause(metric: .requestsPerSecond, comparison: .greaterThan, threshold: 99.5)),
    ] as [(String, Clause)])
    func parsesClause(text: String, expected: Clause) throws {
        #expect(try Budget(parsing: text) == Budget(clauses: [expected]))
        #expect(try BudgetClause(parsing: text) == expected)
    }

    @Test("clauses combine with ',', '&&' and 'and'", arguments: [
        "p95<200ms, rps>500",
        "p95<200ms,rps>500",
        "p95<200ms && rps>500",
        "p95<200ms&&rps>500",
        "p95<200ms and rps>500",
        "p95 < 200ms AND rps > 500",
        "  p95<200ms And rps>500  ",
    ])
    func combinations(text: String) throws {
        let budget = try Budget(parsing: text)
        #expect(budget.clauses == [
            Clause(metric: .percentile(95), comparison: .lessThan, threshold: 200e6),
            Clause(metric: .requestsPerSecond, comparison: .greaterThan, threshold: 500),
        ])
    }

    @Test func mixedSeparators() throws {
        let budget = try Budget(parsing: "p95<200ms, errors<1% and rps>500 && max<2s")
        #expect(budget.description == "p95<200ms, errors<1%, rps>500, max<2s")
    }

    @Test("normalised description parses back", arguments: [
        ("p95 < 200 ms", "p95<200ms"),
        ("p(95)<500", "p95<500ms"),
        ("p(99.9)<2s", "p99.9<2s"),
        ("median<=1.5s", "p50<=1.5s"),
        ("mean<100ms", "avg<100ms"),
        ("MAX < 1m30s", "max<90s"),
        ("max<2m", "max<2m"),
        ("p95<0.25", "p95<250us"),
        ("errors<1%", "errors<1%"),
        ("errors < 0.1 %", "errors<0.1%"),
        ("errors<7%", "errors<7%"),
        ("errors=0", "errors==0"),
        ("errors<10", "errors<10"),
        ("req/s>500", "rps>500"),
        ("throughput >= 99.5", "rps>=99.5"),
        ("p95<200ms and errors<1%", "p95<200ms, errors<1%"),
    ] as [(String, String)])
    func description(text: String, normalised: String) throws {
        let budget = try Budget(parsing: text)
        #expect(budget.description == normalised)
        #expect(try Budget(parsing: budget.description) == budget)
    }

    @Test func defaultAndCombination() throws {
        #expect(Budget.methodDefault.description == "p95<200ms")
        #expect(try Budget(parsing: "p95<200ms") == .methodDefault)

        let combined = try Budget(parsing: "p95<200ms") + Budget(parsing: "rps>500, errors<1%")
        #expect(combined.description == "p95<200ms, rps>500, errors<1%")
        // The same clause given twice (a repeated --budget) is kept once.
        let repeated = try Budget(parsing: "p95<200ms, rps>1") + Budget(parsing: "rps > 1")
        #expect(repeated.description == "p95<200ms, rps>1")
        #expect(Budget(clauses: []) + .methodDefault == .methodDefault)
    }

    @Test func documentedMessage() {
        #expect(throws: HotpathInputError(
            "bad budget clause 'p95<fast': expected a duration like 200ms after '<' (example: p95<200ms, errors<1%, rps>500)"
        )) {
            try Budget(parsing: "p95<fast")
        }
    }

    @Test("malformed input gives a helpful HotpathInputError", arguments: [
        ("", "empty budget"),
        ("   ", "empty budget"),
        ("p95", "missing a comparison"),
        ("p95<", "missing a threshold after '<'"),
        ("<200ms", "missing the metric before '<'"),
        ("p101<1s", "percentile 101 is above 100"),
        ("p95<-1ms", "a latency cannot be negative"),
        ("errors<150%", "between 0% and 100%"),
        ("foo<1s", "unknown metric 'foo'"),
        ("p<1s", "unknown metric 'p'"),
        ("rps>abc", "expected a number of requests per second like 500 after '>'"),
        ("rps>-5", "cannot be negative"),
        ("p95<200ms,,rps>1", "an empty clause"),
        ("p95<200ms,", "an empty clause"),
        ("and p95<200ms", "an empty clause"),
        ("p95<200ms && && rps>1", "an empty clause"),
        ("p95!=200ms", "'!=' is not supported"),
        ("p95=<200ms", "unknown comparison '=<'"),
        ("p95<<200ms", "unknown comparison '<<'"),
        ("errors<0.01", "whole number"),
        ("errors<abc", "expected an error count like 10 or a rate like 1%"),
        ("errors<%", "expected a percentage like 1%"),
        ("errors<-1%", "cannot be negative"),
        ("p95<5%", "expected a duration like 200ms"),
        ("p(95<1s", "unclosed '('"),
        ("p95<1e400s", "expected a duration like 200ms"),
        ("p95<1000h", "30-day limit"),
        ("p95<200ms & rps>1", "expected a duration like 200ms"),
        ("avg>", "missing a threshold after '>'"),
    ] as [(String, String)])
    func rejects(text: String, reason: String) {
        let error = #expect(throws: HotpathInputError.self) { try Budget(parsing: text) }
        let message = error?.message ?? ""
        #expect(message.contains(reason), "\(message)")
        #expect(message.hasPrefix("bad budget") || message.hasPrefix("empty budget"), "\(message)")
        #expect(message.contains("p95<200ms, errors<1%, rps>500"), "\(message)")
        #expect(!message.contains("\n"))
    }
}
