/// Socket-level failures, split as wrk splits them.
public struct LoadErrors: Sendable, Codable, Equatable {
    /// A connection could not be opened (refused, unreachable, TLS handshake failed).
    public var connect: UInt64 = 0
    /// The connection broke or the response was malformed while a request waited for it.
    public var read: UInt64 = 0
    /// The request could not be written.
    public var write: UInt64 = 0
    /// No complete response within the timeout.
    public var timeout: UInt64 = 0

    public init() {}

    public var total: UInt64 { connect &+ read &+ write &+ timeout }

    public mutating func add(_ other: LoadErrors) {
        connect &+= other.connect
        read &+= other.read
        write &+= other.write
        timeout &+= other.timeout
    }

    /// The kinds of failure, for counting one at a time.
    public enum Kind: Sendable {
        case connect, read, write, timeout
    }

    mutating func count(_ kind: Kind) {
        switch kind {
        case .connect: connect &+= 1
        case .read: read &+= 1
        case .write: write &+= 1
        case .timeout: timeout &+= 1
        }
    }
}
