import Hotpath

/// A latency threshold of the budget, for drawing on the percentile curve.
struct BudgetLimit {
    /// As written: `p95<200ms`.
    var label: String
    var milliseconds: Double
    /// The percentile the clause holds (nil for `avg`, `max`, `min`), where the chart marks it.
    var percentile: Double?

    /// The latency clauses of the diagnosis' budget text. Text that does not parse gives no
    /// line: the budget is still printed in the summary, the chart just does without.
    static func parse(_ budget: String) -> [BudgetLimit] {
        guard let parsed = try? Budget(parsing: budget) else { return [] }
        return parsed.clauses.compactMap { clause in
            guard clause.metric.isLatency, clause.threshold.isFinite, clause.threshold > 0 else { return nil }
            let percentile: Double? = if case .percentile(let level) = clause.metric { level } else { nil }
            return BudgetLimit(label: clause.description, milliseconds: clause.threshold / 1e6, percentile: percentile)
        }
    }
}
