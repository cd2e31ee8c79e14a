/// One outbound call made for a request: HTTP, or a call of another kind (cache, RPC,
/// messaging) that a tracer reported.
///
/// The query string is never part of the name or the path (its values may be personal data):
/// it only counts in ``target``, a hash that tells the same URL from another.
public struct CallDetail: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case http, cache, rpc, messaging, other
    }

    public var kind: Kind
    /// `GET`, `POST`… (for RPC: the method; for a cache: its command).
    public var method: String
    /// Host, with the port when the URL has one.
    public var host: String?
    /// The path without the query (for RPC: `service/method`).
    public var path: String
    /// The response status, when one arrived.
    public var status: Int?
    public var requestBytes: Int?
    public var responseBytes: Int?
    public var failed: Bool
    /// A stable hash of host, path and query: equal for equal URLs.
    public var target: UInt64?
    /// Hashed words of the request's URL and body (``HTTPTokenSet``).
    public var requestTokens: HTTPTokenSet
    /// Hashed words of the response body; empty when the adapter does not see it.
    public var responseTokens: HTTPTokenSet

    public init(
        kind: Kind = .http, method: String, host: String?, path: String, status: Int? = nil, requestBytes: Int? = nil,
        responseBytes: Int? = nil, failed: Bool = false, target: UInt64? = nil, requestTokens: HTTPTokenSet = HTTPTokenSet(),
        responseTokens: HTTPTokenSet = HTTPTokenSet()
    ) {
        self.kind = kind
        self.method = method
        self.host = host
        self.path = path
        self.status = status
        self.requestBytes = requestBytes
        self.responseBytes = responseBytes
        self.failed = failed
        self.target = target
        self.requestTokens = requestTokens
        self.responseTokens = responseTokens
    }

    /// An HTTP call to `url` (absolute, or a bare path): host, path, target hash and the URL's
    /// words taken from it; user and password in it are dropped.
    public init(
        method: String, url: String, status: Int? = nil, requestBytes: Int? = nil, responseBytes: Int? = nil, failed: Bool = false,
        requestBodyTokens: HTTPTokenSet? = nil, responseTokens: HTTPTokenSet = HTTPTokenSet()
    ) {
        let parts = HTTPCallURL(url)
        var tokens = parts.tokens
        if let requestBodyTokens { tokens = tokens.union(requestBodyTokens) }
        self.init(
            kind: .http, method: method, host: parts.host.isEmpty ? nil : String(parts.host), path: String(parts.path),
            status: status, requestBytes: requestBytes, responseBytes: responseBytes, failed: failed, target: parts.hash,
            requestTokens: tokens, responseTokens: responseTokens
        )
    }

    /// `GET api.partner.test/rates`.
    public var label: String { method + " " + (host ?? "") + path }

    /// A GET (or a cache read): what can be cached and reused.
    public var isRead: Bool { method == "GET" || (kind == .cache && ["get", "mget", "hget"].contains(method.lowercased())) }
}
