/// Something timed that happened while serving a request: a database query, an outbound call,
/// a stall of the thread, or a span the app marked itself, each with its facts as typed data.
///
/// Adapters (SQL, Fluent, HTTP client, tracing, watchdog, `Stopwatch`) produce these; detectors
/// read them without knowing which framework, driver or language made them.
///
/// ```swift
/// let event = RequestEvent(start: 1_000_000, duration: 2_000_000, detail: .query(QueryDetail(sql: "SELECT 1")))
/// event.kind          // .query
/// ```
public struct RequestEvent: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case query, call, stall, span
    }

    /// Nanoseconds from the start of the request to the start of this event.
    public var startNanoseconds: UInt64
    public var durationNanoseconds: UInt64
    /// Where in the app it came from, when known (or still being named).
    public var callSite: CallSite?
    public var detail: EventDetail

    public init(start: UInt64, duration: UInt64, callSite: CallSite? = nil, detail: EventDetail) {
        self.startNanoseconds = start
        self.durationNanoseconds = duration
        self.callSite = callSite
        self.detail = detail
    }

    public var kind: Kind { detail.kind }
    public var endNanoseconds: UInt64 { startNanoseconds &+ durationNanoseconds }

    /// The query, when this event is one.
    public var query: QueryDetail? { detail.query }
    /// The outbound call, when this event is one.
    public var call: CallDetail? { detail.call }
    /// The stall, when this event is one.
    public var stall: StallDetail? { detail.stall }

    /// A one-line label for displays (renderers clip it): the SQL text, `GET host/path`, a lap's name.
    public var label: String { detail.label }
}

/// The facts of one event, by kind.
public enum EventDetail: Sendable, Equatable, Codable {
    case query(QueryDetail)
    case call(CallDetail)
    case stall(StallDetail)
    case span(SpanDetail)

    public var kind: RequestEvent.Kind {
        switch self {
        case .query: .query
        case .call: .call
        case .stall: .stall
        case .span: .span
        }
    }

    public var label: String {
        switch self {
        case .query(let query): query.sql
        case .call(let call): call.label
        case .stall(let stall): stall.kind == .blocking ? "blocked thread" : "busy thread"
        case .span(let span): span.name
        }
    }

    /// The query, when this is one.
    public var query: QueryDetail? {
        guard case .query(let query) = self else { return nil }
        return query
    }

    /// The outbound call, when this is one.
    public var call: CallDetail? {
        guard case .call(let call) = self else { return nil }
        return call
    }

    /// The stall, when this is one.
    public var stall: StallDetail? {
        guard case .stall(let stall) = self else { return nil }
        return stall
    }

    // As JSON: the kind, and its facts under a key of the same name.
    private enum CodingKeys: String, CodingKey { case kind, query, call, stall, span }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(RequestEvent.Kind.self, forKey: .kind) {
        case .query: self = .query(try container.decode(QueryDetail.self, forKey: .query))
        case .call: self = .call(try container.decode(CallDetail.self, forKey: .call))
        case .stall: self = .stall(try container.decode(StallDetail.self, forKey: .stall))
        case .span: self = .span(try container.decode(SpanDetail.self, forKey: .span))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .query(let query): try container.encode(query, forKey: .query)
        case .call(let call): try container.encode(call, forKey: .call)
        case .stall(let stall): try container.encode(stall, forKey: .stall)
        case .span(let span): try container.encode(span, forKey: .span)
        }
    }
}

/// A span the app marked (`Stopwatch` laps, `measure`), or a span of a kind Hotpath does not
/// map to a query or a call.
public struct SpanDetail: Sendable, Codable, Equatable {
    public var name: String

    public init(name: String) {
        self.name = name
    }
}
