import Hotpath
import HotpathProfiler

/// Everything a web framework's Hotpath middleware does, written once: which requests are
/// Hotpath's own (the report, stored profiles), who may see them, what they answer, recording
/// every other request around the framework's handler, the `Server-Timing` header and
/// `?profile=1`. The Hummingbird and Vapor middlewares translate their request and response
/// types to and from this, nothing more.
///
/// ```swift
/// let server = HotpathServer(recorder: recorder, reports: ReportAccess(token: "s3cret"), profiling: RequestProfiling())
/// switch server.decide(IncomingRequest(method: "GET", path: path, query: query, header: lookup)) {
/// case .answer(let response): …            // send it
/// case .passThrough: …                      // the framework's 404
/// case .profile(let asked): …               // server.profile(asked, …)
/// case .record: …                           // server.begin(…) … server.finish(…)
/// }
/// ```
public struct HotpathServer: Sendable {
    public let recorder: Recorder
    public let reports: ReportAccess
    public let serverTiming: Bool
    public let profiling: RequestProfiling?

    public init(recorder: Recorder, reports: ReportAccess = ReportAccess(), serverTiming: Bool = true, profiling: RequestProfiling? = nil) {
        self.recorder = recorder
        self.reports = reports
        self.serverTiming = serverTiming
        self.profiling = profiling
        if profiling != nil { recorder.declare(.profiler) }
    }

    /// What to do with a request.
    public enum Decision: Sendable {
        /// One of Hotpath's routes, answered.
        case answer(ServedResponse)
        /// A path under the report prefix the request may not see: the framework answers it
        /// (its 404), so the routes cannot even be discovered.
        case passThrough
        /// Serve it inside a profile.
        case profile(RequestProfiling.Request)
        /// Serve and record it.
        case record
    }

    public func decide(_ request: IncomingRequest) -> Decision {
        if reports.token != nil, let endpoint = reports.endpoint(forPath: request.path) {
            guard isAuthorized(request), let response = answer(endpoint, path: request.path, query: request.query) else { return .passThrough }
            return .answer(response)
        }
        if let profiling, let asked = profiling.request(forQuery: request.query), isAuthorized(request) {
            return .profile(asked)
        }
        return .record
    }

    func isAuthorized(_ request: IncomingRequest) -> Bool {
        reports.isAuthorized(
            tokenHeader: request.header(ReportAccess.tokenHeader), authorization: request.header("Authorization"), query: request.query
        )
    }

    /// The report (JSON, HTML) or a stored profile; nil when there is no such thing.
    /// `report.json?run=<id>` adds that `hotpath diagnose` run's measured windows.
    func answer(_ endpoint: ReportAccess.Endpoint, path: String, query: String? = nil) -> ServedResponse? {
        switch endpoint {
        case .profile(let name):
            guard let profiling, let rendered = profiling.rendered(name) else { return nil }
            switch rendered {
            case .ready(let contentType, let body):
                return ServedResponse(status: 200, contentType: contentType, body: body)
            case .pending:
                return Self.pending(location: path)
            }
        case .json:
            let run = query.flatMap { ReportAccess.queryParameter("run", in: $0) }.flatMap(RunMarker.validRun)
            guard let body = try? ReportJSON.encode(recorder.report(run: run)) else {
                return ServedResponse(status: 500, contentType: "text/plain; charset=utf-8", body: Array("the report could not be encoded\n".utf8))
            }
            return ServedResponse(status: 200, contentType: "application/json; charset=utf-8", body: body)
        case .html:
            return ServedResponse(status: 200, contentType: "text/html; charset=utf-8", body: Array(ReportHTML.render(recorder.report()).utf8))
        }
    }

    /// A profile still being symbolicated: ask again in a second.
    static func pending(location: String) -> ServedResponse {
        var response = ServedResponse(
            status: 503, contentType: "text/plain; charset=utf-8",
            body: Array("the profile is still being symbolicated; it will be at \(location)\n".utf8)
        )
        response.headers.append(("Retry-After", "1"))
        response.headers.append((RequestProfiling.headerName, location))
        return response
    }

    // MARK: - Recording

    /// Starts recording a request: bind the result to `ActiveRequest.current` while serving it.
    /// The `X-Hotpath-Run` header of a `hotpath diagnose` run marks it.
    public func begin(_ request: IncomingRequest) -> ActiveRequest {
        recorder.begin(
            method: request.method, path: request.path,
            target: ActiveRequest.inboundTarget(path: request.path, query: request.query),
            marker: request.header(RunMarker.headerName).flatMap(RunMarker.init(header:))
        )
    }

    /// The `Server-Timing` header's value for what the request did so far, when enabled.
    public func serverTimingValue(_ timing: RequestTiming) -> String? {
        serverTiming ? ServerTiming.header(for: timing) : nil
    }

    /// Notes a response body of `bytes`, if large enough to matter.
    public func noteBody(_ active: ActiveRequest, bytes: Int, contentType: String?, contentEncoding: String?) {
        guard bytes >= ResponseFacts.noteworthyBytes else { return }
        active.noteResponse(ResponseFacts(bytes: bytes, contentType: contentType, contentEncoding: contentEncoding))
    }

    /// Ends a request (`timing` when already taken for the header).
    @discardableResult
    public func finish(_ active: ActiveRequest, route: String, status: Int, timing: RequestTiming? = nil) -> CompletedRequest {
        recorder.finish(active, route: route, status: status, timing: timing ?? active.timing())
    }

    // MARK: - ?profile=1

    /// What a profiled request answers with.
    public enum ProfileReply: Sendable {
        /// The app's own response, with this header added (where the profile is, or "busy").
        case header(name: String, value: String)
        /// This instead of the app's response (the flamegraph page, or that it is not ready).
        case replace(ServedResponse)
    }

    /// Serves a request inside a profile (``RequestProfiling/serve(_:label:_:)``).
    public func profile<Response>(
        _ asked: RequestProfiling.Request, label: @escaping @Sendable () -> String, _ serve: () async throws -> Response
    ) async throws -> (Response, ProfileReply) {
        guard let profiling else { return (try await serve(), .header(name: RequestProfiling.headerName, value: RequestProfiling.busy)) }
        let (response, outcome) = try await profiling.serve(asked, label: label, serve)
        switch outcome {
        case .busy:
            return (response, .header(name: RequestProfiling.headerName, value: RequestProfiling.busy))
        case .stored(let id):
            return (response, .header(name: RequestProfiling.headerName, value: profiling.path(forID: id, access: reports)))
        case .page(let page):
            return (response, .replace(ServedResponse(status: 200, contentType: "text/html; charset=utf-8", body: Array(page.utf8))))
        case .pageNotReady(let id):
            return (response, .replace(Self.pending(location: profiling.path(forID: id, access: reports))))
        }
    }
}

/// A request as the serving layer reads it.
public struct IncomingRequest: Sendable {
    public var method: String
    /// Without the query string.
    public var path: String
    public var query: String?
    /// A header's first value, by case-insensitive name.
    public var header: @Sendable (String) -> String?

    public init(method: String, path: String, query: String?, header: @escaping @Sendable (String) -> String?) {
        self.method = method
        self.path = path
        self.query = query
        self.header = header
    }
}

/// A response of Hotpath's own routes, for the framework to send as is.
public struct ServedResponse: Sendable {
    public var status: Int
    /// Content-Type and Cache-Control first, then any others.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.headers = [("Content-Type", contentType), ("Cache-Control", "no-store")]
        self.body = body
    }
}
