import Foundation
import Hotpath

/// `--urls FILE`: one request per line.
///
/// ```text
/// # METHOD URL [header='Name: value']... [body=FILE] [weight=N] [name=LABEL] [budget='p95<200ms']
/// GET  http://127.0.0.1:8080/
/// POST http://127.0.0.1:8080/orders  header='Content-Type: application/json'  body=order.json  weight=3
/// /health                            (a path: the method is GET, the server the command line's URL)
/// ```
///
/// Blank lines and lines starting with `#` are skipped. Values with spaces are quoted with
/// `'` or `"`. A body file is read relative to the URL file's folder. Every line must go to the
/// same server (scheme, host, port): one run loads one server over one pool of connections.
public enum URLFile {
    public static let maximumNames = 100
    public static let maximumLines = 100_000
    static let fields = ["header", "body", "weight", "name", "budget"]

    /// Reads and parses the file at `path`. `base` resolves lines that give only a path.
    public static func load(path: String, base: LoadTarget?) throws(HotpathInputError) -> [LoadRequest] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HotpathInputError("cannot read --urls '\(path)': no such readable file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw HotpathInputError("cannot read --urls '\(path)': it is not UTF-8 text")
        }
        let folder = (path as NSString).deletingLastPathComponent
        return try parse(text, fileName: (path as NSString).lastPathComponent, base: base) { name in
            let full = name.hasPrefix("/") || folder.isEmpty ? name : folder + "/" + name
            return FileManager.default.contents(atPath: full).map { Array($0) }
        }
    }

    /// Parses a URL file's text; `readBody` reads a `body=` file (nil: unreadable).
    public static func parse(
        _ text: String, fileName: String, base: LoadTarget?, readBody: (String) -> [UInt8]?
    ) throws(HotpathInputError) -> [LoadRequest] {
        var requests: [LoadRequest] = []
        var names: Set<String> = []
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let trimmed = line.trimmingSpaces
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let place = "\(fileName) line \(number)"
            guard requests.count < maximumLines else {
                throw HotpathInputError("\(place): more than \(maximumLines) requests in one URL file")
            }
            var request = try parseLine(trimmed, place: place, base: base, readBody: readBody)
            do {
                try request.validate()
            } catch {
                throw HotpathInputError("\(place): \(error.message)")
            }
            request.line = number
            if let first = requests.first, !first.target.sameServer(as: request.target) {
                throw HotpathInputError(
                    "\(place): \(request.target) is on another server than line \(first.line) (\(first.target.origin)); one run loads one server"
                )
            }
            names.insert(request.name)
            guard names.count <= maximumNames else {
                throw HotpathInputError("\(place): more than \(maximumNames) distinct request names; give lines a shared name=LABEL to group them")
            }
            requests.append(request)
        }
        guard !requests.isEmpty else {
            throw HotpathInputError("\(fileName) has no requests: write one per line, like 'GET http://127.0.0.1:8080/'")
        }
        return requests
    }

    private static func parseLine(
        _ line: String, place: String, base: LoadTarget?, readBody: (String) -> [UInt8]?
    ) throws(HotpathInputError) -> LoadRequest {
        var words = try split(line, place: place)
        var method = "GET"
        if let first = words.first, !first.contains("://"), !first.hasPrefix("/") {
            method = first.uppercased()
            words.removeFirst()
        }
        guard !words.isEmpty else { throw HotpathInputError("\(place): no URL after the method '\(method)'") }
        let urlText = words.removeFirst()
        let target: LoadTarget
        if urlText.hasPrefix("/") {
            guard let base else {
                throw HotpathInputError("\(place): '\(urlText)' is a path; give full URLs, or the server's URL on the command line")
            }
            target = try LoadTarget(path: urlText, on: base, place: place)
        } else {
            do {
                target = try LoadTarget(parsing: urlText)
            } catch {
                throw HotpathInputError("\(place): \(error.message)")
            }
        }
        var request = LoadRequest(target: target, method: method)
        var name: String?
        for word in words {
            guard let equals = word.firstIndex(of: "="), fields.contains(String(word[..<equals])) else {
                throw HotpathInputError("\(place): unknown field '\(word)'; known: \(fields.map { $0 + "=" }.joined(separator: ", "))")
            }
            let key = String(word[..<equals])
            let value = String(word[word.index(after: equals)...])
            switch key {
            case "header":
                do {
                    request.headers.append(try LoadConfiguration.parseHeader(value))
                } catch {
                    throw HotpathInputError("\(place): \(error.message)")
                }
            case "body":
                guard let bytes = readBody(value) else {
                    throw HotpathInputError("\(place): cannot read body file '\(value)'")
                }
                request.body = bytes
            case "weight":
                guard let weight = Int(value), weight >= 1, weight <= 1_000_000 else {
                    throw HotpathInputError("\(place): weight '\(value)' is not a whole number from 1 to 1000000")
                }
                request.weight = weight
            case "name":
                guard !value.isEmpty else { throw HotpathInputError("\(place): name= is empty") }
                name = value
            default:  // budget
                do {
                    request.budget = try Budget(parsing: value)
                } catch {
                    throw HotpathInputError("\(place): \(error.message)")
                }
            }
        }
        request.name = name ?? "\(method) \(target.requestTarget)"
        return request
    }

    /// Splits on spaces and tabs; `'…'` and `"…"` group, anywhere in a word (header='A: b').
    static func split(_ line: String, place: String) throws(HotpathInputError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if let quote { throw HotpathInputError("\(place): unclosed \(quote) quote") }
        if inWord { words.append(current) }
        return words
    }
}

extension LoadTarget {
    /// Scheme, host and port, as a URL without a path.
    var origin: String { "\(scheme.rawValue)://\(hostHeader)" }

    func sameServer(as other: LoadTarget) -> Bool {
        scheme == other.scheme && host.lowercased() == other.host.lowercased() && port == other.port
    }

    /// `path` (with its query) on `base`'s server.
    init(path: String, on base: LoadTarget, place: String) throws(HotpathInputError) {
        guard !path.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" || $0 == "\t" }) else {
            throw HotpathInputError("\(place): the path '\(path)' has spaces; percent-encode them (%20)")
        }
        self = base
        requestTarget = path
    }
}
