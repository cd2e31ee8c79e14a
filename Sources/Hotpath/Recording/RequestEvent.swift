/// Something timed that happened while serving a request: a database query, an outbound
/// call, a stall of the thread, or a span the app marked itself.
///
/// Adapters (SQL, HTTP client, watchdog, `Stopwatch`) produce these; detectors read them
/// without knowing which framework or driver made them.
public struct RequestEvent: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case database, http, stall, span
    }

    public var kind: Kind
    /// A short label: the SQL text, "GET api.example.test/rates", a lap name.
    public var name: String
    /// Nanoseconds from the start of the request to the start of this event.
    public var startNanoseconds: UInt64
    public var durationNanoseconds: UInt64
    /// Where in the app it came from ("Orders/OrderController.swift:42"), when known.
    public var callSite: String?
    /// Further facts (rows, status, bytes, host…); `nil` when there are none, to keep the
    /// common event free of a dictionary.
    public var attributes: [String: String]?

    public init(
        kind: Kind,
        name: String,
        startNanoseconds: UInt64,
        durationNanoseconds: UInt64,
        callSite: String? = nil,
        attributes: [String: String]? = nil
    ) {
        self.kind = kind
        self.name = name
        self.startNanoseconds = startNanoseconds
        self.durationNanoseconds = durationNanoseconds
        self.callSite = callSite
        self.attributes = attributes
    }

    /// Longest label kept: one huge SQL statement must not make a request's record huge.
    public static let maximumNameLength = 1_000
}
