import Synchronization

/// The request being served, which any code running for it can add events to.
///
/// The middleware makes one per request and binds it to ``current`` for the handler's task;
/// child tasks (`async let`, task groups, `Task {}`) inherit it, so a query run three calls
/// deep in a child task still lands on the right request:
///
/// ```swift
/// let start = MonotonicClock.now()
/// let rows = try await db.query(sql)
/// ActiveRequest.current?.recordQuery(QueryDetail(sql: sql, rows: rows.count), from: start, to: MonotonicClock.now())
/// ```
///
/// Recording takes an uncontended lock owned by this request only (child tasks may record
/// concurrently), and stops keeping events past the configured cap while still counting them.
public final class ActiveRequest: Sendable {
    /// The request the current task is serving, if any.
    @TaskLocal public static var current: ActiveRequest?

    public let method: String
    public let path: String
    /// Monotonic start time (``MonotonicClock``), nanoseconds.
    public let startedAt: UInt64
    /// Wall-clock start, seconds since 1970, for display.
    public var startedAtWallClock: Double { WallClock.seconds(atMonotonic: startedAt) }
    /// The diagnose run and endpoint this request belongs to, when `hotpath diagnose` sent it.
    public let marker: RunMarker?
    /// A hash of the inbound path and query: which requests asked the same thing.
    public let target: UInt64
    let maximumEvents: Int
    private let state: Mutex<State>

    struct State {
        var events: [RequestEvent] = []
        // Four counters rather than an array: no allocation for a request with no events.
        var counts = KindCounts()
        var droppedEvents = 0
        var droppedQueryNanoseconds: UInt64 = 0
        var droppedCallNanoseconds: UInt64 = 0
        /// Bytes of SQL text kept so far (``maximumSQLBytesPerRequest`` bounds it).
        var sqlBytes = 0
        var response: ResponseFacts?
    }

    /// The hash a request's target gets: path and query (values included, never kept).
    public static func inboundTarget(path: String, query: String?) -> UInt64 {
        var hash = FNV1a()
        hash.mix(path)
        hash.separate()
        if let query { hash.mix(query) }
        return hash.value
    }

    /// SQL text kept per request; statements past it keep their first ``clippedSQLBytes``.
    public static let maximumSQLBytesPerRequest = 128 * 1024
    public static let clippedSQLBytes = 512

    /// - Parameter target: a hash of the path and query as asked (``inboundTarget(path:query:)``);
    ///   the path's when not given.
    public init(
        method: String, path: String, target: UInt64? = nil, maximumEvents: Int = 200, startedAt: UInt64 = MonotonicClock.now(),
        marker: RunMarker? = nil
    ) {
        self.method = method
        self.path = path
        self.target = target ?? Self.inboundTarget(path: path, query: nil)
        self.startedAt = startedAt
        self.maximumEvents = maximumEvents
        self.marker = marker
        self.state = Mutex(State())
    }

    /// Adds an event that ran from `start` to `end` (``MonotonicClock`` nanoseconds).
    public func record(_ detail: EventDetail, from start: UInt64, to end: UInt64, callSite: CallSite? = nil) {
        _ = append(event(detail, from: start, to: end, callSite: callSite))
    }

    /// Adds a ready-made event (its start is relative to this request's start).
    public func record(_ event: RequestEvent) {
        _ = append(event)
    }

    /// Adds an event that is still going on (a stall the watchdog is watching); its end moves
    /// with ``extendEvent(_:to:detail:)`` until the request finishes. Nil when it was not kept.
    public func recordOngoing(_ detail: EventDetail, from start: UInt64, to end: UInt64, callSite: CallSite? = nil) -> Int? {
        append(event(detail, from: start, to: end, callSite: callSite))
    }

    /// Moves the end of an event added with ``recordOngoing(_:from:to:callSite:)``, and replaces
    /// its facts when given (a stall's CPU time grows).
    public func extendEvent(_ index: Int, to end: UInt64, detail: EventDetail? = nil) {
        state.withLock { state in
            guard state.events.indices.contains(index) else { return }
            let start = startedAt &+ state.events[index].startNanoseconds
            state.events[index].durationNanoseconds = end >= start ? end &- start : 0
            if let detail { state.events[index].detail = detail }
        }
    }

    private func event(_ detail: EventDetail, from start: UInt64, to end: UInt64, callSite: CallSite?) -> RequestEvent {
        RequestEvent(
            start: start >= startedAt ? start &- startedAt : 0, duration: end >= start ? end &- start : 0,
            callSite: callSite, detail: detail
        )
    }

