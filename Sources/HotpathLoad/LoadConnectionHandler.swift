import Hotpath
import NIOCore
import NIOSSL
import NIOTLS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One keep-alive connection: sends the request, reads the response, records it, repeats.
///
/// At most one request is in flight. The response is parsed in place from the read buffer
/// and the same pre-encoded request buffer is written each time, so the steady state
/// allocates nothing per request.
final class LoadConnectionHandler: ChannelInboundHandler, LoadConnection, NIOScheduledCallbackHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    // Unowned: the hot path reads them on every response, and a retain and release each time
    // showed in profiles. Safe because `LoadRun` keeps every worker (and so its slots) alive
    // until its event loops have stopped.
    private unowned(unsafe) let worker: LoadWorker
    private unowned(unsafe) let slot: ConnectionSlot
    /// The request mix, copied once per connection so a send touches no other object.
    private let plan: RequestPlan
    private let singleRequest: Bool
    private let isOpenModel: Bool
    private let usesTLS: Bool
    private var context: ChannelHandlerContext?
    private var parser = HTTPResponseParser()

    private var ready = false
    var isReady: Bool { ready }
    private var inFlight = false
    /// Whether the in-flight request counts (sent while measuring) and holds a `-n` ticket.
    private var inFlightMeasured = false
    private var inFlightTicketed = false
    private var sentAt: UInt64 = 0
    private var intendedAt: UInt64 = 0
    /// The request-name index of the request in flight (per-name statistics).
    private var inFlightEndpoint = 0
    /// An open-model send waiting for its time. A scheduled callback, not a scheduled task:
    /// no promise and no closure to allocate per request.
    private var pendingSend: NIOScheduledCallback?
    /// True while a write is inside `writeAndFlush`: a connection that closes then failed
    /// to write (NIO reports a failed write only to its promise, and a promise per request
    /// costs allocations; on loopback and LANs a request's bytes go out within the call).
    private var writing = false
    /// When the connection was opened, to time out a TLS handshake that never finishes.
    private let openedAt = MonotonicClock.now()
    /// Whether any response arrived on this connection (a connection that is reset before
    /// answering anything is retried with back-off, like a failed connect).
    private(set) var answeredAny = false
    /// True while `parser.feed` runs: what follows a response waits until it returns, so
    /// that a write failing synchronously cannot re-enter the parser.
    private var parsing = false
    private var afterParsing: AfterResponse = .nothing

    private enum AfterResponse {
        case nothing, sendNext, close
    }
    /// Set once this connection's failure has been counted, so close does not count it again.
    private var failureCounted = false
    private var shuttingDown = false

    init(worker: LoadWorker, slot: ConnectionSlot, usesTLS: Bool) {
        self.worker = worker
        self.slot = slot
        self.usesTLS = usesTLS
        self.plan = worker.plan
        self.singleRequest = worker.plan.http1.count == 1
        self.isOpenModel = worker.schedule != nil
        parser.expectsNoBody = worker.plan.expectsNoBody.first ?? false
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        worker.connectionOpened(self, slot: slot)
    }

    func channelActive(context: ChannelHandlerContext) {
        if !usesTLS { becomeReady() }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if usesTLS, let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent {
            becomeReady()
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func becomeReady() {
        guard !ready else { return }
        ready = true
        sendNext()
    }

    // MARK: - Sending

    private func sendNext() {
        guard let context else { return }
        sendNext(context: context)
    }

    private func sendNext(context: ChannelHandlerContext) {
        guard !shuttingDown, !inFlight, !worker.stopping else { return }
        var due: UInt64 = 0
        if isOpenModel {
            guard let next = worker.due(slot) else { return }  // the schedule is over
            let now = MonotonicClock.now()
            if !worker.isDue(next, now: now) {
                guard pendingSend == nil else { return }
                pendingSend = try? context.eventLoop.assumeIsolated().scheduleCallback(in: worker.wait(until: next, now: now), handler: self)
                return
            }
            due = next
        }
        send(intended: due, context: context)
    }

    private func send(intended: UInt64, context: ChannelHandlerContext) {
        let measured = worker.measuring
        let ticketed = measured && worker.shared.requestLimit != nil
        if ticketed {
            guard worker.shared.takeTicket() else { return }  // -n reached: stay idle
        }
        var request = 0
        if isOpenModel { worker.consumeDue(slot) }
        if !singleRequest {
            request = worker.pickRequest()
            inFlightEndpoint = plan.endpoints[request]
            parser.expectsNoBody = plan.expectsNoBody[request]
        }
        inFlight = true
        inFlightMeasured = measured
        inFlightTicketed = ticketed
        sentAt = MonotonicClock.now()
        // A send in the early window is timed from the send itself, never from before it.
        intendedAt = intended == 0 ? sentAt : min(intended, sentAt)
        writing = true
        context.writeAndFlush(wrapOutboundOut(plan.http1[request]), promise: nil)
        writing = false
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        pendingSend = nil
        sendNext()
    }

    func didCancelScheduledCallback(eventLoop: some EventLoop) {}

    /// The schedule restarted: a timer set for the old one is dropped.
    func rescheduled() {
        pendingSend?.cancel()
        pendingSend = nil
        if ready, !parsing { sendNext() }
    }

    // MARK: - Receiving

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if worker.measuring { worker.statistics.bytesRead &+= UInt64(buffer.readableBytes) }
        parsing = true
        // Parsed in a local copy (plain bytes, no references): a class property mutated across
        // the callback would be checked for exclusive access at run time on every read.
        var local = parser
        do {
            try buffer.withUnsafeReadableBytes { bytes throws(HTTPResponseParseError) in
                var index = 0
                while let response = try local.nextResponse(in: bytes, from: &index) { responseCompleted(response) }
            }
            parser = local
        } catch {
            parsing = false
            afterParsing = .nothing
            fail(.read)
            return
        }
        parsing = false
        let next = afterParsing
        afterParsing = .nothing
        switch next {
        case .nothing: break
        case .sendNext: sendNext(context: context)
        case .close: shutDown()
        }
    }

    /// Not passed on: nothing after this handler wants it, and the hop costs on every read.
    func channelReadComplete(context: ChannelHandlerContext) {}

    private func responseCompleted(_ response: ParsedResponse) {
        guard inFlight else {
            // A response nobody asked for: the server is confused; start over.
            fail(.read)
            return
        }
        let now = MonotonicClock.now()
        inFlight = false
        answeredAny = true
        if inFlightMeasured {
            worker.recordResponse(status: response.status, endpoint: inFlightEndpoint, sentAt: sentAt, intendedAt: intendedAt, now: now)
        }
        if inFlightTicketed { worker.shared.resolveTicket() }
        let next: AfterResponse = response.keepAlive ? .sendNext : .close
        if parsing {
            afterParsing = next
        } else if next == .sendNext {
            sendNext()
        } else {
            shutDown()
        }
    }

    // MARK: - Failures and closing

    /// Counts the in-flight request as failed and drops the connection.
    private func fail(_ kind: LoadErrors.Kind) {
        if inFlight, !failureCounted {
            failureCounted = true
            if inFlightMeasured { worker.recordFailure(kind, endpoint: inFlightEndpoint, now: MonotonicClock.now()) }
            if inFlightTicketed { worker.shared.resolveTicket() }
        }
        inFlight = false
        afterParsing = .nothing
        pendingSend?.cancel()
        pendingSend = nil
        context?.close(promise: nil)
    }

    func checkTimeout(now: UInt64, limit: UInt64) {
        if inFlight, now &- sentAt > limit {
            fail(.timeout)
        } else if !ready, now &- openedAt > limit {
            // A TLS handshake that never finishes: closing it counts as a connect failure.
            context?.close(promise: nil)
        }
    }

    var measuredInFlight: Int { inFlight && inFlightMeasured ? 1 : 0 }

    /// Closes without counting anything (run over, or the server asked to close).
    func shutDown() {
        shuttingDown = true
        pendingSend?.cancel()
        pendingSend = nil
        inFlight = false
        context?.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A TLS peer that closes without close_notify still ends a close-delimited body.
        if let tlsError = error as? NIOSSLError, case .uncleanShutdown = tlsError, inFlight, !parsing,
            let response = parser.finishAtEndOfStream()
        {
            responseCompleted(response)
            return
        }
        if let ioError = error as? IOError, ioError.errnoCode == EPIPE {
            fail(.write)
        } else {
            fail(.read)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pendingSend?.cancel()
        pendingSend = nil
        if inFlight, !parsing, let response = parser.finishAtEndOfStream() {
            responseCompleted(response)
        }
        if inFlight, !shuttingDown { fail(writing ? .write : .read) }
        inFlight = false
        worker.connectionClosed(self, slot: slot, wasUsable: ready && answeredAny)
        self.context = nil
        context.fireChannelInactive()
    }
}
