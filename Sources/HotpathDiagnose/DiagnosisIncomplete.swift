/// Why a diagnosis ended before it measured every endpoint, and what it could not do. A partial
/// diagnosis is still written (text, JSON, HTML) with the endpoints it measured.
///
/// ```swift
/// if let incomplete = diagnosis.incomplete, incomplete.reason == .serverStopped {
///     print(incomplete.detail)   // "the server stopped answering during GET /orders at 1.2 s of 3.0 s"
/// }
/// ```
public struct DiagnosisIncomplete: Sendable, Codable, Equatable {
    public enum Reason: String, Sendable, Codable {
        /// Ctrl-C, SIGTERM or SIGHUP.
        case interrupted
        /// The server stopped answering during an endpoint's load.
        case serverStopped = "server-stopped"
    }

    public var reason: Reason
    /// What happened, in one line.
    public var detail: String
    /// The signal, when interrupted.
    public var signal: Int32?
    /// The endpoints (paths) planned but not measured.
    public var notMeasured: [String]
    /// Why the server's report (queries, calls, stalls) could not be read after the loads,
    /// when it could not: those endpoints are then judged from the outside only.
    public var reportUnread: String?

    public init(reason: Reason, detail: String, signal: Int32? = nil, notMeasured: [String], reportUnread: String? = nil) {
        self.reason = reason
        self.detail = detail
        self.signal = signal
        self.notMeasured = notMeasured
        self.reportUnread = reportUnread
    }
}
