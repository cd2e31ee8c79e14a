/// A latency budget in the spirit of k6 thresholds: clauses such as `p95<200ms`,
/// `errors<1%` or `rps>500` that a run passes only if every clause holds.
///
/// Text forms (spaces allowed anywhere, names case-insensitive):
/// - latency: `p95<200ms`, `p99.9<=2s`, `p(95)<500` (a bare number is milliseconds),
///   `avg`/`mean`, `med`/`median` (= p50), `min`, `max`;
/// - errors: `errors<1%` is a rate of all attempts (the `%` is required for a rate),
///   `errors<10` or `errors==0` is a count;
/// - throughput: `rps>500` (also `req/s`, `throughput`);
/// - operators `<`, `<=`, `>`, `>=`, `==` (also `=`);
/// - several clauses joined by `,`, `&&` or the word `and`.
public struct Budget: Sendable, Equatable, CustomStringConvertible {
    /// The conditions, in the order they were written.
    public var clauses: [BudgetClause]

    /// A budget of the given clauses.
    public init(clauses: [BudgetClause]) {
        self.clauses = clauses
    }

    /// Parses budget text such as `p95<200ms, errors<1%`.
    ///
    /// A mistake throws a one-line ``HotpathInputError`` naming the bad clause with an example,
    /// e.g. `bad budget clause 'p95<fast': expected a duration like 200ms after '<'
    /// (example: p95<200ms, errors<1%, rps>500)`.
    public init(parsing text: String) throws(HotpathInputError) {
        clauses = try BudgetParser.clauses(in: text)
    }

    /// The budget used when none is given: `p95<200ms`, the point where a response stops
    /// feeling instant-to-snappy for most users.
    public static let methodDefault = Budget(clauses: [
        BudgetClause(metric: .percentile(95), comparison: .lessThan, threshold: 200_000_000),
    ])

    /// Both budgets' clauses (for a repeated `--budget` option). A clause already present
    /// is not repeated, so the same condition is never reported twice.
    public static func + (lhs: Budget, rhs: Budget) -> Budget {
        var combined = lhs.clauses
        for clause in rhs.clauses where !combined.contains(clause) {
            combined.append(clause)
        }
        return Budget(clauses: combined)
    }

    /// One verdict per clause, in clause order.
    public func evaluate(_ measurement: BudgetMeasurement) -> [BudgetVerdict] {
        clauses.map { $0.evaluate(measurement) }
    }

    /// The same budget with every latency ceiling (`p95<200ms`, `avg<=50ms`) lowered by
    /// `share` of it: a run that passes this one passes the budget with room to spare, one that
    /// passes only the original sits at its line, where a second run may well fail it.
    ///
    /// ```swift
    /// let strict = Budget.methodDefault.tightened(by: 0.15)   // p95<170ms
    /// ```
    public func tightened(by share: Double) -> Budget {
        let kept = min(max(1 - share, 0), 1)
        return Budget(clauses: clauses.map { clause in
            guard clause.metric.isLatency, clause.comparison == .lessThan || clause.comparison == .lessOrEqual else { return clause }
            var tighter = clause
            tighter.threshold = clause.threshold * kept
            return tighter
        })
    }

    /// The normalised clauses joined by `, `; parses back to an equal budget.
    public var description: String {
        clauses.map(\.description).joined(separator: ", ")
    }
}
