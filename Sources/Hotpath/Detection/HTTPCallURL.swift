/// The parts of a URL the recording needs, found without Foundation (the core module does
/// not link it): host (with port), path, query, a hash of the whole, and the words.
struct HTTPCallURL {
    var host: Substring
    var path: Substring
    var query: Substring
    /// FNV-1a 64 of host, path and query (scheme, credentials and fragment left out).
    var hash: UInt64
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

        var value = FNV1a()
        value.mix(host)
        value.separate()
        value.mix(path)
        value.separate()
        value.mix(query)
        value.separate()
        hash = value.value

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
}
