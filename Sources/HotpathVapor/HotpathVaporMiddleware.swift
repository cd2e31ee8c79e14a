import Hotpath
import HotpathProfiler
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
/// Hummingbird middleware does.
public struct HotpathVaporMiddleware: AsyncMiddleware {
    public let recorder: Recorder
    public let reports: ReportAccess
    public let serverTiming: Bool
    /// One line per request at `.info` on the request's logger.
    public let logRequests: Bool
    public let profiling: RequestProfiling?

    public init(
        recorder: Recorder, reports: ReportAccess = ReportAccess(), serverTiming: Bool = true, logRequests: Bool = false,
        profiling: RequestProfiling? = nil
    ) {
        self.recorder = recorder
        self.reports = reports
        self.serverTiming = serverTiming
        self.logRequests = logRequests
        self.profiling = profiling
    }

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let path = request.url.path
        if reports.token != nil, let endpoint = reports.endpoint(forPath: path) {
            if let response = try serveReport(endpoint, for: request) { return response }
            return try await next.respond(to: request)
        }
        if let profiling, let asked = profiling.request(forQuery: request.url.query), isAuthorized(request) {
            let label = "\(request.method.rawValue) \(Self.routePattern(of: request))"
            let (response, outcome) = try await profiling.serve(asked, label: { label }) {
                try await record(request, next: next)
            }
            switch outcome {
            case .busy:
                response.headers.replaceOrAdd(name: RequestProfiling.headerName, value: RequestProfiling.busy)
            case .stored(let id):
                response.headers.replaceOrAdd(name: RequestProfiling.headerName, value: profiling.path(forID: id, access: reports))
            case .page(let page):
                var headers = HTTPHeaders()
                headers.replaceOrAdd(name: .contentType, value: "text/html; charset=utf-8")
                headers.replaceOrAdd(name: .cacheControl, value: "no-store")
                return Response(status: .ok, headers: headers, body: .init(string: page))
            case .pageNotReady(let id):
                return Self.pending(location: profiling.path(forID: id, access: reports))
            }
            return response
        }
        return try await record(request, next: next)
    }

    /// A profile still being symbolicated: ask again in a second.
    static func pending(location: String) -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/plain; charset=utf-8")
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        headers.replaceOrAdd(name: .retryAfter, value: "1")
        headers.replaceOrAdd(name: RequestProfiling.headerName, value: location)
        return Response(status: .serviceUnavailable, headers: headers, body: .init(string: "the profile is still being symbolicated; it will be at \(location)\n"))
    }

    private func isAuthorized(_ request: Request) -> Bool {
        reports.isAuthorized(
            tokenHeader: request.headers.first(name: ReportAccess.tokenHeader),
            authorization: request.headers.first(name: .authorization),
            query: request.url.query
        )
    }

    private func record(_ request: Request, next: any AsyncResponder) async throws -> Response {
        let path = request.url.path
        let active = recorder.begin(method: request.method.rawValue, path: path)
        do {
            let response = try await ActiveRequest.$current.withValue(active) {
                try await next.respond(to: request)
            }
            if serverTiming {
                response.headers.replaceOrAdd(name: ServerTiming.headerName, value: ServerTiming.header(for: active.timing()))
            }
            // -1 for a streamed body of unknown length.
            let length = response.body.count
            if length >= ResponseFacts.noteworthyBytes {
                active.noteResponse(ResponseFacts(
                    bytes: length, contentType: response.headers.first(name: .contentType),
                    contentEncoding: response.headers.first(name: .contentEncoding)
                ))
            }
            finish(active, request: request, status: Int(response.status.code))
            return response
        } catch {
            let status = (error as? any AbortError).map { Int($0.status.code) } ?? 500
            finish(active, request: request, status: status)
            throw error
        }
    }

    private func finish(_ active: ActiveRequest, request: Request, status: Int) {
        let completed = recorder.finish(active, route: Self.routePattern(of: request), status: status)
        if logRequests { request.logger.info("\(RequestLogText.text(completed))") }
    }

    /// `/orders/:id`, as Vapor builds it; "NotFound" when no route matched.
    static func routePattern(of request: Request) -> String {
        guard let route = request.route else { return "NotFound" }
        return "/" + route.path.map { "\($0)" }.joined(separator: "/")
    }

    /// The report, or nil when the request may not see it (it then gets Vapor's 404).
    private func serveReport(_ endpoint: ReportAccess.Endpoint, for request: Request) throws -> Response? {
        guard isAuthorized(request) else { return nil }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        if case .profile(let name) = endpoint {
            guard let profiling, let rendered = profiling.rendered(name) else { return nil }
            guard case .ready(let contentType, let body) = rendered else { return Self.pending(location: request.url.path) }
            headers.replaceOrAdd(name: .contentType, value: contentType)
            return Response(status: .ok, headers: headers, body: .init(buffer: ByteBuffer(bytes: body)))
        }
        let report = recorder.report()
        switch endpoint {
        case .json:
            headers.replaceOrAdd(name: .contentType, value: "application/json; charset=utf-8")
            return Response(status: .ok, headers: headers, body: .init(buffer: ByteBuffer(bytes: try ReportJSON.encode(report))))
        case .html:
            headers.replaceOrAdd(name: .contentType, value: "text/html; charset=utf-8")
            return Response(status: .ok, headers: headers, body: .init(string: ReportHTML.render(report)))
        case .profile:
            return nil
        }
    }
}
