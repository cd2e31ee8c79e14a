import Hotpath
import NIOCore
import NIOHPACK

/// One kind of request in a run: what `--urls` gives per line, or the single URL of a plain run.
///
/// ```swift
/// var order = LoadRequest(target: try LoadTarget(parsing: "http://127.0.0.1:8080/orders"))
/// order.method = "POST"
/// order.body = Array(#"{"sku":1}"#.utf8)
/// order.weight = 3
/// ```
public struct LoadRequest: Sendable {
    public var target: LoadTarget
    public var method: String = "GET"
    /// Extra headers in order; a `Host` or `User-Agent` here replaces the default one.
    public var headers: [(name: String, value: String)] = []
    public var body: [UInt8] = []
    /// Relative share in `weighted` order, repetitions in `sequential` order.
    public var weight: Int = 1
    /// What the per-request summary calls it; requests with the same name share one row.
    public var name: String
    /// Checked against this request's own figures (a `budget=` field of a URL file).
    public var budget: Budget?
    /// The line of the URL file it came from (0: not from a file), for error messages.
    public var line: Int = 0

    public init(target: LoadTarget, method: String = "GET", name: String? = nil) {
        self.target = target
        self.method = method
        self.name = name ?? "\(method.uppercased()) \(target.requestTarget)"
    }

    /// HTTP/1.1 bytes, encoded once and written as-is on every send.
    public var encodedHTTP1: [UInt8] {
        let upperMethod = method.uppercased()
        var lines = "\(upperMethod) \(target.requestTarget) HTTP/1.1\r\n"
        let given = Set(headers.map { $0.name.lowercased() })
        if !given.contains("host") { lines += "Host: \(target.hostHeader)\r\n" }
        if !given.contains("user-agent") { lines += "User-Agent: hotpath-load/\(HotpathVersion.current)\r\n" }
        if !given.contains("accept") { lines += "Accept: */*\r\n" }
        for header in headers { lines += "\(header.name): \(header.value)\r\n" }
        if sendsBody, !given.contains("content-length"), !given.contains("transfer-encoding") {
            lines += "Content-Length: \(body.count)\r\n"
        }
        lines += "\r\n"
        return Array(lines.utf8) + body
    }

    private var sendsBody: Bool { !body.isEmpty || ["POST", "PUT", "PATCH"].contains(method.uppercased()) }

    /// The HTTP/2 header block: pseudo-headers first, names lowercased, and none of the
    /// connection-specific headers HTTP/2 forbids (RFC 9113 §8.2.2). `Host` becomes `:authority`.
    var http2Headers: HPACKHeaders {
        let given = Dictionary(headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        var block = HPACKHeaders()
        block.add(name: ":method", value: method.uppercased())
        block.add(name: ":scheme", value: target.scheme.rawValue)
        block.add(name: ":authority", value: given["host"] ?? target.hostHeader)
        block.add(name: ":path", value: target.requestTarget)
        if given["user-agent"] == nil { block.add(name: "user-agent", value: "hotpath-load/\(HotpathVersion.current)") }
        if given["accept"] == nil { block.add(name: "accept", value: "*/*") }
        let forbidden: Set<String> = ["host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te"]
        for header in headers where !forbidden.contains(header.name.lowercased()) {
            block.add(name: header.name.lowercased(), value: header.value)
        }
        if sendsBody, given["content-length"] == nil { block.add(name: "content-length", value: String(body.count)) }
        return block
    }

    /// Checks the method, headers and weight a user typed.
    func validate() throws(HotpathInputError) {
        let place = line > 0 ? "line \(line): " : ""
        try Self.validate(method: method, headers: headers, bodyBytes: body.count, place: place, headerForm: "'Name: value'")
        guard weight >= 1 else {
            throw HotpathInputError("\(place)weight must be a whole number of at least 1 (got \(weight))")
        }
    }

    /// The checks `-X`/`-H` and a URL file's lines share; `headerForm` shows how to write one.
    /// A `Content-Length` of the user's must be the body's own (the bytes on the wire follow
    /// the body, a different length would desynchronise the connection); `Transfer-Encoding`
    /// cannot be given (the body is sent whole, not chunked); `Host` at most once.
    static func validate(
        method: String, headers: [(name: String, value: String)], bodyBytes: Int, place: String, headerForm: String
    ) throws(HotpathInputError) {
        guard !method.isEmpty, method.allSatisfy({ $0.isLetter || $0 == "-" || $0 == "_" }) else {
            throw HotpathInputError("\(place)bad method '\(method)': use a token like GET, POST or PUT")
        }
        for header in headers {
            guard !header.name.isEmpty, !header.name.contains(where: { $0 == ":" || $0.isWhitespace || $0.isNewline }) else {
                throw HotpathInputError("\(place)bad header name '\(header.name)': write headers as \(headerForm)")
            }
            guard !header.value.contains(where: \.isNewline) else {
                throw HotpathInputError("\(place)bad header '\(header.name)': its value has a line break")
            }
            switch header.name.lowercased() {
            case "content-length" where header.value != String(bodyBytes):
                throw HotpathInputError("\(place)Content-Length: \(header.value) does not match the body (\(bodyBytes) bytes); leave it out, it is set from the body")
            case "transfer-encoding":
                throw HotpathInputError("\(place)Transfer-Encoding cannot be given: the body is sent whole with its Content-Length")
            default:
                break
            }
        }
        if headers.filter({ $0.name.lowercased() == "host" }).count > 1 {
            throw HotpathInputError("\(place)Host is given more than once; give it once")
        }
    }
}

/// In which order a run's requests are sent (`--order`).
public enum RequestOrder: String, Sendable, Codable, CaseIterable {
    /// File order, each line `weight` times in a row, then from the top again.
    case sequential
    /// Uniformly at random, weights ignored.
    case random
    /// At random, each line with probability weight / total weight.
    case weighted
}

/// The requests of a run, encoded once for the wire. Parallel arrays rather than an array of
/// structs, so that the hot path touches (and retains) only what it sends.
struct RequestPlan: Sendable {
    struct HTTP2Request: Sendable {
        var headers: HPACKHeaders
        var body: ByteBuffer?
    }

    var http1: [ByteBuffer]
    var http2: [HTTP2Request]
    /// Index into `endpointNames` of each request.
    var endpoints: [Int]
    var weights: [Int]
    /// HEAD: the response has headers only, whatever its Content-Length says.
    var expectsNoBody: [Bool]
    /// Distinct names, in first-seen order.
    var endpointNames: [String]
    var order: RequestOrder
    /// Per-name statistics are kept only when there is more than one name.
    var tracksEndpoints: Bool { endpointNames.count > 1 }

    init(_ requests: [LoadRequest], order: RequestOrder) {
        var names: [String] = []
        var indexOfName: [String: Int] = [:]
        endpoints = requests.map { request in
            if let known = indexOfName[request.name] { return known }
            indexOfName[request.name] = names.count
            names.append(request.name)
            return names.count - 1
        }
        http1 = requests.map { ByteBuffer(bytes: $0.encodedHTTP1) }
        http2 = requests.map { HTTP2Request(headers: $0.http2Headers, body: $0.body.isEmpty ? nil : ByteBuffer(bytes: $0.body)) }
        weights = requests.map(\.weight)
        expectsNoBody = requests.map { $0.method.uppercased() == "HEAD" }
        endpointNames = names
        self.order = order
    }
}
