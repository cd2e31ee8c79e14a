import AsyncHTTPClient
import Hotpath
import HotpathStacks
import Logging
import NIOCore
import NIOHTTP1

/// An `HTTPClient` whose calls are recorded on the request being served: method, host, path,
/// status, bytes, the app's call site (`file:line` of the call), and hashed words of the URL
/// and response body (so the detectors can see when one call used another's result).
///
/// ```swift
/// let http = HotpathHTTPClient(HTTPClient.shared)
/// let rates = try await http.get("https://api.partner.test/rates").body.collect(upTo: 1 << 20)
/// ```
///
/// The call ends when the caller has read the body to its end; if the caller never reads it,
/// when the response head arrived. Bytes and words are counted as the body streams through, so
/// `collect(upTo:)` and `for try await chunk in response.body` both work. A body dropped
/// unread is recorded when the response is released, so release it before the handler returns.
///
/// Recording never throws and never changes what the client does; outside a request (no
/// ``ActiveRequest/current``) calls go straight to the client.
public struct HotpathHTTPClient: Sendable {
    public let client: HTTPClient
    /// Kept for source compatibility: the query string is never part of a recorded call's name
    /// (it may hold personal data); the repeated-call detector sees the whole URL through a hash.
    public let nameIncludesQuery: Bool

    /// - Parameter recorder: when given, the report says call capture is installed even before
    ///   a call was made.
    public init(_ client: HTTPClient, nameIncludesQuery: Bool = false, recorder: Recorder? = nil) {
        self.client = client
        self.nameIncludesQuery = nameIncludesQuery
        recorder?.declare(.calls(adapter: "HotpathHTTPClient"))
        CallSites.shared.prepareInBackground()
    }

    /// Runs `request` like `HTTPClient.execute(_:timeout:logger:)`, recording it.
    ///
    /// - Parameter bodyTokens: words of the request body, when it is at hand (the request's
    ///   body itself cannot be read back); ``post(_:body:headers:timeout:logger:file:line:)``
    ///   fills it in.
    public func execute(
        _ request: HTTPClientRequest,
        timeout: TimeAmount = .seconds(30),
        logger: Logger? = nil,
        bodyTokens: HTTPTokenSet? = nil,
        file: String = #fileID,
        line: Int = #line
    ) async throws -> HTTPClientResponse {
        let length = request.headers.first(name: "content-length").flatMap { Int($0) }
        return try await run(request, timeout: timeout, logger: logger, bodyTokens: bodyTokens, requestBytes: length, file: file, line: line)
    }

    private func run(
        _ request: HTTPClientRequest,
        timeout: TimeAmount,
        logger: Logger?,
        bodyTokens: HTTPTokenSet?,
        requestBytes: Int?,
        file: String,
        line: Int
    ) async throws -> HTTPClientResponse {
        guard let active = ActiveRequest.current else {
            return try await client.execute(request, timeout: timeout, logger: logger)
        }
        // The exact line that called the client, and the app's callers above it (when that line
        // is in a helper of the app's, the lines that called the helper).
        let site = CallSites.shared.asyncCaller(fileID: file, line: line)
        let start = MonotonicClock.now()
        let method = request.method.rawValue
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout, logger: logger)
        } catch {
            // No error text: it may quote the URL or the peer's answer.
            active.recordCall(
                CallDetail(method: method, url: request.url, requestBytes: requestBytes, failed: true, requestBodyTokens: bodyTokens),
                from: start, to: MonotonicClock.now(), callSite: site
            )
            throw error
        }
        let recording = CallRecording(
            request: active, method: method, url: request.url, start: start, headEnd: MonotonicClock.now(),
            status: Int(response.status.code), requestBytes: requestBytes, requestBodyTokens: bodyTokens,
            callSite: site
        )
        var wrapped = response
        wrapped.body = .stream(RecordingBody(upstream: response.body, recording: recording))
        return wrapped
    }

    /// A GET of `url`.
    public func get(
        _ url: String,
        headers: HTTPHeaders = [:],
        timeout: TimeAmount = .seconds(30),
        logger: Logger? = nil,
        file: String = #fileID,
        line: Int = #line
    ) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.headers = headers
        return try await execute(request, timeout: timeout, logger: logger, file: file, line: line)
    }

    /// A POST of `body` to `url`; the body's words are hashed for the dependency check.
    public func post(
        _ url: String,
        body: ByteBuffer,
        headers: HTTPHeaders = [:],
        timeout: TimeAmount = .seconds(30),
        logger: Logger? = nil,
        file: String = #fileID,
        line: Int = #line
    ) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers = headers
        request.body = .bytes(body)
        let tokens = ActiveRequest.current == nil ? nil : HTTPTokenSet(scanning: body.readableBytesView)
        return try await run(
            request, timeout: timeout, logger: logger, bodyTokens: tokens, requestBytes: body.readableBytes, file: file, line: line
        )
    }
}
