import AsyncHTTPClient
import Hotpath
import NIOCore
import Synchronization

/// One outbound call in flight: what is known once the response head arrived, and what the
/// body adds as the caller reads it. Records the call on its request exactly once: when the
/// body ends or fails, or, if the caller never reads it to the end, when the response is
/// dropped (then the call ends at the head, or at the last chunk read).
final class CallRecording: Sendable {
    let request: ActiveRequest
    let method: String
    let url: String
    let start: UInt64
    let headEnd: UInt64
    let status: Int
    let requestBytes: Int?
    let requestBodyTokens: HTTPTokenSet?
    let callSite: CallSite?
    private let state = Mutex(State())

    struct State {
        var scanner = HTTPTokenScanner()
        var bytes = 0
        var lastRead: UInt64?
        var recorded = false
    }

    init(
        request: ActiveRequest, method: String, url: String, start: UInt64, headEnd: UInt64, status: Int,
        requestBytes: Int?, requestBodyTokens: HTTPTokenSet?, callSite: CallSite?
    ) {
        self.request = request
        self.method = method
        self.url = url
        self.start = start
        self.headEnd = headEnd
        self.status = status
        self.requestBytes = requestBytes
        self.requestBodyTokens = requestBodyTokens
        self.callSite = callSite
    }

    /// A chunk of the body reached the caller.
    func received(_ buffer: ByteBuffer) {
        let now = MonotonicClock.now()
        state.withLock { state in
            state.bytes += buffer.readableBytes
            state.lastRead = now
            if !state.scanner.isDone {
                buffer.withUnsafeReadableBytes { state.scanner.scan($0) }
            }
        }
    }

    /// The body ended (`failed`: with an error).
    func finish(failed: Bool = false) {
        record(end: MonotonicClock.now(), failed: failed)
    }

    deinit {
        // The caller dropped the response without reading the body to its end.
        let lastRead = state.withLock { $0.lastRead }
        record(end: lastRead ?? headEnd, failed: false)
    }

    private func record(end: UInt64, failed: Bool) {
        let taken: (bytes: Int, tokens: HTTPTokenSet)? = state.withLock { state in
            guard !state.recorded else { return nil }
            state.recorded = true
            return (state.bytes, state.scanner.tokens)
        }
        guard let taken else { return }
        request.recordCall(
            CallDetail(
                method: method, url: url, status: status, requestBytes: requestBytes, responseBytes: taken.bytes, failed: failed,
                requestBodyTokens: requestBodyTokens, responseTokens: taken.tokens
            ),
            from: start, to: end, callSite: callSite
        )
    }
}

/// The response body as the caller sees it: the same chunks, counted and scanned on the way.
struct RecordingBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let upstream: HTTPClientResponse.Body
    let recording: CallRecording

    struct AsyncIterator: AsyncIteratorProtocol {
        var upstream: HTTPClientResponse.Body.AsyncIterator
        let recording: CallRecording

        mutating func next() async throws -> ByteBuffer? {
            do {
                guard let buffer = try await upstream.next() else {
                    recording.finish()
                    return nil
                }
                recording.received(buffer)
                return buffer
            } catch {
                recording.finish(failed: true)
                throw error
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(upstream: upstream.makeAsyncIterator(), recording: recording)
    }
}