    private func append(_ event: RequestEvent) -> Int? {
        state.withLock { state -> Int? in
            state.counts.add(event.kind)
            guard state.events.count < maximumEvents else {
                state.droppedEvents += 1
                switch event.kind {
                case .query: state.droppedQueryNanoseconds &+= event.durationNanoseconds
                case .call: state.droppedCallNanoseconds &+= event.durationNanoseconds
                case .stall, .span: break
                }
                return nil
            }
            var kept = event
            if case .query(var query) = event.detail {
                // Whole statements up to a budget per request: one request must not keep megabytes.
                let bytes = query.sql.utf8.count
                if state.sqlBytes &+ bytes > Self.maximumSQLBytesPerRequest, bytes > Self.clippedSQLBytes {
                    query.sql = String(decoding: query.sql.utf8.prefix(Self.clippedSQLBytes), as: UTF8.self)
                    query.sqlTruncated = true
                    kept.detail = .query(query)
                }
                state.sqlBytes &+= query.sql.utf8.count
            }
            state.events.append(kept)
            return state.events.count - 1
        }
    }

    /// Notes the response's size and encoding (adapters call it for bodies of at least
    /// ``ResponseFacts/noteworthyBytes``).
    public func noteResponse(_ facts: ResponseFacts) {
        state.withLock { $0.response = facts }
    }

    /// The response noted with ``noteResponse(_:)``, if any.
    public var response: ResponseFacts? {
        state.withLock { $0.response }
    }

    /// Events so far, in the order they were recorded.
    public var events: [RequestEvent] {
        state.withLock { $0.events }
    }

    /// How many events of a kind were recorded, kept or not.
    public func count(of kind: RequestEvent.Kind) -> Int {
        state.withLock { $0.counts[kind] }
    }

    /// Where the time went up to `now`.
    public func timing(now: UInt64 = MonotonicClock.now()) -> RequestTiming {
        let total = now >= startedAt ? now &- startedAt : 0
        return state.withLock { state in
            RequestTiming(
                events: state.events,
                totalNanoseconds: total,
                queryCount: state.counts[.query],
                httpCallCount: state.counts[.call],
                droppedDatabaseNanoseconds: state.droppedQueryNanoseconds,
                droppedHTTPNanoseconds: state.droppedCallNanoseconds
            )
        }
    }

    /// Kept events, the number dropped, the response and the stalls seen, read together.
    var finished: (events: [RequestEvent], dropped: Int, response: ResponseFacts?, stalls: Int) {
        state.withLock { ($0.events, $0.droppedEvents, $0.response, $0.counts[.stall]) }
    }
}

extension ActiveRequest {
    /// Records one SQL statement run for this request.
    ///
    /// ```swift
    /// let start = MonotonicClock.now()
    /// let rows = try await db.query(sql, binds)
    /// ActiveRequest.current?.recordQuery(
    ///     QueryDetail(sql: sql, bindIdentity: BindIdentity(texts: binds.map { "\($0)" }), rows: rows.count),
    ///     from: start, to: MonotonicClock.now(), callSite: CallSite(fileID: #fileID, line: #line)
    /// )
    /// ```
    public func recordQuery(_ query: QueryDetail, from start: UInt64, to end: UInt64, callSite: CallSite? = nil) {
        record(.query(query), from: start, to: end, callSite: callSite)
    }

    /// Records one outbound call made for this request (URLSession, a Redis client, gRPC,
    /// anything awaited over the network):
    ///
    /// ```swift
    /// let start = MonotonicClock.now()
    /// let (data, response) = try await session.data(from: url)
    /// ActiveRequest.current?.recordCall(
    ///     CallDetail(method: "GET", url: url.absoluteString, status: (response as? HTTPURLResponse)?.statusCode,
    ///                responseBytes: data.count, responseTokens: HTTPTokenSet(scanning: data)),
    ///     from: start, to: MonotonicClock.now(), callSite: CallSite(fileID: #fileID, line: #line)
    /// )
    /// ```
    ///
    /// Without `responseTokens`, a later call that uses this one's result cannot be seen as
    /// dependent on it.
    public func recordCall(_ call: CallDetail, from start: UInt64, to end: UInt64, callSite: CallSite? = nil) {
        record(.call(call), from: start, to: end, callSite: callSite)
    }

    /// Records a span the app marked (a stopwatch lap, a block it measured).
    public func recordSpan(_ name: String, from start: UInt64, to end: UInt64, callSite: CallSite? = nil) {
        record(.span(SpanDetail(name: name)), from: start, to: end, callSite: callSite)
    }
}

struct KindCounts {
    private var query = 0
    private var call = 0
    private var stall = 0
    private var span = 0

    mutating func add(_ kind: RequestEvent.Kind) {
        switch kind {
        case .query: query += 1
        case .call: call += 1
        case .stall: stall += 1
        case .span: span += 1
        }
    }

    subscript(kind: RequestEvent.Kind) -> Int {
        switch kind {
        case .query: query
        case .call: call
        case .stall: stall
        case .span: span
        }
    }
}
