import Hotpath
import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL

/// What a worker can ask of one of its connections, whichever protocol it speaks.
protocol LoadConnection: AnyObject {
    /// Whether the connection got far enough to send (TCP, TLS, the HTTP/2 preface).
    var isReady: Bool { get }
    /// Closes without counting anything (run over).
    func shutDown()
    /// Fails what has waited longer than `limit` nanoseconds.
    func checkTimeout(now: UInt64, limit: UInt64)
    /// The schedule restarted (end of warmup): drop a timer set for the old one and send anew.
    func rescheduled()
    /// Requests sent in the measured window still waiting for their answer.
    var measuredInFlight: Int { get }
}

/// Drives a share of the connections on one event loop and keeps that loop's statistics.
///
/// Every method runs on `loop`; the coordinator reaches it through `NIOLoopBound`.
final class LoadWorker {
    let loop: any EventLoop
    let plan: RequestPlan
    private var picker: RequestPicker
    let address: SocketAddress
    let tls: (context: NIOSSLContext, serverHostname: String?)?
    let shared: SharedRunState
    /// When each request is due in an open-model run (rate or stages); nil for a closed loop.
    let schedule: ArrivalSchedule?
    /// All connections of the run, on every loop: connection *j* sends arrivals *j*, *j*+C…
    let totalConnections: Int
    let http2: Bool
    let streamsPerConnection: Int
    let timeoutNanoseconds: UInt64
    /// Open model: requests go out up to this long before they are due, grouped on a grid of
    /// this step (nanoseconds; 0: each at its own time, 50 µs early at most).
    let sendGrid: UInt64
    /// Where the schedule and the stage windows start (monotonic nanoseconds).
    private(set) var origin: UInt64 = 0
    /// Stage ends relative to `origin`, nanoseconds; empty without stages.
    private let stageEnds: [UInt64]
    private var stageCursor = 0

    var statistics: WorkerStatistics
    /// Whether responses count: false during warmup and after the stop.
    private(set) var measuring = false
    private(set) var stopping = false
    private var slots: [ConnectionSlot] = []
    private var sweep: RepeatedTask?

    init(
        loop: any EventLoop,
        plan: RequestPlan,
        seed: UInt64,
        address: SocketAddress,
        tls: (context: NIOSSLContext, serverHostname: String?)?,
        shared: SharedRunState,
        schedule: ArrivalSchedule?,
        totalConnections: Int,
        http2: Bool,
        streamsPerConnection: Int,
        timeout: Duration,
        sendGrid: Duration
    ) {
        self.loop = loop
        self.plan = plan
        self.picker = RequestPicker(plan: plan, seed: seed)
        self.address = address
        self.tls = tls
        self.shared = shared
        self.schedule = schedule
        self.totalConnections = totalConnections
        self.http2 = http2
        self.streamsPerConnection = streamsPerConnection
        self.timeoutNanoseconds = UInt64(max(timeout.nanosecondsValue, 1))
        self.sendGrid = UInt64(max(sendGrid.nanosecondsValue, 0))
        let windows = schedule?.endlessRate == nil ? schedule?.segments ?? [] : []
        stageEnds = windows.map { UInt64(($0.start + $0.length) * 1e9) }
        statistics = WorkerStatistics(endpoints: plan.tracksEndpoints ? plan.endpointNames.count : 0, stages: stageEnds.count)
    }

    /// Opens the connections `firstIndex..<firstIndex+count` of the run.
    func start(firstIndex: Int, connectionCount: Int, measuring: Bool) {
        self.measuring = measuring
        origin = MonotonicClock.now()
        for index in firstIndex..<(firstIndex + connectionCount) {
            let slot = ConnectionSlot(index: index)
            updateDue(slot)
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
        // The schedule starts again: a backlog from the warmup must not count as waiting.
        origin = MonotonicClock.now()
        stageCursor = 0
        for slot in slots {
            slot.nextArrival = UInt64(slot.index)
            slot.retries.removeAll()
            updateDue(slot)
            slot.handler?.rescheduled()
        }
    }

    func takeInterval() -> WorkerInterval {
        statistics.takeInterval()
    }

    /// Ends the measured window: nothing more is sent, and what was sent may still be answered
    /// (counted as drained). Hands over the window's last interval.
    func endWindow() -> WorkerInterval {
        stopping = true
        for slot in slots { slot.reconnect?.cancel() }
        let last = statistics.takeInterval()
        statistics.draining = true
        return last
    }

    /// Requests of the window still in flight on this loop.
    var measuredInFlight: Int {
        slots.reduce(0) { $0 + ($1.handler?.measuredInFlight ?? 0) }
    }

    /// Stops sending, closes every connection and hands over the totals (with what came in
    /// since ``endWindow()``).
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
        return (last, statistics.totals)
    }

    // MARK: - What to send, and when

