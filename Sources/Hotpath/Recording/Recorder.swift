import CHotpathStacks
import Synchronization

/// Keeps what Hotpath learns about every request, in memory bounded by its configuration
/// however long the server runs.
///
/// Per route (method and matched pattern): counts by status class, an HdrHistogram of
/// latency, time in database / HTTP / app, queries per request, and the slowest few
/// requests with their events. Across routes: a ring of the most recent requests.
///
/// ```swift
/// let recorder = Recorder(configuration: .init(budget: try Budget(parsing: "p95<200ms")))
/// let request = recorder.begin(method: "GET", path: "/orders/42")
/// let response = try await ActiveRequest.$current.withValue(request) { try await handler() }
/// recorder.finish(request, route: "/orders/{id}", status: 200)
/// ```
///
/// Framework middleware (`HotpathHummingbird`, `HotpathVapor`) does exactly this.
public final class Recorder: Sendable {
    public struct Configuration: Sendable {
        /// Most recent requests kept with their events, across all routes.
        public var recentRequests: Int
        /// Slowest requests kept per route, as examples of what makes it slow.
        public var slowestPerRoute: Int
        /// Events kept per request; more are counted, not kept.
        public var maximumEventsPerRequest: Int
        /// Distinct routes tracked; later ones are pooled as "(other routes)".
        public var maximumRoutes: Int
        /// The latency budget each route is judged against.
        public var budget: Budget
        /// Thresholds of the database detectors run over each route's slowest requests.
        public var queryThresholds: QueryThresholds
        /// Explains slow and hot statement shapes off the request path (e.g. `HotpathSQL`'s
        /// `SQLiteExplainAdvisor`, `HotpathPostgres`' `PostgresExplainAdvisor`); its advice
        /// becomes `missing-index` findings. Nil: no EXPLAIN is ever run.
        public var planAdvisor: (any QueryPlanAdvisor)?
        /// Which shapes are explained, and how often.
        public var planReview: QueryPlanReview.Configuration
        /// Thresholds of the outbound-call detectors (sequential and repeated calls), and the
        /// bounds of the across-requests repeated-GET counter.
        public var httpThresholds: HTTPCallThresholds

        /// Memory is bounded by about `maximumRoutes` × 190 KB of histograms plus
        /// (`recentRequests` + `maximumRoutes` × `slowestPerRoute`) requests of at most
        /// `maximumEventsPerRequest` events of at most 1 KB each, plus
        /// `httpThresholds.acrossRequestsMaximumURLs` repeated-GET counters of about 200 bytes.
        public init(
            recentRequests: Int = 100,
            slowestPerRoute: Int = 5,
            maximumEventsPerRequest: Int = 200,
            maximumRoutes: Int = 100,
            budget: Budget = .methodDefault,
            queryThresholds: QueryThresholds = QueryThresholds(),
            planAdvisor: (any QueryPlanAdvisor)? = nil,
            planReview: QueryPlanReview.Configuration = QueryPlanReview.Configuration(),
            httpThresholds: HTTPCallThresholds = HTTPCallThresholds()
        ) {
            self.queryThresholds = queryThresholds
            self.planAdvisor = planAdvisor
            self.planReview = planReview
            self.httpThresholds = httpThresholds
            self.recentRequests = max(0, recentRequests)
            self.slowestPerRoute = max(0, slowestPerRoute)
            self.maximumEventsPerRequest = max(0, maximumEventsPerRequest)
            self.maximumRoutes = max(1, maximumRoutes)
            self.budget = budget
        }
    }

    public let configuration: Configuration
    /// The EXPLAIN queue, when a plan advisor is configured.
    public let planReview: QueryPlanReview?
    let startedAt: UInt64
    private let store: Mutex<Store>
    private let tracksInFlight = Atomic<Bool>(false)
    private let inFlight = Mutex<[ObjectIdentifier: ActiveRequest]>([:])
    /// Stalls the watchdog saw on a thread without knowing the request: the request that
    /// finishes on that thread next, having started before the stall, claims it.
    private let unclaimedStalls = Mutex<[Int32: UnclaimedStall]>([:])

