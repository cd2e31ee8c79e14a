import Hotpath

/// Where the load goes: scheme, host, port and the request target, parsed from a URL.
public struct LoadTarget: Sendable, Equatable, CustomStringConvertible {
    public enum Scheme: String, Sendable {
        case http, https
        var defaultPort: Int { self == .http ? 80 : 443 }
    }

    public var scheme: Scheme
    /// Host as written, without IPv6 brackets.
    public var host: String
    public var port: Int
    /// Path and query sent on the request line, always starting with "/".
    public var requestTarget: String

    /// Parses `http://host[:port][/path][?query]` or `https://…`. A missing scheme is an
    /// error rather than a guess, so a typo never silently hits the wrong port.
    public init(parsing text: String) throws(HotpathInputError) {
        let trimmed = text.trimmingSpaces
        let hint = "use a full URL like http://127.0.0.1:8080/path"
        guard let schemeEnd = trimmed.range(of: "://") else {
            throw HotpathInputError("bad URL '\(text)': no scheme; \(hint)")
        }
        let schemeText = trimmed[..<schemeEnd.lowerBound].lowercased()
        guard let scheme = Scheme(rawValue: schemeText) else {
            throw HotpathInputError("unsupported scheme '\(schemeText)' in '\(text)': hotpath load speaks http and https")
        }
        var rest = trimmed[schemeEnd.upperBound...]
        if let fragment = rest.firstIndex(of: "#") { rest = rest[..<fragment] }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if target.isEmpty || target.first == "?" { target = "/" + target }
        guard !target.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" || $0 == "\t" }) else {
            throw HotpathInputError("bad URL '\(text)': the path has spaces or line breaks; percent-encode them (%20)")
        }
        if authority.contains("@") {
            throw HotpathInputError("bad URL '\(text)': user info in URLs is not supported; send credentials with -H 'Authorization: …'")
        }
        var host: Substring
        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else {
                throw HotpathInputError("bad URL '\(text)': unclosed '[' in IPv6 address; \(hint)")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let afterClose = authority[authority.index(after: close)...]
            if !afterClose.isEmpty {
                guard afterClose.first == ":" else { throw HotpathInputError("bad URL '\(text)': \(hint)") }
                portText = afterClose.dropFirst()
            }
        } else {
            if let colon = authority.lastIndex(of: ":") {
                portText = authority[authority.index(after: colon)...]
                authority = authority[..<colon]
            }
            host = authority
        }
        guard !host.isEmpty else { throw HotpathInputError("bad URL '\(text)': no host; \(hint)") }
        var port = scheme.defaultPort
        if let portText {
            guard let parsed = Int(portText), (1...65535).contains(parsed) else {
                throw HotpathInputError("bad URL '\(text)': port '\(portText)' is not a number from 1 to 65535")
            }
            port = parsed
        }
        self.scheme = scheme
        self.host = String(host)
        self.port = port
        self.requestTarget = target
    }

    /// The value of the `Host` header: the port is left out when it is the scheme's default.
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == scheme.defaultPort ? name : "\(name):\(port)"
    }

    public var description: String { "\(scheme.rawValue)://\(hostHeader)\(requestTarget)" }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}
