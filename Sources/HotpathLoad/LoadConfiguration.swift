import Hotpath

/// Everything one load run needs. Built by the CLI from wrk-compatible flags, or by
/// `hotpath diagnose` when it drives a run itself.
public struct LoadConfiguration: Sendable {
    public var target: LoadTarget
    /// Open connections, spread over the threads. Each has at most one request in flight.
    public var connections: Int = 10
    /// Event-loop threads.
    public var threads: Int = 1
    /// How long to measure; `nil` with `requests` set means "until that many are done".
    public var duration: Duration? = .seconds(10)
    /// Stop after this many requests have completed or failed.
    public var requests: Int?
    /// Constant total throughput in requests per second (open model, as wrk2 -R).
    /// Latency is then measured from each request's intended send time.
    public var rate: Double?
    /// Load before measuring, to warm caches, JITs and connection pools; not counted.
    public var warmup: Duration = .zero
    /// A request without a complete response after this long counts as a timeout.
    public var timeout: Duration = .seconds(2)
    public var method: String = "GET"
    /// Extra headers in order; a `Host` or `User-Agent` here replaces the default one.
    public var headers: [(name: String, value: String)] = []
    public var body: [UInt8] = []
    /// Skip TLS certificate verification (for local servers with self-signed certificates).
    public var insecure = false

    public init(target: LoadTarget) {
        self.target = target
    }

    /// Checks the numbers a user typed. The message says what to change.
    public func validate() throws(HotpathInputError) {
        guard connections >= 1 else {
            throw HotpathInputError("connections must be at least 1 (got \(connections)): use -c 10, for example")
        }
        guard connections <= 100_000 else {
            throw HotpathInputError("\(connections) connections is more than this tool opens (100000 at most)")
        }
        guard threads >= 1, threads <= 256 else {
            throw HotpathInputError("threads must be between 1 and 256 (got \(threads))")
        }
        guard threads <= connections else {
            throw HotpathInputError("more threads (\(threads)) than connections (\(connections)): each thread needs at least one connection")
        }
        if let requests, requests < 1 {
            throw HotpathInputError("the number of requests must be at least 1 (got \(requests))")
        }
        if let duration, duration <= .zero {
            throw HotpathInputError("the duration must be positive: use -d 10s, for example")
        }
        if duration == nil, requests == nil {
            throw HotpathInputError("give a duration (-d 10s) or a number of requests (-n 1000)")
        }
        if let rate {
            guard rate.isFinite, rate >= 0.001, rate <= 10_000_000 else {
                throw HotpathInputError("the rate must be between 0.001 and 10000000 requests per second (got \(rate))")
            }
        }
        guard timeout > .zero else {
            throw HotpathInputError("the timeout must be positive: use --timeout 2s, for example")
        }
        guard !method.isEmpty, method.allSatisfy({ $0.isLetter || $0 == "-" || $0 == "_" }) else {
            throw HotpathInputError("bad method '\(method)': use a token like GET, POST or PUT")
        }
        for header in headers {
            guard !header.name.isEmpty, !header.name.contains(where: { $0 == ":" || $0.isWhitespace || $0.isNewline }) else {
                throw HotpathInputError("bad header name '\(header.name)': write headers as -H 'Name: value'")
            }
            guard !header.value.contains(where: \.isNewline) else {
                throw HotpathInputError("bad header '\(header.name)': its value has a line break")
            }
        }
    }

    /// The request's bytes, encoded once and written as-is on every send.
    public var encodedRequest: [UInt8] {
        let upperMethod = method.uppercased()
        var lines = "\(upperMethod) \(target.requestTarget) HTTP/1.1\r\n"
        let given = Set(headers.map { $0.name.lowercased() })
        if !given.contains("host") { lines += "Host: \(target.hostHeader)\r\n" }
        if !given.contains("user-agent") { lines += "User-Agent: hotpath-load/\(HotpathVersion.current)\r\n" }
        if !given.contains("accept") { lines += "Accept: */*\r\n" }
        for header in headers { lines += "\(header.name): \(header.value)\r\n" }
        let sendsBody = !body.isEmpty || ["POST", "PUT", "PATCH"].contains(upperMethod)
        if sendsBody, !given.contains("content-length"), !given.contains("transfer-encoding") {
            lines += "Content-Length: \(body.count)\r\n"
        }
        lines += "\r\n"
        return Array(lines.utf8) + body
    }

    /// Parses `Name: value` as given to `-H`.
    public static func parseHeader(_ text: String) throws(HotpathInputError) -> (name: String, value: String) {
        guard let colon = text.firstIndex(of: ":") else {
            throw HotpathInputError("bad header '\(text)': write it as 'Name: value'")
        }
        let name = text[..<colon].trimmingSpaces
        let value = text[text.index(after: colon)...].trimmingSpaces
        guard !name.isEmpty else { throw HotpathInputError("bad header '\(text)': the name is empty; write it as 'Name: value'") }
        return (name, value)
    }
}
