/// Where a request's time went: database, outbound calls (HTTP and others), and the rest (the
/// app's own code).
///
/// Concurrent work is counted once: database time is the wall time during which at least
/// one query was running, so two parallel 50 ms queries count 50 ms, not 100.
public struct RequestTiming: Sendable, Codable, Equatable {
    public var totalNanoseconds: UInt64
    public var databaseNanoseconds: UInt64
    public var httpNanoseconds: UInt64
    /// Total minus the time covered by database or HTTP work.
    public var appNanoseconds: UInt64
    public var queryCount: Int
    public var httpCallCount: Int

    public init(
        totalNanoseconds: UInt64, databaseNanoseconds: UInt64, httpNanoseconds: UInt64,
        appNanoseconds: UInt64, queryCount: Int, httpCallCount: Int
    ) {
        self.totalNanoseconds = totalNanoseconds
        self.databaseNanoseconds = databaseNanoseconds
        self.httpNanoseconds = httpNanoseconds
        self.appNanoseconds = appNanoseconds
        self.queryCount = queryCount
        self.httpCallCount = httpCallCount
    }

    /// Computes the split from a request's events. `extra` adds time of events that were
    /// counted but not kept (past the per-request cap).
    public init(
        events: [RequestEvent],
        totalNanoseconds: UInt64,
        queryCount: Int,
        httpCallCount: Int,
        droppedDatabaseNanoseconds: UInt64 = 0,
        droppedHTTPNanoseconds: UInt64 = 0
    ) {
        let database = Self.union(events) { $0 == .query } &+ droppedDatabaseNanoseconds
        let http = Self.union(events) { $0 == .call } &+ droppedHTTPNanoseconds
        let external = Self.union(events) { $0 == .query || $0 == .call } &+ droppedDatabaseNanoseconds &+ droppedHTTPNanoseconds
        self.init(
            totalNanoseconds: totalNanoseconds,
            databaseNanoseconds: min(database, totalNanoseconds),
            httpNanoseconds: min(http, totalNanoseconds),
            appNanoseconds: totalNanoseconds &- min(external, totalNanoseconds),
            queryCount: queryCount,
            httpCallCount: httpCallCount
        )
    }

    /// Length of the union of the events' intervals.
    static func union(_ events: [RequestEvent], _ counts: (RequestEvent.Kind) -> Bool) -> UInt64 {
        guard events.contains(where: { counts($0.kind) }) else { return 0 }
        var intervals: [(start: UInt64, end: UInt64)] = []
        intervals.reserveCapacity(events.count)
        for event in events where counts(event.kind) {
            intervals.append((event.startNanoseconds, event.startNanoseconds &+ event.durationNanoseconds))
        }
        guard !intervals.isEmpty else { return 0 }
        intervals.sort { $0.start < $1.start }
        var covered: UInt64 = 0
        var current = intervals[0]
        for interval in intervals.dropFirst() {
            if interval.start <= current.end {
                current.end = max(current.end, interval.end)
            } else {
                covered &+= current.end &- current.start
                current = interval
            }
        }
        return covered &+ (current.end &- current.start)
    }
}
