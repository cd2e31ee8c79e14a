import Hotpath
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOTLS

/// How the load generator's HTTP/2 connections are set up.
enum HTTP2LoadSettings {
    /// Stream and connection receive windows: large, so that responses flow without waiting
    /// for window updates; topped up when half is used.
    static let window = 1 << 24

    /// The frame-level handler: no stream multiplexer (no child channel per request), and the
    /// DoS limits of a server lifted, because counting a server's many resets is the point.
    static func makeHandler() -> NIOHTTP2Handler {
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .enablePush, value: 0),
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 100),
            HTTP2Setting(parameter: .initialWindowSize, value: window),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 1 << 16),
        ]
        connection.maximumRecentlyResetStreams = 10_000
        connection.maximumConnectionGlitches = Int.max / 2
        var stream = NIOHTTP2Handler.StreamConfiguration()
        stream.streamResetFrameRateLimit.maximumCount = Int.max / 2
        stream.streamErrorRateLimit.maximumCount = Int.max / 2
        return NIOHTTP2Handler(mode: .client, connectionConfiguration: connection, streamConfiguration: stream)
    }
}

/// One HTTP/2 connection with up to `streamsPerConnection` requests in flight, each on its own
/// stream, written and read as frames (no child channel per stream).
///
/// Latency follows the HTTP/1.1 handler: from the send in a closed loop, from the intended send
/// in an open model. A reset stream counts as a `reset` error; a GOAWAY stops new streams on the
/// connection, and streams above its last stream id, which the server never started, go out
/// again on the next connection.
final class HTTP2LoadConnectionHandler: ChannelInboundHandler, LoadConnection, NIOScheduledCallbackHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private struct Stream {
        var endpoint: Int
        var sentAt: UInt64
        var intendedAt: UInt64
        var measured: Bool
        var ticketed: Bool
        var status = 0
        /// Flow-controlled bytes received since the stream's window was last topped up.
        var received = 0
    }

    private let worker: LoadWorker
    private let slot: ConnectionSlot
    private let usesTLS: Bool
    private var context: ChannelHandlerContext?
    private var streams: StreamTable<Stream>
    /// Reused for the ids a timeout sweep or a GOAWAY settles.
    private var scratch: [Int32] = []
    private var nextStreamID: Int32 = 1
    /// The server's SETTINGS arrived (so its stream limit is known): streams may go.
    private var ready = false
    var isReady: Bool { ready }
    private var answeredAny = false
    private var shuttingDown = false
    /// No new streams: after a GOAWAY, or once stream ids run out.
    private var draining = false
    private var goAwayLastStreamID: Int32?
    private var limit: Int
    private var connectionReceived = 0
    private var pendingSend: NIOScheduledCallback?
    private var needsFlush = false
    private var reading = false
    private let openedAt = MonotonicClock.now()

    init(worker: LoadWorker, slot: ConnectionSlot, usesTLS: Bool) {
        self.worker = worker
        self.slot = slot
        self.usesTLS = usesTLS
        limit = worker.streamsPerConnection
        streams = StreamTable(limit: worker.streamsPerConnection)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        worker.connectionOpened(self, slot: slot)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = tlsEvent, negotiated != "h2" {
            // The preflight saw h2; a server that changed its mind is a failed connect.
            context.close(promise: nil)
        } else if let closed = event as? StreamClosedEvent, closed.reason != nil {
            // Resets nio-http2 made itself, or streams a GOAWAY closed: whatever the frames did not settle.
            let id = Int32(closed.streamID)
            if let last = goAwayLastStreamID, id > last {
                refuse(id)
            } else if streams[id] != nil {
                finish(id, failure: .reset)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: - Sending

    /// Opens streams while there is room and something is due.
    private func pump() {
        guard ready, !shuttingDown, !draining, !worker.stopping, let context else { return }
        while streams.count < limit {
            guard let due = worker.due(slot) else { return }  // the schedule is over
            if due != 0 {
                let now = MonotonicClock.now()
                if !worker.isDue(due, now: now) {
                    if pendingSend == nil {
                        pendingSend = try? context.eventLoop.assumeIsolated().scheduleCallback(
                            in: worker.wait(until: due, now: now), handler: self
                        )
                    }
                    break
                }
            }
            let measured = worker.measuring
            if measured, !worker.shared.takeTicket() { break }  // -n reached
            worker.consumeDue(slot)
            send(intended: due, measured: measured, context: context)
            if nextStreamID > Int32.max - 2 {
                draining = true
                break
            }
        }
        if !reading { flushIfNeeded() }
    }

    private func send(intended: UInt64, measured: Bool, context: ChannelHandlerContext) {
        let index = worker.pickRequest()
        let request = worker.plan.http2[index]
        let id = nextStreamID
        nextStreamID &+= 2
        let sentAt = MonotonicClock.now()
        streams.insert(
            Stream(
                endpoint: worker.plan.endpoints[index],
                sentAt: sentAt,
                intendedAt: intended == 0 ? sentAt : min(intended, sentAt),
                measured: measured,
                ticketed: measured && worker.shared.requestLimit != nil
            ),
            for: id
        )
        let streamID = HTTP2StreamID(id)
        let headers = HTTP2Frame.FramePayload.Headers(headers: request.headers, endStream: request.body == nil)
        context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: .headers(headers))), promise: nil)
        if let body = request.body {
            let data = HTTP2Frame.FramePayload.Data(data: .byteBuffer(body), endStream: true)
            context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: .data(data))), promise: nil)
        }
        needsFlush = true
    }

    private func flushIfNeeded() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        pendingSend = nil
        pump()
        flushIfNeeded()
    }

    func didCancelScheduledCallback(eventLoop: some EventLoop) {}

    func rescheduled() {
        pendingSend?.cancel()
        pendingSend = nil
        pump()
    }

    // MARK: - Receiving

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        reading = true
        let id = Int32(frame.streamID)
        switch frame.payload {
        case .headers(let headers):
            if streams[id]?.status == 0, let status = Self.status(headers.headers) {
                // 1xx are interim: the final status follows in another HEADERS frame.
                if status >= 200 || status < 100 { streams.update(id) { $0.status = status } }
            }
            if headers.endStream { complete(id) }
        case .data(let body):
            let bytes = body.data.readableBytes
            if worker.measuring { worker.statistics.bytesRead &+= UInt64(bytes) }
            let flowControlled = bytes + (body.paddingBytes.map { $0 + 1 } ?? 0)
            receiveWindow(id, flowControlled, endStream: body.endStream, context: context)
            if body.endStream { complete(id) }
        case .rstStream:
            if let last = goAwayLastStreamID, id > last {
                refuse(id)
            } else {
                finish(id, failure: .reset)
            }
        case .goAway(let lastStreamID, _, _):
            if worker.measuring { worker.recordFailure(.goaway, endpoint: -1, now: MonotonicClock.now()) }
            draining = true
            let last = Int32(lastStreamID)
            goAwayLastStreamID = last
            streams.ids(where: { id, _ in id > last }, into: &scratch)
            for refused in scratch { refuse(refused) }
        case .settings(.settings(let settings)):
            for setting in settings where setting.parameter == .maxConcurrentStreams {
                limit = max(1, min(worker.streamsPerConnection, setting.value))
            }
            if !ready {
                ready = true
                // The connection window starts at 65,535 whatever SETTINGS say: open it up.
                let increment = HTTP2LoadSettings.window - 65_535
                context.write(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))), promise: nil)
                needsFlush = true
            }
            pump()
        default:
            break
        }
        reading = false
        afterFrame(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded()
        context.fireChannelReadComplete()
    }

    private func afterFrame(context: ChannelHandlerContext) {
        if draining, streams.isEmpty, !shuttingDown {
            // A GOAWAY'd (or exhausted) connection is done: the next one takes over.
            flushIfNeeded()
            context.close(promise: nil)
        }
    }

    private func receiveWindow(_ id: Int32, _ bytes: Int, endStream: Bool, context: ChannelHandlerContext) {
        connectionReceived += bytes
        if connectionReceived >= HTTP2LoadSettings.window / 2 {
            let increment = connectionReceived
            connectionReceived = 0
            context.write(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))), promise: nil)
            needsFlush = true
        }
        guard !endStream else { return }
        var increment = 0
        streams.update(id) { stream in
            stream.received += bytes
            if stream.received >= HTTP2LoadSettings.window / 2 {
                increment = stream.received
                stream.received = 0
            }
        }
        if increment > 0 {
            context.write(wrapOutboundOut(HTTP2Frame(streamID: HTTP2StreamID(id), payload: .windowUpdate(windowSizeIncrement: increment))), promise: nil)
            needsFlush = true
        }
    }

    private func complete(_ id: Int32) {
        guard let stream = streams.remove(id) else { return }
        answeredAny = true
        if stream.measured {
            worker.recordResponse(status: stream.status, endpoint: stream.endpoint, sentAt: stream.sentAt, intendedAt: stream.intendedAt, now: MonotonicClock.now())
        }
        if stream.ticketed { worker.shared.resolveTicket() }
        pump()
    }

    /// Counts a stream as failed and frees its place.
    private func finish(_ id: Int32, failure: LoadErrors.Kind) {
        guard let stream = streams.remove(id) else { return }
        if stream.measured { worker.recordFailure(failure, endpoint: stream.endpoint, now: MonotonicClock.now()) }
        if stream.ticketed { worker.shared.resolveTicket() }
        pump()
    }

    /// A stream the server never started: not a failure; it is sent again, on a new connection.
    private func refuse(_ id: Int32) {
        guard let stream = streams.remove(id) else { return }
        if stream.ticketed { worker.shared.returnTicket() }
        // In an open model the request keeps its place in the schedule (latency from then).
        if worker.schedule != nil { slot.retries.append(stream.intendedAt) }
    }

    // MARK: - Failures and closing

    /// `:status` as a number, read from the bytes of the value without making a String.
    static func status(_ headers: HPACKHeaders) -> Int? {
        for header in headers where header.name == ":status" {
            var value = 0
            var digits = 0
            for byte in header.value.utf8 {
                guard byte >= 48, byte <= 57, digits < 3 else { return nil }
                value = value * 10 + Int(byte - 48)
                digits += 1
            }
            return digits == 3 ? value : nil
        }
        return nil
    }

    func checkTimeout(now: UInt64, limit: UInt64) {
        guard ready else {
            // No SETTINGS from the server (or no TLS handshake): a connect failure.
            if now &- openedAt > limit { context?.close(promise: nil) }
            return
        }
        streams.ids(where: { _, stream in now &- stream.sentAt > limit }, into: &scratch)
        guard !scratch.isEmpty, let context else { return }
        let expired = scratch
        for id in expired {
            // Counted first: resetting the stream makes nio-http2 report it closed at once.
            finish(id, failure: .timeout)
            let reset = HTTP2Frame(streamID: HTTP2StreamID(id), payload: .rstStream(.cancel))
            context.write(wrapOutboundOut(reset), promise: nil)
        }
        needsFlush = true
        flushIfNeeded()
    }

    var measuredInFlight: Int {
        streams.ids(where: { _, stream in stream.measured }, into: &scratch)
        return scratch.count
    }

    func shutDown() {
        shuttingDown = true
        pendingSend?.cancel()
        pendingSend = nil
        context?.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Protocol or TLS errors end the connection; its open streams fail in channelInactive.
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pendingSend?.cancel()
        pendingSend = nil
        let now = MonotonicClock.now()
        for stream in streams.removeAll() {
            if !shuttingDown, stream.measured { worker.recordFailure(.read, endpoint: stream.endpoint, now: now) }
            if stream.ticketed { worker.shared.resolveTicket() }
        }
        worker.connectionClosed(self, slot: slot, wasUsable: ready && answeredAny)
        self.context = nil
        context.fireChannelInactive()
    }
}
