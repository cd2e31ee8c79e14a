import Hotpath
import NIOCore
import NIOPosix
import NIOSSL

/// Drives a share of the connections on one event loop and keeps that loop's statistics.
///
/// Every method runs on `loop`; the coordinator reaches it through `NIOLoopBound`.
final class LoadWorker {
    let loop: any EventLoop
    let request: ByteBuffer
    let expectsNoBody: Bool
    let address: SocketAddress
    let tls: (context: NIOSSLContext, serverHostname: String?)?
    let shared: SharedRunState
    /// Nanoseconds between two sends of one connection in rate mode.
    let rateInterval: UInt64?
    let timeoutNanoseconds: UInt64

    var statistics = WorkerStatistics()
    /// Whether responses count: false during warmup and after the stop.
    private(set) var measuring = false
    private(set) var stopping = false
    private var slots: [ConnectionSlot] = []
    private var sweep: RepeatedTask?

    init(
        loop: any EventLoop,
        request: ByteBuffer,
        expectsNoBody: Bool,
        address: SocketAddress,
        tls: (context: NIOSSLContext, serverHostname: String?)?,
        shared: SharedRunState,
        rateInterval: UInt64?,
        timeout: Duration
    ) {
        self.loop = loop
        self.request = request
        self.expectsNoBody = expectsNoBody
        self.address = address
        self.tls = tls
        self.shared = shared
        self.rateInterval = rateInterval
        self.timeoutNanoseconds = UInt64(max(timeout.nanosecondsValue, 1))
    }

    /// Opens the connections. `phases` spreads rate-mode schedules so that the loop's
    /// connections do not all fire in the same instant.
    func start(connectionCount: Int, measuring: Bool, phaseOffsets: [UInt64]) {
        self.measuring = measuring
        let now = MonotonicClock.now()
        for index in 0..<connectionCount {
            let slot = ConnectionSlot(nextIntendedSend: now &+ phaseOffsets[index])
            slots.append(slot)
            connect(slot)
        }
        let sweepEvery = TimeAmount.nanoseconds(Int64(min(max(timeoutNanoseconds / 4, 1_000_000), 250_000_000)))
        let bound = NIOLoopBound(self, eventLoop: loop)
        sweep = loop.scheduleRepeatedTask(initialDelay: sweepEvery, delay: sweepEvery) { _ in
            bound.value.sweepTimeouts()
        }
    }

    func startMeasuring() {
        statistics.reset()
        measuring = true
        // A rate-mode backlog from the warmup must not count as waiting in the measurement.
        let now = MonotonicClock.now()
        for slot in slots where slot.nextIntendedSend < now { slot.nextIntendedSend = now }
    }

    func takeInterval() -> WorkerInterval {
        statistics.takeInterval()
    }

    /// Stops sending, closes every connection and hands over the totals.
    func stop() -> (WorkerInterval, WorkerTotals) {
        let last = statistics.takeInterval()
        measuring = false
        stopping = true
        sweep?.cancel()
        sweep = nil
        for slot in slots {
            slot.handler?.shutDown()
            slot.reconnect?.cancel()
        }
        let totals = WorkerTotals(
            latency: statistics.latency,
            uncorrected: statistics.uncorrected,
            completed: statistics.completed,
            bytesRead: statistics.bytesRead,
            statusCounts: statistics.statusCounts,
            errors: statistics.errors
        )
        return (last, totals)
    }

    // MARK: - Connections

    private func connect(_ slot: ConnectionSlot) {
        guard !stopping else { return }
        slot.reconnect = nil
        let bound = NIOLoopBound(self, eventLoop: loop)
        let boundSlot = NIOLoopBound(slot, eventLoop: loop)
        let tls = self.tls
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.nanoseconds(Int64(timeoutNanoseconds)))
            .channelInitializer { channel in
                do {
                    let handler = LoadConnectionHandler(worker: bound.value, slot: boundSlot.value, usesTLS: tls != nil)
                    if let tls {
                        let tlsHandler = try NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverHostname)
                        try channel.pipeline.syncOperations.addHandler(tlsHandler)
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            .connect(to: address)
            .assumeIsolated()
            .whenFailure { _ in
                bound.value.connectFailed(boundSlot.value)
            }
    }

    private func connectFailed(_ slot: ConnectionSlot) {
        guard !stopping else { return }
        if measuring { statistics.recordError(.connect) }
        retryLater(slot)
    }

    private func retryLater(_ slot: ConnectionSlot) {
        slot.consecutiveFailures += 1
        // Back off (1 ms doubling to 250 ms) so a dead server is counted, not hammered.
        let delay = Int64(1) << Int64(min(slot.consecutiveFailures - 1, 8))
        let bound = NIOLoopBound(self, eventLoop: loop)
        let boundSlot = NIOLoopBound(slot, eventLoop: loop)
        slot.reconnect = loop.scheduleTask(in: .milliseconds(delay)) {
            bound.value.connect(boundSlot.value)
        }
    }

    /// A TCP connection exists (the sweep can now time out its TLS handshake).
    func connectionOpened(_ handler: LoadConnectionHandler, slot: ConnectionSlot) {
        slot.handler = handler
    }

    /// A connection went away; open a new one unless the run is over.
    func connectionClosed(_ handler: LoadConnectionHandler, slot: ConnectionSlot, wasUsable: Bool) {
        if slot.handler === handler { slot.handler = nil }
        guard !stopping else { return }
        if handler.isReady {
            if wasUsable {
                slot.consecutiveFailures = 0
                connect(slot)
            } else {
                // Accepted but reset before any answer: retry with back-off, the failure
                // of the request itself is already counted.
                retryLater(slot)
            }
        } else {
            // Closed before it became usable (TLS failure or handshake timeout): a connect error.
            connectFailed(slot)
        }
    }

    private func sweepTimeouts() {
        let now = MonotonicClock.now()
        for slot in slots {
            slot.handler?.checkTimeout(now: now, limit: timeoutNanoseconds)
        }
    }
}

/// The state of one of the run's connections that outlives each TCP connection: its
/// rate-mode schedule, and its reconnect back-off.
final class ConnectionSlot {
    var nextIntendedSend: UInt64
    var handler: LoadConnectionHandler?
    var reconnect: Scheduled<Void>?
    var consecutiveFailures = 0

    init(nextIntendedSend: UInt64) {
        self.nextIntendedSend = nextIntendedSend
    }
}
