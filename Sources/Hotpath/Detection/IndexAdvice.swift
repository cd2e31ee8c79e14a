/// A missing index, found in a statement's query plan by a ``QueryPlanAdvisor``.
public struct IndexAdvice: Sendable, Codable, Equatable {
    /// The statement's shape.
    public var fingerprint: String
    public var table: String
    /// Columns to index, in order: equality filters first, then ranges, then ORDER BY.
    public var columns: [String]
    /// The statement to run, e.g. `CREATE INDEX orders_customer_email_idx ON orders (customer_email)`.
    public var createIndex: String
    /// Why: the plan line that shows the scan.
    public var reason: String
    /// The whole plan as the database printed it, so a user can see for themselves.
    public var plan: [String]
    /// The planner's cost as things are, when the database reports one (PostgreSQL).
    public var costBefore: Double?
    /// The planner's cost with the index created hypothetically (PostgreSQL with hypopg).
    public var costAfter: Double?

    public init(
        fingerprint: String, table: String, columns: [String], createIndex: String, reason: String, plan: [String],
        costBefore: Double? = nil, costAfter: Double? = nil
    ) {
        self.fingerprint = fingerprint
        self.table = table
        self.columns = columns
        self.createIndex = createIndex
        self.reason = reason
        self.plan = plan
        self.costBefore = costBefore
        self.costAfter = costAfter
    }

    /// The share of a query's time the index should remove: from the planner's costs when
    /// known, otherwise 90 % (an index search instead of a scan of a large table).
    public var expectedReduction: Double {
        if let costBefore, let costAfter, costBefore > 0 {
            return min(max(1 - costAfter / costBefore, 0), 1)
        }
        return Self.assumedReduction
    }

    static let assumedReduction = 0.9
}

/// Explains statements off the request path and says which index would help.
///
/// `HotpathSQL`'s `SQLiteExplainAdvisor` and `HotpathPostgres`' `PostgresExplainAdvisor`
/// conform; give one to ``Recorder/Configuration/planAdvisor`` and the recorder sends it the
/// slow and hot statement shapes it sees, then reports a `missing-index` finding per route.
public protocol QueryPlanAdvisor: Sendable {
    /// Which database it explains with (`sqlite`, `postgresql+hypopg`), for the report's
    /// instrumentation manifest.
    var name: String { get }

    /// Advice for one statement, or nil when its plan is fine or could not be read. Never throws:
    /// a failing EXPLAIN must not reach anyone.
    func indexAdvice(forSQL sql: String) async -> IndexAdvice?
}

extension QueryPlanAdvisor {
    public var name: String { String(describing: Self.self) }
}
