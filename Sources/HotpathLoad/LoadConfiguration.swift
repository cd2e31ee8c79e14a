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
    /// HTTP/2: h2c with prior knowledge for http://, h2 negotiated with ALPN for https://.
    public var http2 = false
    /// HTTP/2 streams in flight per connection (h2load's -m); 1 for HTTP/1.1.
    public var streamsPerConnection = 1
    /// Many requests (`--urls`): when not empty, these are sent instead of
    /// `method`/`target`/`headers`/`body`, all to `target`'s server.
    public var requestMix: [LoadRequest] = []
    public var order: RequestOrder = .weighted
    /// Arrival-rate stages (open model, latency from each intended send); the run lasts
    /// their total duration.
    public var stages: [LoadStage] = []
    /// Open model: each request may go out up to this long before it is due (never after),
    /// so that a thread wakes once per grid step for all the sends in it rather than once per
    /// request. Latency then counts from the actual send. `.zero`: every request at its own
    /// time (up to 50 µs early), smoother arrivals for sub-millisecond latencies, more CPU.
    public var sendGrid: Duration = .milliseconds(1)

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
        if duration == nil, requests == nil, stages.isEmpty {
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
        try LoadRequest.validate(method: method, headers: headers, bodyBytes: body.count, place: "", headerForm: "-H 'Name: value'")
        guard streamsPerConnection >= 1, streamsPerConnection <= 1000 else {
            throw HotpathInputError("streams per connection must be between 1 and 1000 (got \(streamsPerConnection))")
        }
        if streamsPerConnection > 1, !http2 {
            throw HotpathInputError("-m \(streamsPerConnection) needs HTTP/2: add --h2 (HTTP/1.1 has one request in flight per connection)")
        }
        for request in requestMix {
            try request.validate()
            guard request.target.sameServer(as: target) else {
                throw HotpathInputError("\(request.target) is on another server than \(target.origin); one run loads one server")
            }
        }
        guard sendGrid >= .zero, sendGrid <= .milliseconds(100) else {
            throw HotpathInputError("the send grid must be between 0 and 100ms (got \(DurationText.format(sendGrid)))")
        }
        if !stages.isEmpty {
            if rate != nil { throw HotpathInputError("give -R or --stages, not both: stages set the rate over time") }
            if warmup > .zero { throw HotpathInputError("--warmup does not combine with --stages: make the first stage the warmup") }
            if requests != nil { throw HotpathInputError("-n does not combine with --stages: the stages set how many requests are sent") }
            guard stages.count <= LoadStage.maximumStages else {
                throw HotpathInputError("at most \(LoadStage.maximumStages) stages")
            }
        }
    }

    /// What the run sends: the mix, or the one request the flags describe.
    public var resolvedRequests: [LoadRequest] {
        if !requestMix.isEmpty { return requestMix }
        var request = LoadRequest(target: target, method: method)
        request.headers = headers
        request.body = body
        return [request]
    }

    /// The arrival schedule of an open-model run; nil for a closed loop.
    var schedule: ArrivalSchedule? {
        if !stages.isEmpty { return ArrivalSchedule(stages: stages) }
        return rate.map { ArrivalSchedule(rate: $0) }
    }

    /// Whether latency is measured from each request's intended send (rate or stages).
    public var isOpenModel: Bool { rate != nil || !stages.isEmpty }

    /// How long the run measures: the stages' total, else `duration`.
    public var effectiveDuration: Duration? {
        if !stages.isEmpty { return .nanoseconds(Int64(stages.reduce(0) { $0 + $1.seconds } * 1e9)) }
        return duration
    }

    /// The request's bytes, encoded once and written as-is on every send.
    public var encodedRequest: [UInt8] {
        resolvedRequests.first?.encodedHTTP1 ?? []
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

extension LoadConfiguration {
    /// `http/1.1`, `h2c` (HTTP/2 with prior knowledge) or `h2` (HTTP/2 over TLS).
    public var protocolName: String {
        guard http2 else { return "http/1.1" }
        return target.scheme == .https ? "h2" : "h2c"
    }
}
