/// Attribute keys that outbound-call adapters put on `.http` events, and the recording API
/// they (or an app's own client code: URLSession, Redis, gRPC, anything awaited over the
/// network) use.
public enum HTTPCallAttributes {
    /// "GET", "POST", …
    public static let method = "method"
    /// Host, with the port when the URL has one.
    public static let host = "host"
    /// The path, without the query string.
    public static let path = "path"
    /// The response status, when one arrived.
    public static let status = "status"
    public static let requestBytes = "request_bytes"
    public static let responseBytes = "response_bytes"
    /// "true" when the call failed (no error text is kept).
    public static let failed = "failed"
    /// A hash of the whole URL, query included: equal for equal URLs, and the query values
    /// themselves are not kept (they may be personal data).
    public static let urlHash = "url_hash"
    /// Hashed words of the request's URL path, query and body (``HTTPTokenSet/encoded``).
    public static let requestTokens = "request_tokens"
    /// Hashed words of the response body (``HTTPTokenSet/encoded``).
    public static let responseTokens = "response_tokens"
}

extension ActiveRequest {
    /// Records one outbound call made for this request, as a `.http` event named like
    /// `GET api.partner.test/rates`.
    ///
    /// ```swift
    /// let start = MonotonicClock.now()
    /// let (data, response) = try await session.data(from: url)
    /// ActiveRequest.current?.recordCall(
    ///     method: "GET", url: url.absoluteString, status: (response as? HTTPURLResponse)?.statusCode,
    ///     responseBytes: data.count, from: start, to: MonotonicClock.now(), callSite: "\(#fileID):\(#line)",
    ///     responseTokens: HTTPTokenSet(scanning: data)
    /// )
    /// ```
    ///
    /// - Parameters:
    ///   - url: absolute (`https://host/path?query`) or just a path; user and password in it are
    ///     dropped, the query is kept only as part of ``HTTPCallAttributes/urlHash``.
    ///   - requestBodyTokens: words of the request body, when the caller has it at hand; the
    ///     URL's words are added here.
    ///   - responseTokens: words of the response body (``HTTPTokenScanner``); without them, a
    ///     later call that uses this one's result cannot be seen as dependent on it.
    ///   - nameIncludesQuery: put the query string in the event's name too (off by default:
    ///     query values may be personal data).
    public func recordCall(
        method: String,
        url: String,
        status: Int? = nil,
        requestBytes: Int? = nil,
        responseBytes: Int? = nil,
        failed: Bool = false,
        from start: UInt64,
        to end: UInt64,
        callSite: String? = nil,
        requestBodyTokens: HTTPTokenSet? = nil,
        responseTokens: HTTPTokenSet? = nil,
        nameIncludesQuery: Bool = false
    ) {
        let parts = HTTPCallURL(url)
        var attributes: [String: String] = [:]
        attributes.reserveCapacity(10)
        attributes[HTTPCallAttributes.method] = method
        if !parts.host.isEmpty { attributes[HTTPCallAttributes.host] = String(parts.host) }
        attributes[HTTPCallAttributes.path] = String(parts.path)
        attributes[HTTPCallAttributes.urlHash] = parts.hash
        if let status { attributes[HTTPCallAttributes.status] = String(status) }
        if let requestBytes { attributes[HTTPCallAttributes.requestBytes] = String(requestBytes) }
        if let responseBytes { attributes[HTTPCallAttributes.responseBytes] = String(responseBytes) }
        if failed { attributes[HTTPCallAttributes.failed] = "true" }
        var requestTokens = parts.tokens
        if let requestBodyTokens { requestTokens = requestTokens.union(requestBodyTokens) }
        if !requestTokens.isEmpty { attributes[HTTPCallAttributes.requestTokens] = requestTokens.encoded }
        if let responseTokens, !responseTokens.isEmpty {
            attributes[HTTPCallAttributes.responseTokens] = responseTokens.encoded
        }
        var name = method + " " + parts.host + parts.path
        if nameIncludesQuery, !parts.query.isEmpty { name += "?" + parts.query }
        record(.http, name, from: start, to: end, callSite: callSite, attributes: attributes)
    }
}

/// The parts of a URL the recording needs, found without Foundation (the core module does
/// not link it): host (with port), path, query, a hash of the whole, and the words.
struct HTTPCallURL {
    var host: Substring
    var path: Substring
    var query: Substring
    /// FNV-1a 64 of host, path and query (scheme, credentials and fragment left out).
    var hash: String
    var tokens: HTTPTokenSet

    init(_ url: String) {
        var rest = Substring(url)
        if let fragment = rest.firstIndex(of: "#") { rest = rest[..<fragment] }
        if let scheme = rest.firstRange(of: "://") {
            rest = rest[scheme.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            var authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            host = authority
            rest = rest[authorityEnd...]
        } else {
            host = ""
        }
        if let question = rest.firstIndex(of: "?") {
            path = rest[..<question]
            query = rest[rest.index(after: question)...]
        } else {
            path = rest
            query = ""
        }
        if path.isEmpty { path = "/" }

        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        Self.mix(host, into: &value)
        Self.mix(path, into: &value)
        Self.mix(query, into: &value)
        hash = String(value, radix: 16)

        var scanner = HTTPTokenScanner()
        scanner.scan(path.utf8)
        scanner.separate()
        scanner.scan(query.utf8)
        tokens = scanner.tokens
    }

    private static func mix(_ part: Substring, into value: inout UInt64) {
        for byte in part.utf8 { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        value = (value ^ 0x1f) &* 0x0000_0100_0000_01b3
    }
}
