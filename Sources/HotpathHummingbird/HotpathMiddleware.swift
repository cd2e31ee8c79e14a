import Hotpath
import HotpathProfiler
import HotpathServing
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
///
/// Everything but the translation of Hummingbird's types is ``HotpathServer``'s.
public struct HotpathMiddleware<Context: RequestContext>: RouterMiddleware {
    public let server: HotpathServer
    public let logger: Logger?

    public var recorder: Recorder { server.recorder }
    public var reports: ReportAccess { server.reports }

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
        self.server = HotpathServer(recorder: recorder, reports: reports, serverTiming: serverTiming, profiling: profiling)
        self.logger = logger
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let incoming = Self.incoming(request)
        switch server.decide(incoming) {
        case .answer(let served):
            return Self.response(served)
        case .passThrough:
            return try await next(request, context)
        case .profile(let asked):
            let label = "\(request.method.rawValue) \(context.endpointPath ?? request.uri.path)"
            var (response, reply) = try await server.profile(asked, label: { label }) {
                try await record(incoming, request, context: context, next: next)
            }
            switch reply {
            case .header(let name, let value):
                if let field = HTTPField.Name(name) { response.headers[field] = value }
                return response
            case .replace(let served):
                return Self.response(served)
            }
        case .record:
            return try await record(incoming, request, context: context, next: next)
        }
    }

    private func record(
        _ incoming: IncomingRequest, _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let active = server.begin(incoming)
        do {
            var response = try await ActiveRequest.$current.withValue(active) {
                try await next(request, context)
            }
            let route = context.endpointPath ?? "NotFound"
            let status = Int(response.status.code)
            let timing = active.timing()
            if let value = server.serverTimingValue(timing), let name = HeaderNames.serverTiming {
                // Appended, not set: Server-Timing is a list header, so entries the app added
                // itself stay, and appending skips the search that setting does.
                response.headers.append(HTTPField(name: name, value: value))
            }
            // A body of known length is complete when the handler returns: finish now. A
            // streamed body of unknown length is still being produced, so finish after its last
            // byte (as Hummingbird's MetricsMiddleware does). Wrapping every body would cost a
            // closure and a slower write path on every request.
            let body = response.body
            if let length = body.contentLength {
                server.noteBody(active, bytes: length, contentType: response.headers[.contentType], contentEncoding: response.headers[.contentEncoding])
                finish(active, route: route, status: status, timing: timing)
            } else {
                let server = self.server
                let logger = self.logger
                response.body = ResponseBody { writer in
                    defer { Self.finish(server, active, route: route, status: status, timing: nil, logger: logger) }
                    try await body.write(writer)
                }
            }
            return response
        } catch {
            let status = (error as? any HTTPResponseError).map { Int($0.status.code) } ?? 500
            finish(active, route: context.endpointPath ?? "NotFound", status: status, timing: nil)
            throw error
        }
    }

    private func finish(_ active: ActiveRequest, route: String, status: Int, timing: RequestTiming?) {
        Self.finish(server, active, route: route, status: status, timing: timing, logger: logger)
    }

    private static func finish(_ server: HotpathServer, _ active: ActiveRequest, route: String, status: Int, timing: RequestTiming?, logger: Logger?) {
        let completed = server.finish(active, route: route, status: status, timing: timing)
        logger?.info("\(RequestLogText.text(completed))")
    }

    static func incoming(_ request: Request) -> IncomingRequest {
        let headers = request.headers
        return IncomingRequest(method: request.method.rawValue, path: request.uri.path, query: request.uri.query) { name in
            HTTPField.Name(name).flatMap { headers[$0] }
        }
    }

    static func response(_ served: ServedResponse) -> Response {
        var headers = HTTPFields()
        for (name, value) in served.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: served.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: served.body))
        )
    }
}

/// Header names made once, not per request.
enum HeaderNames {
    static let serverTiming = HTTPField.Name(ServerTiming.headerName)
}
