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
    private let configuration: Configuration
    private let interval: UInt64
    private let state = Mutex(State())

    private struct State {
        var queue: [[RequestEvent]] = []
        var draining = false
        var lastExplained: [String: UInt64] = [:]
        var advice: [String: IndexAdvice] = [:]
        var waiters: [CheckedContinuation<Void, Never>] = []
        var dropped = 0
    }

    public init(advisor: any QueryPlanAdvisor, configuration: Configuration = Configuration()) {
        self.advisor = advisor
        self.configuration = configuration
        self.interval = UInt64(max(configuration.minimumInterval.nanosecondsValue, 0))
    }

    /// Queues a finished request's queries; returns at once.
    public func submit(_ request: CompletedRequest) {
        let queries = request.events.filter { $0.kind == .database }
        guard !queries.isEmpty else { return }
        let start = state.withLock { state -> Bool in
            guard state.queue.count < configuration.queueCapacity else {
                state.dropped += 1
                return false
            }
            state.queue.append(queries)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        if start {
            Task.detached(priority: .background) { await self.drain() }
        }
    }

    /// Advice by statement shape, as of now.
    public var advice: [String: IndexAdvice] { state.withLock { $0.advice } }

    /// Requests dropped because the queue was full.
    public var droppedRequests: Int { state.withLock { $0.dropped } }

    /// Returns once every request submitted so far has been looked at (for tests and for a
    /// report that wants the freshest advice).
    public func idle() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if !state.draining { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state -> [[RequestEvent]]? in
                guard !state.queue.isEmpty else {
                    state.draining = false
                    for waiter in state.waiters { waiter.resume() }
                    state.waiters = []
                    return nil
                }
                defer { state.queue = [] }
                return state.queue
            }
            guard let batch else { return }
            for queries in batch {
                for (fingerprint, sql) in candidates(in: queries) where claim(fingerprint) {
                    let found = await advisor.indexAdvice(forSQL: sql)
                    store(found, for: fingerprint)
                }
            }
        }
    }

    /// Shapes with a slow run or many runs, each with one real statement to explain.
    func candidates(in queries: [RequestEvent]) -> [(String, String)] {
        var groups: [String: (sql: String, count: Int, slow: Bool)] = [:]
        for query in queries where query.attributes?[QueryAttributes.failed] == nil {
            let fingerprint = SQLFingerprint(query.name).text
            var entry = groups[fingerprint] ?? (query.name, 0, false)
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
