/// The outcome of one ``BudgetClause`` against a ``BudgetMeasurement``.
public struct BudgetVerdict: Sendable, Equatable, CustomStringConvertible {
    /// The clause judged.
    public var clause: BudgetClause
    /// The measured value, in the clause's threshold unit (0 when nothing was measured).
    public var measured: Double
    /// Whether the clause holds.
    public var passed: Bool
    /// The measured value formatted like the threshold: `183.20ms`, `0.50%`, `3`, `512.3`,
    /// or `no samples` / `no requests` when there was nothing to judge.
    public var measuredText: String

    /// Creates a verdict.
    public init(clause: BudgetClause, measured: Double, passed: Bool, measuredText: String) {
        self.clause = clause
        self.measured = measured
        self.passed = passed
        self.measuredText = measuredText
    }

    /// For logs: `p95<200ms: 183.20ms pass`.
    public var description: String {
        "\(clause): \(measuredText) \(passed ? "pass" : "FAIL")"
    }
}

extension BudgetClause {
    /// Judges this clause against a measurement.
    ///
    /// A latency clause on an empty histogram fails with `no samples`, and an error-rate
    /// clause with zero requests fails with `no requests`: nothing measured proves nothing.
    /// Error counts and throughput are judged as measured, even when zero.
    public func evaluate(_ measurement: BudgetMeasurement) -> BudgetVerdict {
        let latency = measurement.latency
        let measured: Double
        let text: String
        switch metric {
        case .percentile, .average, .minimum, .maximum:
            guard !latency.isEmpty else { return unmeasured("no samples") }
            measured = switch metric {
            case .percentile(let level): latency.percentile(level)
            case .average: latency.mean
            case .minimum: latency.min
            default: latency.max
            }
            text = DurationText.format(nanoseconds: measured)
        case .errorRate:
            guard measurement.requests > 0 else { return unmeasured("no requests") }
            measured = measurement.errorRate
            text = DecimalText.fixed(measured * 100, fractionDigits: 2) + "%"
        case .errorCount:
            measured = Double(measurement.errors)
            text = String(measurement.errors)
        case .requestsPerSecond:
            measured = measurement.requestsPerSecond
            text = DecimalText.fixed(measured, fractionDigits: 1)
        }
        return BudgetVerdict(
            clause: self, measured: measured, passed: comparison.holds(measured, threshold), measuredText: text)
    }

    private func unmeasured(_ reason: String) -> BudgetVerdict {
        BudgetVerdict(clause: self, measured: 0, passed: false, measuredText: reason)
    }
}
