import Hotpath
import HotpathProfiler
import HTTPTypes
import Hummingbird
import Logging

/// Hotpath for Hummingbird 2: times every request by its route pattern, records what
/// happens inside it, adds a `Server-Timing` header, and (when a token is configured)
/// serves the report under `/_hotpath`.
///
/// ```swift
/// let recorder = Recorder()
/// let router = Router()
/// router.add(middleware: HotpathMiddleware(recorder: recorder, reports: ReportAccess(token: "s3cret")))
/// router.get("/orders/{id}") { request, context in … }   // add routes after the middleware
/// ```
///
/// Add it before the routes: Hummingbird only wraps routes registered after a middleware.
///
/// A response body of known length counts until the handler returns it; a streamed body of
/// unknown length counts until its last byte is written.
///
/// With `profiling` set, a request that carries the report token and `?profile=1` is
/// profiled: `&format=html` answers with its flamegraph, otherwise the profile is kept and
/// the `X-Hotpath-Profile` header says where (`/_hotpath/profiles/3`, also `.txt`, `.json`,
/// `.speedscope.json`, `.collapsed`, `.pb`).
public struct HotpathMiddleware<Context: RequestContext>: RouterMiddleware {
    public let recorder: Recorder
    public let reports: ReportAccess
    public let serverTiming: Bool
    public let logger: Logger?
    public let profiling: RequestProfiling?

    /// - Parameters:
    ///   - recorder: where requests are kept; share it with anything that reads reports.
    ///   - reports: the report endpoints' prefix and token; off without a token.
    ///   - serverTiming: add the `Server-Timing` header to responses.
    ///   - logger: when given, one line per request at `.info`.
    ///   - profiling: `?profile=1` for requests that carry the report token; off when nil.
    public init(
        recorder: Recorder, reports: ReportAccess = ReportAccess(), serverTiming: Bool = true, logger: Logger? = nil,
        profiling: RequestProfiling? = nil
    ) {
        self.recorder = recorder
        self.reports = reports
        self.serverTiming = serverTiming
        self.logger = logger
        self.profiling = profiling
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        if reports.token != nil, let endpoint = reports.endpoint(forPath: path) {
            if let response = try serveReport(endpoint, for: request) { return response }
            return try await next(request, context)
        }

        if let profiling, let asked = profiling.request(forQuery: request.uri.query), isAuthorized(request) {
            return try await profile(request, context: context, next: next, asked: asked, profiling: profiling)
        }
        return try await record(request, context: context, next: next)
    }

    /// Serves the request inside a profile, then answers with the flamegraph or names it.
    private func profile(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response,
        asked: RequestProfiling.Request, profiling: RequestProfiling
    ) async throws -> Response {
        let label = "\(request.method.rawValue) \(context.endpointPath ?? request.uri.path)"
        var (response, outcome) = try await profiling.serve(asked, label: { label }) {
            try await record(request, context: context, next: next)
        }
        switch outcome {
        case .busy:
            if let name = HeaderNames.profile { response.headers[name] = RequestProfiling.busy }
        case .stored(let id):
            if let name = HeaderNames.profile { response.headers[name] = profiling.path(forID: id, access: reports) }
        case .page(let page):
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
        case .pageNotReady(let id):
            return Self.pending(location: profiling.path(forID: id, access: reports))
        }
        return response
    }

    /// A profile still being symbolicated: ask again in a second.
    static func pending(location: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.retryAfter] = "1"
        if let name = HeaderNames.profile { headers[name] = location }
        return Response(
            status: .serviceUnavailable, headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: "the profile is still being symbolicated; it will be at \(location)\n"))
        )
    }

    private func path(of request: Request) -> String { request.uri.path }

    private func isAuthorized(_ request: Request) -> Bool {
        let tokenHeader = HeaderNames.token.flatMap { request.headers[$0] }
        return reports.isAuthorized(tokenHeader: tokenHeader, authorization: request.headers[.authorization], query: request.uri.query)
    }

    private func record(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let active = recorder.begin(method: request.method.rawValue, path: path)
        do {
            var response = try await ActiveRequest.$current.withValue(active) {
                try await next(request, context)
            }
            let route = context.endpointPath ?? "NotFound"
            let status = Int(response.status.code)
            let timing = active.timing()
            if serverTiming, let name = HeaderNames.serverTiming {
                // Appended, not set: Server-Timing is a list header, so entries the app added
                // itself stay, and appending skips the search that setting does.
                response.headers.append(HTTPField(name: name, value: ServerTiming.header(for: timing)))
            }
            // A body of known length is complete when the handler returns: finish now.
            // A streamed body of unknown length is still being produced, so finish after its
            // last byte (as Hummingbird's MetricsMiddleware does). Wrapping every body would
            // cost a closure and a slower write path on every request.
            let body = response.body
            if let length = body.contentLength, length >= ResponseFacts.noteworthyBytes {
                active.noteResponse(ResponseFacts(
                    bytes: length, contentType: response.headers[.contentType], contentEncoding: response.headers[.contentEncoding]
                ))
            }
            if body.contentLength != nil {
                Self.finish(active, route: route, status: status, timing: timing, recorder: recorder, logger: logger)
            } else {
                let recorder = self.recorder
                let logger = self.logger
                response.body = ResponseBody { writer in
                    defer { Self.finish(active, route: route, status: status, timing: nil, recorder: recorder, logger: logger) }
                    try await body.write(writer)
                }
            }
            return response
        } catch {
            let status = (error as? any HTTPResponseError).map { Int($0.status.code) } ?? 500
            Self.finish(active, route: context.endpointPath ?? "NotFound", status: status, timing: nil, recorder: recorder, logger: logger)
            throw error
        }
    }

    /// `timing` when already taken; otherwise it is taken now.
    private static func finish(
        _ active: ActiveRequest, route: String, status: Int, timing: RequestTiming?, recorder: Recorder, logger: Logger?
    ) {
        let completed = recorder.finish(active, route: route, status: status, timing: timing ?? active.timing())
        logger?.info("\(RequestLogText.text(completed))")
    }

    /// The report, or nil when the request may not see it (it then gets the router's 404).
    private func serveReport(_ endpoint: ReportAccess.Endpoint, for request: Request) throws -> Response? {
        guard isAuthorized(request) else { return nil }
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        if case .profile(let name) = endpoint {
            guard let profiling, let rendered = profiling.rendered(name) else { return nil }
            guard case .ready(let contentType, let body) = rendered else { return Self.pending(location: path(of: request)) }
            headers[.contentType] = contentType
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        let report = recorder.report()
        switch endpoint {
        case .json:
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try ReportJSON.encode(report))))
        case .html:
            headers[.contentType] = "text/html; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: ReportHTML.render(report))))
        case .profile:
            return nil
        }
    }
}

/// Header names made once, not per request.
enum HeaderNames {
    static let serverTiming = HTTPField.Name(ServerTiming.headerName)
    static let token = HTTPField.Name(ReportAccess.tokenHeader)
    static let profile = HTTPField.Name(RequestProfiling.headerName)
}
