/// Thresholds of the database detectors. Defaults follow Sentry's and django-debug-toolbar's.
public struct QueryThresholds: Sendable {
    /// N+1: the same statement shape at least this many times with different parameters.
    public var nPlusOneMinimumCount = 5
    /// Many small queries: at least this many round trips in one request…
    public var manyQueriesMinimumCount = 20
    /// …or at least this many when together they take most of the request
    /// (``manyQueriesDominantShare``): a dozen small aggregates costing 70 % of a page is the
    /// finding, whatever the count…
    public var manyQueriesDominantCount = 8
    public var manyQueriesDominantShare = 0.5
    /// …each faster than this (slow ones are their own finding).
    public var smallQueryNanoseconds: UInt64 = 5_000_000
    /// Slow query: at or above this.
    public var slowQueryNanoseconds: UInt64 = 100_000_000
    /// Loading too much: every column of a table (or every field of a model) this wide or wider.
    public var selectStarMinimumColumns = 15
    /// …read in at least this many rows by one statement: a single wide row (a lookup by key)
    /// is not worth narrowing.
    public var selectStarMinimumRows = 20

    public init() {}
}
