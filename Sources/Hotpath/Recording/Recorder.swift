import Synchronization

/// Keeps what Hotpath learns about every request, in memory bounded by its configuration
/// however long the server runs.
///
/// Per route (method and matched pattern): counts by status class, an HdrHistogram of
/// latency, time in database / calls / app, queries per request, and the slowest few
/// requests with their events. Across routes: a ring of the most recent requests, and which
/// captures are installed (``InstrumentationManifest``).
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
        /// The detectors run over each route's requests.
        public var detectors: Detectors
        /// Thresholds of the database detectors.
        public var queryThresholds: QueryThresholds
        /// Explains slow and hot statement shapes off the request path (e.g. `HotpathSQL`'s
        /// `SQLiteExplainAdvisor`, `HotpathPostgres`' `PostgresExplainAdvisor`); its advice
        /// becomes `missing-index` findings. Nil: no EXPLAIN is ever run.
        public var planAdvisor: (any QueryPlanAdvisor)?
        /// Which shapes are explained, and how often.
        public var planReview: QueryPlanReview.Configuration
        /// Thresholds of the outbound-call detectors (sequential and repeated calls), and the
        /// bounds of the across-requests counter of repeated reads.
        public var httpThresholds: HTTPCallThresholds
        /// Thresholds of the stall findings.
        public var stallThresholds: StallThresholds
        /// `hotpath diagnose` windows kept (one per endpoint of a run, oldest dropped first).
        public var maximumWindows: Int
        /// Measured requests sampled per window, to judge how often a pattern recurs.
        public var windowSample: Int
        /// How often a pattern must recur in a window to be a finding there.
        public var recurrence: RecurrenceRule

        /// Memory is bounded by about `maximumRoutes` × 190 KB of histograms plus
        /// (`recentRequests` + `maximumRoutes` × (`slowestPerRoute` + 1)) requests of at most
        /// `maximumEventsPerRequest` events (with at most 128 KiB of SQL text per request),
        /// plus `httpThresholds.acrossRequestsMaximumURLs` repeated-read counters of about 300 bytes;
        /// requests that `hotpath diagnose` marks add at most `maximumWindows` × (`windowSample` +
        /// `slowestPerRoute` + 1) requests and 64 repeated-read counters per window.
        public init(
            recentRequests: Int = 100,
            slowestPerRoute: Int = 5,
            maximumEventsPerRequest: Int = 200,
            maximumRoutes: Int = 100,
            budget: Budget = .methodDefault,
            detectors: Detectors = .standard,
            queryThresholds: QueryThresholds = QueryThresholds(),
            planAdvisor: (any QueryPlanAdvisor)? = nil,
            planReview: QueryPlanReview.Configuration = QueryPlanReview.Configuration(),
            httpThresholds: HTTPCallThresholds = HTTPCallThresholds(),
            stallThresholds: StallThresholds = StallThresholds(),
            maximumWindows: Int = 32,
            windowSample: Int = 48,
            recurrence: RecurrenceRule = RecurrenceRule()
        ) {
            self.maximumWindows = max(0, maximumWindows)
            self.windowSample = max(1, windowSample)
            self.recurrence = recurrence
            self.detectors = detectors
            self.queryThresholds = queryThresholds
            self.planAdvisor = planAdvisor
            self.planReview = planReview
            self.httpThresholds = httpThresholds
            self.stallThresholds = stallThresholds
            self.recentRequests = max(0, recentRequests)
            self.slowestPerRoute = max(0, slowestPerRoute)
            self.maximumEventsPerRequest = max(0, maximumEventsPerRequest)
            self.maximumRoutes = max(1, maximumRoutes)
            self.budget = budget
        }
    }

    public let configuration: Configuration
    /// The EXPLAIN queue, when a plan advisor is configured or attached.
    public var planReview: QueryPlanReview? { configuredReview ?? attachedReview.load() }
    private let configuredReview: QueryPlanReview?
    private let attachedReview = AtomicLazyReference<QueryPlanReview>()
    let startedAt: UInt64
    private let store: Mutex<Store>
    private let shapes = ShapeCache()
    private let hasObservers = Atomic<Bool>(false)
    private let observers = Mutex<[any RequestObserver]>([])
    private let declared = Mutex<Set<Instrument>>([])

    struct Store {
        var routes: [RouteKey: RouteAggregate] = [:]
        var routeOrder: [RouteKey] = []
        var recent: [CompletedRequest] = []
        var recentNext = 0
        var nextID: UInt64 = 1
        var repeatedReads: RepeatedReadCounter
        var windows: MeasuredWindows
        var totals = KindTotals()
    }

    /// Events recorded over the recorder's life, by kind: proof a capture is installed.
    struct KindTotals {
        var queries: UInt64 = 0
        var calls: UInt64 = 0
        var stalls: UInt64 = 0
    }

    static let otherRoutes = "(other routes)"

    /// Method and route pattern, hashed as they are (no string built per request).
    struct RouteKey: Hashable {
        var method: String
        var route: String
    }

    /// Gives the recorder a plan advisor after it was made: for adapters that open the
    /// advisor's connection themselves, later (HotpathFluent's `explain: true`). The first one
    /// attached stays; false when the recorder already has one.
    ///
    /// ```swift
    /// recorder.attach(planAdvisor: SQLiteExplainAdvisor(database: ownConnection.sql()))
    /// ```
    @discardableResult
    public func attach(planAdvisor: any QueryPlanAdvisor) -> Bool {
        guard configuredReview == nil, attachedReview.load() == nil else { return false }
        let review = QueryPlanReview(advisor: planAdvisor, configuration: configuration.planReview)
        return attachedReview.storeIfNil(review) === review
    }

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.configuredReview = configuration.planAdvisor.map { QueryPlanReview(advisor: $0, configuration: configuration.planReview) }
        self.startedAt = MonotonicClock.now()
        self.store = Mutex(Self.emptyStore(configuration))
    }

    private static func emptyStore(_ configuration: Configuration) -> Store {
        Store(
            repeatedReads: RepeatedReadCounter(
                capacity: configuration.httpThresholds.acrossRequestsMaximumURLs,
                windowSeconds: configuration.httpThresholds.acrossRequestsWindowSeconds
            ),
            // A window's reads count over the whole window, however long the run takes to read them.
            windows: MeasuredWindows(
                maximumWindows: configuration.maximumWindows, sampleSize: configuration.windowSample,
                readsCapacity: min(64, configuration.httpThresholds.acrossRequestsMaximumURLs), readsWindowSeconds: 3_600
            )
        )
    }

    /// Notes that a capture is installed (it shows in the report's ``InstrumentationManifest``
    /// before it recorded anything).
    public func declare(_ instrument: Instrument) {
        declared.withLock { _ = $0.insert(instrument) }
    }

    /// Tells `observer` of every request's begin and finish from now on (the watchdog does).
    public func addObserver(_ observer: any RequestObserver) {
        observers.withLock { $0.append(observer) }
        hasObservers.store(true, ordering: .releasing)
    }

    /// Starts recording a request; bind the result to ``ActiveRequest/current`` while serving it.
    /// - Parameters:
    ///   - target: a hash of the path and query as asked (``ActiveRequest/inboundTarget(path:query:)``).
    ///   - marker: the `hotpath diagnose` run that sent it, from its `X-Hotpath-Run` header.
    public func begin(method: String, path: String, target: UInt64? = nil, marker: RunMarker? = nil) -> ActiveRequest {
        let request = ActiveRequest(
            method: method, path: path, target: target, maximumEvents: configuration.maximumEventsPerRequest, marker: marker
        )
        // Only diagnose's own requests take the lock here: they are counted in flight.
        if let marker { store.withLock { $0.windows.began(marker) } }
        if hasObservers.load(ordering: .acquiring) {
            for observer in observers.withLock({ $0 }) { observer.requestBegan(request) }
        }
        return request
    }

    /// Ends a request: folds it into its route and the recent ring. Returns what was kept.
    @discardableResult
    public func finish(_ request: ActiveRequest, route: String, status: Int, at end: UInt64 = MonotonicClock.now()) -> CompletedRequest {
        finish(request, route: route, status: status, timing: request.timing(now: end))
    }

    /// Ends a request whose timing was already taken (for the `Server-Timing` header).
    @discardableResult
    public func finish(_ request: ActiveRequest, route: String, status: Int, timing: RequestTiming) -> CompletedRequest {
        if hasObservers.load(ordering: .acquiring) {
            for observer in observers.withLock({ $0 }) { observer.requestWillFinish(request) }
        }
        let (events, dropped, response, stalls) = request.finished
        let completed = store.withLock { store in
            let completed = CompletedRequest(
                id: store.nextID, method: request.method, path: request.path, route: route, status: status,
                startedAt: request.startedAtWallClock, timing: timing, events: events, droppedEvents: dropped,
                response: response, marker: request.marker, target: request.target
            )
            store.nextID &+= 1
            let aggregate = Self.aggregate(for: request.method, route: route, in: &store, maximumRoutes: configuration.maximumRoutes)
            aggregate.add(completed, slowestKept: configuration.slowestPerRoute)
            store.totals.queries &+= UInt64(timing.queryCount)
            store.totals.calls &+= UInt64(timing.httpCallCount)
            if timing.httpCallCount > 0 {
                Self.countRepeatedReads(completed, route: aggregate.index, end: request.startedAt &+ timing.totalNanoseconds, into: &store.repeatedReads)
            }
            store.totals.stalls &+= UInt64(stalls)
            if let marker = request.marker {
                store.windows.finished(completed, marker: marker, startedAt: request.startedAt, slowestKept: configuration.slowestPerRoute) { counter, request, end in
                    Self.countRepeatedReads(request, route: 0, end: end, into: &counter)
                }
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

    private static func aggregate(for method: String, route: String, in store: inout Store, maximumRoutes: Int) -> RouteAggregate {
        if let existing = store.routes[RouteKey(method: method, route: route)] { return existing }
        let full = store.routes.count >= maximumRoutes
        let key = full ? RouteKey(method: "*", route: Self.otherRoutes) : RouteKey(method: method, route: route)
        if let pooled = store.routes[key] { return pooled }
        let aggregate = RouteAggregate(method: key.method, route: key.route, index: store.routeOrder.count)
        store.routes[key] = aggregate
        store.routeOrder.append(key)
        return aggregate
    }

    /// Feeds the request's reads to the across-requests counter (still under the lock).
    private static func countRepeatedReads(_ request: CompletedRequest, route: Int, end: UInt64, into counter: inout RepeatedReadCounter) {
        for event in request.events {
            guard let call = event.call, call.isRead, let target = call.target else { continue }
            counter.add(
                route: route, target: target, call: call.label, callSite: event.callSite, duration: event.durationNanoseconds,
                request: request.id, inbound: request.target, at: end
            )
        }
    }

    /// Forgets everything recorded so far (not what was declared).
    public func reset() {
        store.withLock { $0 = Self.emptyStore(configuration) }
    }

    /// What detectors are given: the configured thresholds and the EXPLAIN advice known now.
    public var detectionContext: DetectionContext {
        DetectionContext(
            queryThresholds: configuration.queryThresholds, callThresholds: configuration.httpThresholds,
            stallThresholds: configuration.stallThresholds, advice: planReview?.advice ?? [:], shapes: shapes
        )
    }

    /// A snapshot of everything kept, ready to render as JSON or HTML.
    /// - Parameter run: a `hotpath diagnose` run whose windows the report should hold.
    public func report(now: UInt64 = MonotonicClock.now(), run: String? = nil) -> RecorderReport {
        let (routes, recent, reads, totals, windows) = store.withLock { store in
            let routes = store.routeOrder.compactMap { store.routes[$0]?.snapshot() }
            let reads = routes.map { store.repeatedReads.reads(route: $0.index, now: now) }
            // Oldest first: the ring's next slot holds the oldest once it is full.
            let recent = store.recent.count < configuration.recentRequests
                ? store.recent
                : Array(store.recent[store.recentNext...] + store.recent[..<store.recentNext])
            return (routes, recent, reads, store.totals, run.map { store.windows.snapshot(run: $0, now: now) })
        }
        let uptime = Double(now &- startedAt) / 1e9
        let context = detectionContext
        return RecorderReport(
            uptimeSeconds: uptime,
            budget: configuration.budget,
            manifest: manifest(totals),
            routes: zip(routes, reads).map { aggregate, reads in
                RouteReport(aggregate, budget: configuration.budget, uptimeSeconds: uptime, detectors: configuration.detectors, context: context, reads: reads)
            },
            recent: recent.reversed(),
            windows: windows?.map { window(report: $0, context: context) }
        )
    }

    private func window(report window: MeasuredWindows.Snapshot, context: DetectionContext) -> WindowReport {
        WindowReport(
            run: window.key.run, endpoint: window.key.endpoint, inFlight: window.inFlight,
            requests: window.aggregate.map { aggregate in
                RouteReport(
                    aggregate, budget: configuration.budget, uptimeSeconds: window.seconds, detectors: configuration.detectors, context: context,
                    reads: window.reads, recurrence: (configuration.recurrence, window.sample)
                )
            }
        )
    }

    private func manifest(_ totals: KindTotals) -> InstrumentationManifest {
        let declared = self.declared.withLock { $0 }
        var queryAdapters: [String] = []
        var callAdapters: [String] = []
        var threshold: Duration?
        var profiler = false
        for instrument in declared {
            switch instrument {
            case .queries(let adapter): queryAdapters.append(adapter)
            case .calls(let adapter): callAdapters.append(adapter)
            case .watchdog(let value): threshold = value
            case .profiler: profiler = true
            }
        }
        return InstrumentationManifest(
            queries: .init(installed: !queryAdapters.isEmpty || totals.queries > 0, adapters: queryAdapters.sorted(), recorded: totals.queries),
            calls: .init(installed: !callAdapters.isEmpty || totals.calls > 0, adapters: callAdapters.sorted(), recorded: totals.calls),
            stalls: .init(installed: threshold != nil || totals.stalls > 0, adapters: threshold == nil ? [] : ["HotpathWatchdog"], recorded: totals.stalls),
            stallThresholdMilliseconds: threshold.map { $0.nanosecondsValue / 1e6 },
            explainAdvisor: planReview?.advisorName,
            profiler: profiler
        )
    }
}
