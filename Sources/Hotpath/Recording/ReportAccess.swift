/// Who may see the report endpoints, and where they are.
///
/// Off unless a token is configured. A request without the right token gets the same 404
/// as a path that does not exist, so the endpoints cannot even be discovered.
public struct ReportAccess: Sendable {
    /// Path prefix of the endpoints: `<prefix>` (HTML) and `<prefix>/report.json`.
    public var prefix: String
    /// The access token; `nil` disables the endpoints.
    public var token: String?

    public init(prefix: String = "/_hotpath", token: String? = nil) {
        var cleaned = prefix.hasPrefix("/") ? prefix : "/" + prefix
        while cleaned.count > 1, cleaned.hasSuffix("/") { cleaned.removeLast() }
        self.prefix = cleaned
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Header that carries the token (or `Authorization: Bearer <token>`, or `?token=`).
    public static let tokenHeader = "X-Hotpath-Token"

    public enum Endpoint: Sendable, Equatable {
        case html, json
        /// A stored profile: `<prefix>/profiles/<name>` (see `HotpathProfiler`'s `RequestProfiling`).
        case profile(String)
    }

    /// The endpoint a path names, whether or not access will be granted.
    public func endpoint(forPath path: String) -> Endpoint? {
        // Every request asks this: answer the common case without splitting the path.
        guard path.utf8.starts(with: prefix.utf8) else { return nil }
        let pathOnly = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
        switch pathOnly {
        case prefix, prefix + "/", prefix + "/index.html": return .html
        case prefix + "/report.json": return .json
        default:
            let profiles = prefix + "/profiles/"
            guard pathOnly.hasPrefix(profiles), pathOnly.count > profiles.count else { return nil }
            return .profile(String(pathOnly.dropFirst(profiles.count)))
        }
    }

    /// Whether a request may see the endpoints, given what it carried.
    public func isAuthorized(tokenHeader: String?, authorization: String?, query: String?) -> Bool {
        guard let token else { return false }
        var candidates: [String] = []
        if let tokenHeader { candidates.append(tokenHeader) }
        if let authorization, authorization.lowercased().hasPrefix("bearer ") {
            candidates.append(String(authorization.dropFirst(7)))
        }
        if let query, let value = Self.queryValue("token", in: query) { candidates.append(value) }
        // Check every candidate, so which one matched does not show in the timing either.
        var granted = false
        for candidate in candidates where ConstantTime.equals(candidate, token) { granted = true }
        return granted
    }

    /// Value of `name` in a query string (`a=1&profile=1`), percent-decoded; for adapters.
    public static func queryParameter(_ name: String, in query: String) -> String? {
        queryValue(name, in: query)
    }

    /// Value of `name` in a query string (`a=1&token=x`), percent-decoded.
    static func queryValue(_ name: String, in query: String) -> String? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, parts[0] == name { return percentDecoded(String(parts[1])) }
        }
        return nil
    }

    static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
