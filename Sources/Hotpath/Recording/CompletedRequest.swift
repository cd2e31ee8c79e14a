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
}
