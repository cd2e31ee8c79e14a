/// A finished request as the recorder keeps it: what was asked, what came back, where the
/// time went, and its events.
public struct CompletedRequest: Sendable, Codable, Equatable {
    /// Increasing number, unique within one recorder.
    public var id: UInt64
    public var method: String
    /// The raw path as requested (without the query string).
    public var path: String
    /// The matched route pattern (`/orders/{id}`), or "NotFound".
    public var route: String
    public var status: Int
    /// Seconds since 1970.
    public var startedAt: Double
    public var timing: RequestTiming
    public var events: [RequestEvent]
    /// Events past the per-request cap: counted in `timing`, not kept.
    public var droppedEvents: Int
    /// Size and encoding of a large response body; nil for small ones.
    public var response: ResponseFacts?
    /// The `hotpath diagnose` run, endpoint and phase that sent it, if one did.
    public var marker: RunMarker?
    /// A hash of the path and query as asked (values never kept).
    public var target: UInt64

    public init(
        id: UInt64, method: String, path: String, route: String, status: Int, startedAt: Double, timing: RequestTiming,
        events: [RequestEvent], droppedEvents: Int = 0, response: ResponseFacts? = nil, marker: RunMarker? = nil, target: UInt64? = nil
    ) {
        self.target = target ?? ActiveRequest.inboundTarget(path: path, query: nil)
        self.id = id
        self.method = method
        self.path = path
        self.route = route
        self.status = status
        self.startedAt = startedAt
        self.timing = timing
        self.events = events
        self.droppedEvents = droppedEvents
        self.response = response
        self.marker = marker
    }

    /// The queries among its events, in order.
    public var queries: [(event: RequestEvent, query: QueryDetail)] {
        events.compactMap { event in event.query.map { (event, $0) } }
    }

    /// The outbound calls among its events, in order.
    public var calls: [(event: RequestEvent, call: CallDetail)] {
        events.compactMap { event in event.call.map { (event, $0) } }
    }
}
