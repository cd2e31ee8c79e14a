/// One condition of a ``Budget``, such as `p95<200ms`, `errors<1%` or `rps>500`.
public struct BudgetClause: Sendable, Equatable, CustomStringConvertible {
    /// What a clause measures.
    public enum Metric: Sendable, Equatable {
        /// A latency percentile, 0...100 (`p95`, `p(99.9)`, `med` is `p50`).
        case percentile(Double)
        /// Mean latency (`avg`, `mean`).
        case average
        /// Smallest latency (`min`).
        case minimum
        /// Largest latency (`max`).
        case maximum
        /// Failed requests as a fraction of all attempts (`errors<1%`).
        case errorRate
        /// Number of failed requests (`errors<10`, `errors==0`).
        case errorCount
        /// Completed requests per second (`rps`, `req/s`, `throughput`).
        case requestsPerSecond

        /// Whether the threshold is a latency in nanoseconds.
        public var isLatency: Bool {
            switch self {
            case .percentile, .average, .minimum, .maximum: true
            case .errorRate, .errorCount, .requestsPerSecond: false
            }
        }

        /// The normalised name used in descriptions: `p95`, `avg`, `min`, `max`, `errors`, `rps`.
        public var name: String {
            switch self {
            case .percentile(let level): "p" + DecimalText.trimmed(level, maxFractionDigits: 6)
            case .average: "avg"
            case .minimum: "min"
            case .maximum: "max"
            case .errorRate, .errorCount: "errors"
            case .requestsPerSecond: "rps"
            }
        }
    }

    /// How the measured value must relate to the threshold.
    public enum Comparison: String, Sendable {
        /// `<`: strictly below the threshold.
        case lessThan = "<"
        /// `<=`: at or below the threshold.
        case lessOrEqual = "<="
        /// `>`: strictly above the threshold.
        case greaterThan = ">"
        /// `>=`: at or above the threshold.
        case greaterOrEqual = ">="
        /// `==` (also typed `=`): equal to the threshold.
        case equal = "=="

        /// Whether `measured` relates to `threshold` as required.
        ///
        /// Values within one part in a billion count as equal, so that a rate typed as
        /// `0.1%` equals 1 error in 1,000 requests despite binary rounding. NaN never holds.
        public func holds(_ measured: Double, _ threshold: Double) -> Bool {
            guard !measured.isNaN, !threshold.isNaN else { return false }
            let difference = measured - threshold
            let equal = difference == 0
                || difference.magnitude <= 1e-9 * Swift.max(measured.magnitude, threshold.magnitude)
            switch self {
            case .lessThan: return !equal && measured < threshold
            case .lessOrEqual: return equal || measured < threshold
            case .greaterThan: return !equal && measured > threshold
            case .greaterOrEqual: return equal || measured > threshold
            case .equal: return equal
            }
        }
    }

    /// What is measured.
    public var metric: Metric
    /// How it is compared.
    public var comparison: Comparison
    /// Nanoseconds for latency metrics, a fraction 0...1 for ``Metric/errorRate``,
    /// a count for ``Metric/errorCount``, requests per second for ``Metric/requestsPerSecond``.
    public var threshold: Double

    /// Creates a clause; see ``threshold`` for its unit.
    public init(metric: Metric, comparison: Comparison, threshold: Double) {
        self.metric = metric
        self.comparison = comparison
        self.threshold = threshold
    }

    /// Parses a single clause such as `p95 < 200ms`; see ``Budget/init(parsing:)`` for the forms.
    public init(parsing text: String) throws(HotpathInputError) {
        self = try BudgetParser.clause(text)
    }

    /// Normalised text that parses back to the same clause: `p95<200ms`, `errors<1%`, `rps>500`.
    public var description: String {
        metric.name + comparison.rawValue + thresholdText
    }

    /// The threshold as a user would type it: `200ms`, `1%`, `10`, `500`.
    public var thresholdText: String {
        switch metric {
        case .percentile, .average, .minimum, .maximum:
            DurationText.formatCompact(nanoseconds: threshold)
        case .errorRate:
            DecimalText.trimmed(threshold * 100, maxFractionDigits: 6) + "%"
        case .errorCount, .requestsPerSecond:
            DecimalText.trimmed(threshold, maxFractionDigits: 6)
        }
    }
}
