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
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let worker: LoadWorker
    private let slot: ConnectionSlot
    private let usesTLS: Bool
    private var context: ChannelHandlerContext?
    private var parser = HTTPResponseParser()

    private var ready = false
    private var inFlight = false
    /// Whether the in-flight request counts (sent while measuring) and holds a `-n` ticket.
    private var inFlightMeasured = false
    private var inFlightTicketed = false
    private var sentAt: UInt64 = 0
    private var intendedAt: UInt64 = 0
    private var pendingSend: Scheduled<Void>?
    /// Set once this connection's failure has been counted, so close does not count it again.
    private var failureCounted = false
    private var shuttingDown = false

    init(worker: LoadWorker, slot: ConnectionSlot, usesTLS: Bool) {
        self.worker = worker
        self.slot = slot
        self.usesTLS = usesTLS
        self.parser.expectsNoBody = worker.expectsNoBody
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
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
        worker.connectionReady(self, slot: slot)
        sendNext()
    }

    // MARK: - Sending

    private func sendNext() {
        guard !shuttingDown, !worker.stopping, let context else { return }
        if worker.rateInterval != nil {
            let intended = slot.nextIntendedSend
            let now = MonotonicClock.now()
            if intended > now &+ 50_000 {
                pendingSend = context.eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(intended)) {
                    self.pendingSend = nil
                    self.send(intended: intended)
                }
                return
            }
            send(intended: intended)
        } else {
            send(intended: 0)
        }
    }

    private func send(intended: UInt64) {
        guard !shuttingDown, !worker.stopping, let context else { return }
        let measured = worker.measuring
        if measured {
            guard worker.shared.takeTicket() else { return }  // -n reached: stay idle
        }
        inFlight = true
        inFlightMeasured = measured
        inFlightTicketed = measured && worker.shared.requestLimit != nil
        sentAt = MonotonicClock.now()
        intendedAt = worker.rateInterval == nil ? sentAt : intended
        context.writeAndFlush(wrapOutboundOut(worker.request), promise: nil)
    }

    // MARK: - Receiving

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if worker.measuring { worker.statistics.bytesRead &+= UInt64(buffer.readableBytes) }
        do {
            try buffer.withUnsafeReadableBytes { bytes throws(HTTPResponseParseError) in
                try parser.feed(bytes) { response in self.responseCompleted(response) }
            }
        } catch {
            fail(.read)
        }
    }

    private func responseCompleted(_ response: ParsedResponse) {
        guard inFlight else {
            // A response nobody asked for: the server is confused; start over.
            fail(.read)
            return
        }
        let now = MonotonicClock.now()
        inFlight = false
        if inFlightMeasured {
            worker.statistics.recordResponse(
                status: response.status,
                latencyNanoseconds: now &- intendedAt,
                uncorrectedNanoseconds: worker.rateInterval == nil ? nil : now &- sentAt
            )
        }
        if inFlightTicketed { worker.shared.resolveTicket() }
        if let interval = worker.rateInterval { slot.nextIntendedSend &+= interval }
        if response.keepAlive {
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
            if inFlightMeasured { worker.statistics.recordError(kind) }
            if inFlightTicketed { worker.shared.resolveTicket() }
            if let interval = worker.rateInterval { slot.nextIntendedSend &+= interval }
        }
        inFlight = false
        context?.close(promise: nil)
    }

    func checkTimeout(now: UInt64, limit: UInt64) {
        if inFlight, now &- sentAt > limit { fail(.timeout) }
    }

    /// Closes without counting anything (run over, or the server asked to close).
    func shutDown() {
        shuttingDown = true
        pendingSend?.cancel()
        pendingSend = nil
        inFlight = false
        context?.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let ioError = error as? IOError, ioError.errnoCode == EPIPE {
            fail(.write)
        } else {
            fail(.read)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pendingSend?.cancel()
        pendingSend = nil
        if inFlight, let response = parser.finishAtEndOfStream() {
            responseCompleted(response)
        }
        if inFlight, !shuttingDown { fail(.read) }
        inFlight = false
        worker.connectionClosed(self, slot: slot, wasReady: ready)
        self.context = nil
        context.fireChannelInactive()
    }
}
