/// Failures, split as wrk splits socket errors, plus HTTP/2's per-stream resets.
public struct LoadErrors: Sendable, Codable, Equatable {
    /// A connection could not be opened (refused, unreachable, TLS handshake failed).
    public var connect: UInt64 = 0
    /// The connection broke or the response was malformed while a request waited for it.
    public var read: UInt64 = 0
    /// The request could not be written.
    public var write: UInt64 = 0
    /// No complete response within the timeout.
    public var timeout: UInt64 = 0
    /// HTTP/2: the server reset the request's stream (RST_STREAM).
    public var reset: UInt64 = 0
    /// HTTP/2: GOAWAY frames received. Not failures in themselves: streams the server had not
    /// started (above its last stream id) are sent again on a new connection, as RFC 9113 allows.
    public var goaway: UInt64 = 0

    public init() {}

    /// Failed requests (GOAWAY frames are connection events, not failed requests).
    public var total: UInt64 { connect &+ read &+ write &+ timeout &+ reset }

    public mutating func add(_ other: LoadErrors) {
        connect &+= other.connect
        read &+= other.read
        write &+= other.write
        timeout &+= other.timeout
        reset &+= other.reset
        goaway &+= other.goaway
    }

    /// The kinds of failure, for counting one at a time.
    public enum Kind: Sendable {
        case connect, read, write, timeout, reset, goaway
    }

    mutating func count(_ kind: Kind) {
        switch kind {
        case .connect: connect &+= 1
        case .read: read &+= 1
        case .write: write &+= 1
        case .timeout: timeout &+= 1
        case .reset: reset &+= 1
        case .goaway: goaway &+= 1
        }
    }

    private enum CodingKeys: String, CodingKey {
        case connect, read, write, timeout, reset, goaway
    }

    /// Reports written before HTTP/2 support have no `reset` or `goaway`: they read as 0.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        connect = try container.decode(UInt64.self, forKey: .connect)
        read = try container.decode(UInt64.self, forKey: .read)
        write = try container.decode(UInt64.self, forKey: .write)
        timeout = try container.decode(UInt64.self, forKey: .timeout)
        reset = try container.decodeIfPresent(UInt64.self, forKey: .reset) ?? 0
        goaway = try container.decodeIfPresent(UInt64.self, forKey: .goaway) ?? 0
    }
}
