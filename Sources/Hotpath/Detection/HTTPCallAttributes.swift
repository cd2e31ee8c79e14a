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
        // Delimiters are ASCII, so UTF-8 positions are valid string indices: no Character
        // (grapheme) iteration on the hot path.
        let bytes = url.utf8
        var rest = bytes.startIndex..<(bytes.firstIndex(of: UInt8(ascii: "#")) ?? bytes.endIndex)
        if let scheme = Self.schemeEnd(in: bytes, rest) {
            let authorityEnd = bytes[scheme..<rest.upperBound].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }
                ?? rest.upperBound
            // Credentials (user:password@) are dropped.
            let hostStart = bytes[scheme..<authorityEnd].lastIndex(of: UInt8(ascii: "@")).map { bytes.index(after: $0) } ?? scheme
            host = url[hostStart..<authorityEnd]
            rest = authorityEnd..<rest.upperBound
        } else {
            host = ""
        }
        if let question = bytes[rest].firstIndex(of: UInt8(ascii: "?")) {
            path = url[rest.lowerBound..<question]
            query = url[bytes.index(after: question)..<rest.upperBound]
        } else {
            path = url[rest]
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

    /// Where the authority starts after `scheme://`, if the URL has a scheme.
    private static func schemeEnd(in bytes: String.UTF8View, _ range: Range<String.Index>) -> String.Index? {
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == UInt8(ascii: ":") {
                let slash = bytes.index(after: index)
                guard slash < range.upperBound, bytes[slash] == UInt8(ascii: "/") else { return nil }
                let second = bytes.index(after: slash)
                guard second < range.upperBound, bytes[second] == UInt8(ascii: "/") else { return nil }
                return bytes.index(after: second)
            }
            // A scheme is letters, digits, "+", "-", "."; anything else means a bare path.
            let isSchemeByte = (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2b || byte == 0x2d || byte == 0x2e
            guard isSchemeByte else { return nil }
            index = bytes.index(after: index)
        }
        return nil
    }

    private static func mix(_ part: Substring, into value: inout UInt64) {
        for byte in part.utf8 { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        value = (value ^ 0x1f) &* 0x0000_0100_0000_01b3
    }
}
