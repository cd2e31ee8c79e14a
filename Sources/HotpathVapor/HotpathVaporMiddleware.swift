import Hotpath
import HotpathProfiler
import HotpathServing
import Vapor

/// Hotpath for Vapor 4: times every request by its route pattern, records what happens
/// inside it, adds a `Server-Timing` header, and (when a token is configured) serves the
/// report under `/_hotpath`.
///
/// ```swift
/// let recorder = Recorder()
/// app.middleware.use(HotpathVaporMiddleware(recorder: recorder, reports: ReportAccess(token: "s3cret")), at: .beginning)
/// ```
///
/// Routes appear as Vapor writes them (`/orders/:id`). The time recorded ends when the
/// handler returns its response (Vapor writes the body after the middleware chain).
///
/// With `profiling` set, `?profile=1` (with the report token) profiles the request, as the
/// Hummingbird middleware does. Everything but the translation of Vapor's types is
/// ``HotpathServer``'s.
public struct HotpathVaporMiddleware: AsyncMiddleware {
    public let server: HotpathServer
    /// One line per request at `.info` on the request's logger.
    public let logRequests: Bool

    public var recorder: Recorder { server.recorder }
    public var reports: ReportAccess { server.reports }

    public init(
        recorder: Recorder, reports: ReportAccess = ReportAccess(), serverTiming: Bool = true, logRequests: Bool = false,
        profiling: RequestProfiling? = nil
    ) {
        self.server = HotpathServer(recorder: recorder, reports: reports, serverTiming: serverTiming, profiling: profiling)
        self.logRequests = logRequests
    }

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let incoming = Self.incoming(request)
        switch server.decide(incoming) {
        case .answer(let served):
            return Self.response(served)
        case .passThrough:
            return try await next.respond(to: request)
        case .profile(let asked):
            let label = "\(request.method.rawValue) \(Self.routePattern(of: request))"
            let (response, reply) = try await server.profile(asked, label: { label }) {
                try await record(incoming, request, next: next)
            }
            switch reply {
            case .header(let name, let value):
                response.headers.replaceOrAdd(name: name, value: value)
                return response
            case .replace(let served):
                return Self.response(served)
            }
        case .record:
            return try await record(incoming, request, next: next)
        }
    }

    private func record(_ incoming: IncomingRequest, _ request: Request, next: any AsyncResponder) async throws -> Response {
        let active = server.begin(incoming)
        do {
            let response = try await ActiveRequest.$current.withValue(active) {
                try await next.respond(to: request)
            }
            let timing = active.timing()
            if let value = server.serverTimingValue(timing) {
                response.headers.replaceOrAdd(name: ServerTiming.headerName, value: value)
            }
            // -1 for a streamed body of unknown length.
            server.noteBody(
                active, bytes: response.body.count, contentType: response.headers.first(name: .contentType),
                contentEncoding: response.headers.first(name: .contentEncoding)
            )
            finish(active, request: request, status: Int(response.status.code), timing: timing)
            return response
        } catch {
            let status = (error as? any AbortError).map { Int($0.status.code) } ?? 500
            finish(active, request: request, status: status, timing: nil)
            throw error
        }
    }

    private func finish(_ active: ActiveRequest, request: Request, status: Int, timing: RequestTiming?) {
        let completed = server.finish(active, route: Self.routePattern(of: request), status: status, timing: timing)
        if logRequests { request.logger.info("\(RequestLogText.text(completed))") }
    }

    /// `/orders/:id`, as Vapor builds it; "NotFound" when no route matched.
    static func routePattern(of request: Request) -> String {
        guard let route = request.route else { return "NotFound" }
        return "/" + route.path.map { "\($0)" }.joined(separator: "/")
    }

    static func incoming(_ request: Request) -> IncomingRequest {
        let headers = request.headers
        return IncomingRequest(method: request.method.rawValue, path: request.url.path, query: request.url.query) { name in
            headers.first(name: name)
        }
    }

    static func response(_ served: ServedResponse) -> Response {
        var headers = HTTPHeaders()
        for (name, value) in served.headers { headers.add(name: name, value: value) }
        return Response(status: HTTPResponseStatus(statusCode: served.status), headers: headers, body: .init(buffer: ByteBuffer(bytes: served.body)))
    }
}