    /// The timer's wait for a request due at `due`: to the first point of the send grid inside
    /// its early window (see ``LoadConfiguration/sendGrid``), never past `due`.
    func wait(until due: UInt64, now: UInt64) -> TimeAmount {
        guard sendGrid > 0 else { return .nanoseconds(Int64(clamping: due > now ? due &- now : 0)) }
        let opens = due &- sendGrid
        let gridPoint = (opens / sendGrid &+ (opens % sendGrid == 0 ? 0 : 1)) &* sendGrid
        return .nanoseconds(Int64(clamping: gridPoint > now ? gridPoint &- now : 0))
    }

    /// Whether a request due at `due` may go now.
    @inline(__always)
    func isDue(_ due: UInt64, now: UInt64) -> Bool {
        due <= now &+ max(sendGrid, 50_000)
    }

    /// The next request of the mix (an index into `plan.requests`).
    func pickRequest() -> Int {
        picker.next()
    }

    /// When the slot's next request is due: 0 in a closed loop, nil once the schedule is over.
    func due(_ slot: ConnectionSlot) -> UInt64? {
        if let retry = slot.retries.last { return retry }
        guard schedule != nil else { return 0 }
        return slot.scheduleEnded ? nil : slot.nextDue
    }

    /// The slot sent its due request; move to its next arrival.
    func consumeDue(_ slot: ConnectionSlot) {
        if !slot.retries.isEmpty {
            slot.retries.removeLast()
            return
        }
        guard schedule != nil else { return }
        slot.nextArrival &+= UInt64(totalConnections)
        updateDue(slot)
    }

    private func updateDue(_ slot: ConnectionSlot) {
        guard let schedule else { return }
        if let seconds = schedule.time(ofArrival: slot.nextArrival) {
            slot.nextDue = origin &+ UInt64(seconds * 1e9)
        } else {
            slot.scheduleEnded = true
        }
    }

    // MARK: - Recording

    func recordResponse(status: Int, endpoint: Int, sentAt: UInt64, intendedAt: UInt64, now: UInt64) {
        statistics.recordResponse(
            status: status,
            latencyNanoseconds: now &- intendedAt,
            uncorrectedNanoseconds: schedule == nil ? nil : now &- sentAt,
            endpoint: endpoint,
            stage: stage(at: now)
        )
    }

    func recordFailure(_ kind: LoadErrors.Kind, endpoint: Int, now: UInt64) {
        statistics.recordError(kind, endpoint: endpoint, stage: stage(at: now))
    }

    /// The stage whose window holds `now`; completions come nearly in time order per loop,
    /// so a cursor that only moves forward finds it in O(1).
    private func stage(at now: UInt64) -> Int {
        guard !stageEnds.isEmpty else { return 0 }
        let elapsed = now > origin ? now &- origin : 0
        while stageCursor < stageEnds.count - 1, elapsed >= stageEnds[stageCursor] { stageCursor += 1 }
        return stageCursor
    }

    // MARK: - Connections

    private func connect(_ slot: ConnectionSlot) {
        guard !stopping else { return }
        slot.reconnect = nil
        let bound = NIOLoopBound(self, eventLoop: loop)
        let boundSlot = NIOLoopBound(slot, eventLoop: loop)
        let tls = self.tls
        let http2 = self.http2
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.nanoseconds(Int64(timeoutNanoseconds)))
            .channelInitializer { channel in
                do {
                    if let tls {
                        let tlsHandler = try NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverHostname)
                        try channel.pipeline.syncOperations.addHandler(tlsHandler)
                    }
                    if http2 {
                        try channel.pipeline.syncOperations.addHandler(HTTP2LoadSettings.makeHandler())
                        try channel.pipeline.syncOperations.addHandler(
                            HTTP2LoadConnectionHandler(worker: bound.value, slot: boundSlot.value, usesTLS: tls != nil)
                        )
                    } else {
                        try channel.pipeline.syncOperations.addHandler(
                            LoadConnectionHandler(worker: bound.value, slot: boundSlot.value, usesTLS: tls != nil)
                        )
                    }
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
        if measuring { recordFailure(.connect, endpoint: -1, now: MonotonicClock.now()) }
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
    func connectionOpened(_ handler: any LoadConnection, slot: ConnectionSlot) {
        slot.handler = handler
    }

    /// A connection went away; open a new one unless the run is over.
    func connectionClosed(_ handler: any LoadConnection, slot: ConnectionSlot, wasUsable: Bool) {
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

/// The state of one of the run's connections that outlives each TCP connection: its place
/// in the arrival schedule, and its reconnect back-off.
final class ConnectionSlot {
    /// The connection's number in the run; its arrivals are index, index + C, index + 2C…
    let index: Int
    var nextArrival: UInt64
    /// When `nextArrival` is due (monotonic nanoseconds); meaningless once `scheduleEnded`.
    var nextDue: UInt64 = 0
    var scheduleEnded = false
    /// Intended send times of HTTP/2 streams a GOAWAY turned away unprocessed: sent again first.
    var retries: [UInt64] = []
    var handler: (any LoadConnection)?
    var reconnect: Scheduled<Void>?
    var consecutiveFailures = 0

    init(index: Int) {
        self.index = index
        self.nextArrival = UInt64(index)
    }
}
