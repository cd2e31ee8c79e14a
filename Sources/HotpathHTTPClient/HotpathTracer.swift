import Hotpath
import Synchronization
import Tracing

/// A swift-distributed-tracing `Tracer` that turns client spans (AsyncHTTPClient's own, or any
/// library's: Redis, gRPC…) into `.http` events on the request being served.
///
/// ```swift
/// var configuration = HTTPClient.Configuration()
/// configuration.tracing.tracer = HotpathTracer()
/// let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
/// ```
///
/// What the spans carry is what gets recorded: AsyncHTTPClient 1.37 sets method, URL, host,
/// port, status and request size, and ends its span when the response head arrives (body
/// streaming is not included, and no response words are seen, so a dependency between calls
/// is only visible through ``HotpathHTTPClient``). The call site is the library's, not the
/// app's; use ``HotpathHTTPClient`` for `file:line`.
///
/// The request is taken from ``ActiveRequest/current`` when the span starts (the caller's
/// task), so a span ended on another thread still lands on the right request. That covers
/// AsyncHTTPClient's async/await API (`execute(_: HTTPClientRequest, …)`, which starts and ends
/// its span in the caller's task); its EventLoopFuture API starts the span on an event loop,
/// where the current request is unknown, so those calls are not recorded. Spans of other
/// kinds are not recorded. This tracer does not forward spans anywhere else: an app that
/// exports traces keeps its own tracer and records calls with ``HotpathHTTPClient``. Do not
/// wrap a client with ``HotpathHTTPClient`` and trace it with this too: each call would be
/// recorded twice.
public struct HotpathTracer: Tracer {
    public typealias Span = HotpathSpan

    public init() {}

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String,
        context: @autoclosure () -> InstrumentationContext,
        ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String,
        file fileID: String,
        line: UInt
    ) -> HotpathSpan {
        let request = kind == .client ? ActiveRequest.current : nil
        return HotpathSpan(context: context(), operationName: operationName, request: request, start: MonotonicClock.now())
    }

    public func forceFlush() {}

    public func inject<Carrier, Inject>(_ context: InstrumentationContext, into carrier: inout Carrier, using injector: Inject)
    where Inject: Injector, Carrier == Inject.Carrier {}

    public func extract<Carrier, Extract>(_ carrier: Carrier, into context: inout InstrumentationContext, using extractor: Extract)
    where Extract: Extractor, Carrier == Extract.Carrier {}
}

/// A span of ``HotpathTracer``: collects attributes until it ends, then records one call.
public final class HotpathSpan: Tracing.Span {
    public let context: InstrumentationContext
    private let request: ActiveRequest?
    private let start: UInt64
    private let state: Mutex<State>

    struct State {
        var operationName: String
        var attributes = SpanAttributes()
        var failed = false
        var ended = false
    }

    init(context: InstrumentationContext, operationName: String, request: ActiveRequest?, start: UInt64) {
        self.context = context
        self.request = request
        self.start = start
        self.state = Mutex(State(operationName: operationName))
    }

    /// Only client spans made while serving a request are recorded.
    public var isRecording: Bool { request != nil }

    public var operationName: String {
        get { state.withLock { $0.operationName } }
        set { state.withLock { $0.operationName = newValue } }
    }

    public var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { $0.attributes = newValue } }
    }

    public func setStatus(_ status: SpanStatus) {
        if status.code == .error { state.withLock { $0.failed = true } }
    }

    public func addEvent(_ event: SpanEvent) {}

    public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        // Only the fact: error text may quote URLs or answers.
        state.withLock { $0.failed = true }
    }

    public func addLink(_ link: SpanLink) {}

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let end = MonotonicClock.now()
        guard let request else { return }
        let taken: State? = state.withLock { state in
            guard !state.ended else { return nil }
            state.ended = true
            return state
        }
        guard let taken else { return }
        let call = SpanCall(taken.attributes, operationName: taken.operationName)
        request.recordCall(
            CallDetail(
                method: call.method, url: call.url, status: call.status, requestBytes: call.requestBytes,
                failed: taken.failed && (call.status.map { $0 >= 500 } ?? true)
            ),
            from: start, to: end
        )
    }
}

/// The call a span describes, read from the OpenTelemetry HTTP attribute names
/// AsyncHTTPClient uses (with older names as fallbacks).
struct SpanCall {
    var method: String
    var url: String
    var status: Int?
    var requestBytes: Int?

    init(_ attributes: SpanAttributes, operationName: String) {
        method = Self.text(attributes.get("http.request.method")) ?? Self.text(attributes.get("http.method")) ?? operationName
        status = Self.integer(attributes.get("http.response.status_code")) ?? Self.integer(attributes.get("http.status_code"))
        requestBytes = Self.integer(attributes.get("http.request.body.size"))
        if let full = Self.text(attributes.get("url.full")) ?? Self.text(attributes.get("http.url")) {
            url = full
        } else {
            let scheme = Self.text(attributes.get("url.scheme")) ?? "http"
            let host = Self.text(attributes.get("server.address")) ?? ""
            let port = Self.integer(attributes.get("server.port")).map { ":\($0)" } ?? ""
            let path = Self.text(attributes.get("url.path")) ?? (host.isEmpty ? operationName : "/")
            let query = Self.text(attributes.get("url.query")).map { "?\($0)" } ?? ""
            url = host.isEmpty ? path + query : "\(scheme)://\(host)\(port)\(path)\(query)"
        }
    }

    static func text(_ attribute: SpanAttribute?) -> String? {
        switch attribute {
        case .string(let value): value
        case .stringConvertible(let value): value.description
        default: nil
        }
    }

    static func integer(_ attribute: SpanAttribute?) -> Int? {
        switch attribute {
        case .int64(let value): Int(value)
        case .int32(let value): Int(value)
        case .string(let value): Int(value)
        default: nil
        }
    }
}
