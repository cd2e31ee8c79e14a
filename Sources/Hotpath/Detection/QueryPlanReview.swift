import Synchronization

/// Sends the statement shapes worth explaining (slow, or run many times in one request) to a
/// ``QueryPlanAdvisor``, off the request path, and keeps what it says.
///
/// The request path only appends the finished request to a bounded queue (dropped when the
/// queue is full); a task started on demand fingerprints its queries and asks the advisor, at
/// most once per shape per `minimumInterval`. Advice is replaced when a shape is explained
/// again, and dropped when its plan no longer needs an index (so adding the index clears it).
public final class QueryPlanReview: Sendable {
    public struct Configuration: Sendable {
        /// Explain shapes with a run at least this slow…
        public var slowNanoseconds: UInt64 = 5_000_000
        /// …or run at least this many times in one request.
        public var hotCount = 5
        /// Each shape is explained at most once per interval.
        public var minimumInterval: Duration = .seconds(60)
        /// Finished requests waiting to be looked at; more are dropped.
        public var queueCapacity = 64
        /// Shapes whose advice is kept.
        public var maximumAdvice = 256

        public init() {}
    }

    private let advisor: any QueryPlanAdvisor
    /// The advisor's name, for the report's manifest.
    public var advisorName: String { advisor.name }
    private let configuration: Configuration
    private let interval: UInt64
    private let state = Mutex(State())

    private struct State {
        var lastExplained: [String: UInt64] = [:]
        var advice: [String: IndexAdvice] = [:]
    }

    /// Finished requests' queries waiting to be looked at.
    private let queue: SerialDrain<[Statement]>

    /// A statement run, as the review needs it.
    struct Statement: Sendable {
        var sql: String
        var durationNanoseconds: UInt64
    }

    public init(advisor: any QueryPlanAdvisor, configuration: Configuration = Configuration()) {
        self.advisor = advisor
        self.configuration = configuration
        self.queue = SerialDrain(capacity: configuration.queueCapacity)
        self.interval = UInt64(max(configuration.minimumInterval.nanosecondsValue, 0))
    }

    /// Queues a finished request's queries; returns at once.
    public func submit(_ request: CompletedRequest) {
        // Cut statements cannot be explained; failed ones say nothing about a plan.
        let queries = request.events.compactMap { event -> Statement? in
            guard let query = event.query, !query.failed, !query.sqlTruncated else { return nil }
            return Statement(sql: query.sql, durationNanoseconds: event.durationNanoseconds)
        }
        guard !queries.isEmpty else { return }
        if queue.submit(queries) {
            Task.detached(priority: .background) { await self.drain() }
        }
    }

    /// Advice by statement shape, as of now.
    public var advice: [String: IndexAdvice] { state.withLock { $0.advice } }

    /// Requests dropped because the queue was full.
    public var droppedRequests: Int { queue.dropped }

    /// Returns once every request submitted so far has been looked at (for tests and for a
    /// report that wants the freshest advice).
    public func idle() async {
        await queue.idle()
    }

    private func drain() async {
        while let batch = queue.takeBatch() {
            for queries in batch {
                for (fingerprint, sql) in candidates(in: queries) where claim(fingerprint) {
                    let found = await advisor.indexAdvice(forSQL: sql)
                    store(found, for: fingerprint)
                }
            }
        }
    }

    /// Shapes with a slow run or many runs, each with one real statement to explain.
    func candidates(in queries: [Statement]) -> [(String, String)] {
        var groups: [String: (sql: String, count: Int, slow: Bool)] = [:]
        for query in queries {
            let fingerprint = SQLFingerprint(query.sql).text
            var entry = groups[fingerprint] ?? (query.sql, 0, false)
            entry.count += 1
            entry.slow = entry.slow || query.durationNanoseconds >= configuration.slowNanoseconds
            groups[fingerprint] = entry
        }
        return groups.compactMap { fingerprint, entry in
            entry.slow || entry.count >= configuration.hotCount ? (fingerprint, entry.sql) : nil
        }
    }

    private func claim(_ fingerprint: String) -> Bool {
        let now = MonotonicClock.now()
        return state.withLock { state in
            if let last = state.lastExplained[fingerprint], now &- last < interval { return false }
            if state.lastExplained.count >= configuration.maximumAdvice * 4 { state.lastExplained = [:] }
            state.lastExplained[fingerprint] = now
            return true
        }
    }

    private func store(_ found: IndexAdvice?, for fingerprint: String) {
        state.withLock { state in
            if let found {
                guard state.advice[fingerprint] != nil || state.advice.count < configuration.maximumAdvice else { return }
                state.advice[fingerprint] = found
            } else {
                state.advice[fingerprint] = nil
            }
        }
    }
}