    struct UnclaimedStall {
        var start: UInt64
        var end: UInt64
        var name: String
        var callSite: String?
        var attributes: [String: String]?
    }

    struct Store {
        var routes: [RouteKey: RouteAggregate] = [:]
        var routeOrder: [RouteKey] = []
        var recent: [CompletedRequest] = []
        var recentNext = 0
        var nextID: UInt64 = 1
        var repeatedGets: RepeatedGetTracker
    }

    static let otherRoutes = "(other routes)"

    /// Method and route pattern, hashed as they are (no string built per request).
    struct RouteKey: Hashable {
        var method: String
        var route: String
    }

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.planReview = configuration.planAdvisor.map { QueryPlanReview(advisor: $0, configuration: configuration.planReview) }
        self.startedAt = MonotonicClock.now()
        self.store = Mutex(Self.emptyStore(configuration))
    }

    private static func emptyStore(_ configuration: Configuration) -> Store {
        Store(repeatedGets: RepeatedGetTracker(
            capacity: configuration.httpThresholds.acrossRequestsMaximumURLs,
            windowSeconds: configuration.httpThresholds.acrossRequestsWindowSeconds
        ))
    }

    /// Starts recording a request; bind the result to ``ActiveRequest/current`` while serving it.
    public func begin(method: String, path: String) -> ActiveRequest {
        let request = ActiveRequest(method: method, path: path, maximumEvents: configuration.maximumEventsPerRequest)
        if tracksInFlight.load(ordering: .relaxed) {
            inFlight.withLock { $0[ObjectIdentifier(request)] = request }
        }
        return request
    }

    /// Keeps a set of the requests being served (two lock operations per request), for the
    /// watchdog, which attributes a stalled thread to the request running on it.
    public func trackRequestsInFlight() {
        tracksInFlight.store(true, ordering: .relaxed)
    }

    /// Requests being served whose last known thread is `thread` (needs ``trackRequestsInFlight()``).
    /// Every request in flight (with ``trackRequestsInFlight()``).
    public func requestsInFlight() -> [ActiveRequest] {
        inFlight.withLock { Array($0.values) }
    }

    public func requestsInFlight(onThread thread: Int32) -> [ActiveRequest] {
        inFlight.withLock { $0.values.filter { $0.thread == thread } }
    }

    /// Notes (or, called again, extends) a stall on `thread` that no in-flight request could be
    /// matched to: a request that blocked after moving to that thread. The request that
    /// finishes on `thread` next, having started before the stall, gets it as an event.
    public func noteUnclaimedStall(
        thread: Int32, from start: UInt64, to end: UInt64, name: String, callSite: String?, attributes: [String: String]?
    ) {
        unclaimedStalls.withLock { stalls in
            if stalls.count > 256 { stalls = [:] }
            stalls[thread] = UnclaimedStall(start: start, end: end, name: name, callSite: callSite, attributes: attributes)
        }
    }

    private func claimStall(for request: ActiveRequest) {
        let thread = hotpath_thread_id()
        let stall = unclaimedStalls.withLock { stalls -> UnclaimedStall? in
            guard let stall = stalls[thread], stall.start >= request.startedAt else { return nil }
            stalls[thread] = nil
            return stall
        }
        guard let stall else { return }
        request.record(.stall, stall.name, from: stall.start, to: max(stall.end, stall.start), callSite: stall.callSite, attributes: stall.attributes)
    }

    /// The request being served by Swift task `task` (a runtime task pointer), if any.
    public func requestInFlight(task: UInt) -> ActiveRequest? {
        guard task != 0 else { return nil }
        return inFlight.withLock { $0.values.first { $0.task == task } }
    }

    /// Ends a request: folds it into its route and the recent ring. Returns what was kept.
    @discardableResult
    public func finish(_ request: ActiveRequest, route: String, status: Int, at end: UInt64 = MonotonicClock.now()) -> CompletedRequest {
        finish(request, route: route, status: status, timing: request.timing(now: end))
    }

    /// Ends a request whose timing was already taken (for the `Server-Timing` header).
    @discardableResult
    public func finish(_ request: ActiveRequest, route: String, status: Int, timing: RequestTiming) -> CompletedRequest {
        if tracksInFlight.load(ordering: .relaxed) {
            _ = inFlight.withLock { $0.removeValue(forKey: ObjectIdentifier(request)) }
            claimStall(for: request)
        }
        let (events, dropped) = request.eventsAndDropped
        let completed = store.withLock { store in
            let completed = CompletedRequest(
                id: store.nextID,
                method: request.method,
                path: request.path,
                route: route,
                status: status,
                startedAt: request.startedAtWallClock,
                timing: timing,
                events: events,
                droppedEvents: dropped,
                response: request.response
            )
            store.nextID &+= 1
            let aggregate: RouteAggregate
            if let existing = store.routes[RouteKey(method: request.method, route: route)] {
                aggregate = existing
            } else {
                let full = store.routes.count >= configuration.maximumRoutes
                let key = full ? RouteKey(method: "*", route: Self.otherRoutes) : RouteKey(method: request.method, route: route)
                if let pooled = store.routes[key] {
                    aggregate = pooled
                } else {
                    aggregate = RouteAggregate(method: key.method, route: key.route, index: store.routeOrder.count)
                    store.routes[key] = aggregate
                    store.routeOrder.append(key)
                }
            }
            aggregate.add(completed, slowestKept: configuration.slowestPerRoute)
            if completed.timing.httpCallCount > 0 {
                Self.countRepeatedGets(completed, route: aggregate.index, end: request.startedAt &+ timing.totalNanoseconds, into: &store.repeatedGets)
            }
            if configuration.recentRequests > 0 {
                if store.recent.count < configuration.recentRequests {
                    store.recent.append(completed)
                } else {
                    store.recent[store.recentNext] = completed
                }
                store.recentNext = (store.recentNext + 1) % configuration.recentRequests
            }
            return completed
        }
        if let planReview, completed.timing.queryCount > 0 { planReview.submit(completed) }
        return completed
    }

    /// Feeds the request's GETs to the across-requests counter (still under the lock).
    private static func countRepeatedGets(_ request: CompletedRequest, route: Int, end: UInt64, into tracker: inout RepeatedGetTracker) {
        for event in request.events where event.kind == .http {
            guard let attributes = event.attributes, attributes[HTTPCallAttributes.method] == "GET",
                let url = attributes[HTTPCallAttributes.urlHash]
            else { continue }
            tracker.add(
                route: route, url: url, name: event.name, callSite: event.callSite,
                duration: event.durationNanoseconds, request: request.id, at: end
            )
        }
    }

    /// Forgets everything recorded so far.
    public func reset() {
        store.withLock { $0 = Self.emptyStore(configuration) }
    }

    /// A snapshot of everything kept, ready to render as JSON or HTML.
    public func report(now: UInt64 = MonotonicClock.now()) -> RecorderReport {
        let (routes, recent, acrossRequests) = store.withLock { store in
            let routes = store.routeOrder.compactMap { store.routes[$0]?.snapshot() }
            let acrossRequests = routes.map {
                store.repeatedGets.findings(route: $0.index, now: now, thresholds: configuration.httpThresholds)
            }
            // Oldest first: the ring's next slot holds the oldest once it is full.
            let recent = store.recent.count < configuration.recentRequests
                ? store.recent
                : Array(store.recent[store.recentNext...] + store.recent[..<store.recentNext])
            return (routes, recent, acrossRequests)
        }
        let uptime = Double(now &- startedAt) / 1e9
        let advice = planReview?.advice ?? [:]
        return RecorderReport(
            uptimeSeconds: uptime,
            budget: configuration.budget,
            routes: zip(routes, acrossRequests).map { aggregate, acrossRequests in
                RouteReport(
                    aggregate, budget: configuration.budget, uptimeSeconds: uptime,
                    queryThresholds: configuration.queryThresholds, httpThresholds: configuration.httpThresholds,
                    acrossRequests: acrossRequests, advice: advice
                )
            },
            recent: recent.reversed()
        )
    }
}
