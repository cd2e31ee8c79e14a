import Foundation
import Atomics
import Hotpath
import NIOCore
import NIOPosix
import NIOSSL

/// One load test: open the connections, warm up, measure, and return what was measured.
///
/// ```swift
/// var configuration = LoadConfiguration(target: try LoadTarget(parsing: "http://127.0.0.1:8080/"))
/// configuration.connections = 50
/// configuration.duration = .seconds(10)
/// let result = try await LoadRun(configuration: configuration).run()
/// print(result.requestsPerSecond, result.latency.percentile(99))
/// ```
///
/// `stop()` ends a run early (Ctrl-C); the result then holds everything measured so far.
public final class LoadRun: Sendable {
    public let configuration: LoadConfiguration
    private let events: AsyncStream<Event>
    private let eventSink: AsyncStream<Event>.Continuation
    private let started = ManagedAtomic<Bool>(false)
    private let interrupted = ManagedAtomic<Bool>(false)

    enum Event: Sendable {
        case tick
        case stop(LoadStopReason)
    }

    public init(configuration: LoadConfiguration) throws(HotpathInputError) {
        try configuration.validate()
        self.configuration = configuration
        (events, eventSink) = AsyncStream.makeStream(of: Event.self)
    }

    /// Ends the run at the next opportunity; `run()` still returns what it measured.
    public func stop() {
        interrupted.store(true, ordering: .relaxed)
        eventSink.yield(.stop(.interrupted))
    }

    /// Runs the load. Throws only when the run cannot start (unreachable server, TLS
    /// failure); once measuring, failures are counted, not thrown.
    /// - Parameters:
    ///   - connected: called once the server answered the preflight connection, before the load starts.
    ///   - progress: called once a second while the run goes.
    public func run(
        connected: (@Sendable () -> Void)? = nil,
        progress: (@Sendable (LoadProgress) -> Void)? = nil
    ) async throws(LoadRunError) -> LoadResult {
        guard started.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else {
            throw LoadRunError("a LoadRun runs once; make a new one for another run")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        // The workers live until the loops have stopped: connection handlers reach their
        // worker without retaining it (unowned), and the last ones close during the shutdown.
        var workers: [(NIOLoopBound<LoadWorker>, WorkerShare)] = []
        do {
            let result = try await run(on: group, workers: &workers, connected: connected, progress: progress)
            try? await group.shutdownGracefully()
            withExtendedLifetime(workers) {}
            return result
        } catch {
            try? await group.shutdownGracefully()
            withExtendedLifetime(workers) {}
            throw error
        }
    }

    private func run(
        on group: MultiThreadedEventLoopGroup,
        workers: inout [(NIOLoopBound<LoadWorker>, WorkerShare)],
        connected: (@Sendable () -> Void)?,
        progress: (@Sendable (LoadProgress) -> Void)?
    ) async throws(LoadRunError) -> LoadResult {
        let connection = try await Preflight.check(configuration, group: group)
        connected?()
        workers = await makeWorkers(group: group, address: connection.address, tls: connection.tls)

        // Without a warmup every request counts from the first one: the workers start
        // measuring at once, or requests sent before the switch would escape `-n`.
        let warmsUp = configuration.warmup > .zero
        var measuringSince = MonotonicClock.now()
        for (worker, share) in workers {
            try? await worker.eventLoop.submit {
                worker.value.start(firstIndex: share.firstIndex, connectionCount: share.count, measuring: !warmsUp)
            }.get()
        }
        var measuringStartedAt = Date().timeIntervalSince1970

        let ticker = Task { [eventSink] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                eventSink.yield(.tick)
            }
        }
        defer { ticker.cancel() }

        if warmsUp {
            let reason = await waitForWarmup(progress: progress)
            if reason == .interrupted {
                return await finish(
                    workers: workers, reason: .interrupted, measuringSince: MonotonicClock.now(), startedAt: Date().timeIntervalSince1970, timeline: []
                )
            }
            for (worker, _) in workers {
                try? await worker.eventLoop.submit { worker.value.startMeasuring() }.get()
            }
            measuringSince = MonotonicClock.now()
            measuringStartedAt = Date().timeIntervalSince1970
        }
        let deadlineTask = configuration.effectiveDuration.map { duration in
            Task { [eventSink] in
                try? await Task.sleep(for: duration)
                if !Task.isCancelled { eventSink.yield(.stop(.duration)) }
            }
        }
        defer { deadlineTask?.cancel() }

        var timeline: [LoadTimelinePoint] = []
        let schedule = configuration.schedule
        var soFar = LatencyHistogram()
        var completedSoFar: UInt64 = 0
        var errorsSoFar: UInt64 = 0
        var secondsWithoutResponses = 0
        var errorsWithoutResponses: UInt64 = 0
        let giveUpAfter = max(10, Int((configuration.timeout.nanosecondsValue / 1e9 * 3).rounded(.up)))
        var lastTick = measuringSince
        var reason = LoadStopReason.duration
        for await event in events {
            if case .stop(let why) = event {
                reason = why
                break
            }
            let now = MonotonicClock.now()
            let interval = await collectInterval(workers)
            let point = timelinePoint(interval, from: lastTick, to: now, since: measuringSince, schedule: schedule)
            timeline.append(point)
            lastTick = now
            soFar.merge(interval.latency)
            completedSoFar &+= interval.completed
            errorsSoFar &+= interval.errors.total &+ interval.unsuccessful
            progress?(LoadProgress(
                phase: .measuring,
                elapsedSeconds: Double(now &- measuringSince) / 1e9,
                plannedSeconds: configuration.effectiveDuration.map { $0.nanosecondsValue / 1e9 },
                completed: completedSoFar,
                requestsPerSecond: point.requestsPerSecond,
                p95SoFar: soFar.percentile(95),
                errors: errorsSoFar
            ))
            // A run bounded only by -n would wait forever on a server that died. Failures
            // come in bursts (one per timeout and back-off), so count a window, not seconds.
            if interval.completed == 0 {
                secondsWithoutResponses += 1
                errorsWithoutResponses &+= interval.errors.total
            } else {
                secondsWithoutResponses = 0
                errorsWithoutResponses = 0
            }
            if configuration.effectiveDuration == nil, secondsWithoutResponses >= giveUpAfter, errorsWithoutResponses > 0 {
                reason = .serverStopped
                break
            }
        }
        return await finish(
            workers: workers, reason: reason, measuringSince: measuringSince, startedAt: measuringStartedAt, timeline: timeline, lastTick: lastTick
        )
    }

    private func waitForWarmup(progress: (@Sendable (LoadProgress) -> Void)?) async -> LoadStopReason? {
        let warmupStart = MonotonicClock.now()
        let warmupTask = Task { [eventSink, configuration] in
            try? await Task.sleep(for: configuration.warmup)
            if !Task.isCancelled { eventSink.yield(.stop(.duration)) }
        }
        defer { warmupTask.cancel() }
        for await event in events {
            switch event {
            case .stop(let reason):
                return reason
            case .tick:
                progress?(LoadProgress(
                    phase: .warmup,
                    elapsedSeconds: Double(MonotonicClock.now() &- warmupStart) / 1e9,
                    plannedSeconds: configuration.warmup.nanosecondsValue / 1e9,
                    completed: 0, requestsPerSecond: 0, p95SoFar: 0, errors: 0
                ))
            }
        }
        return nil
    }

    private func finish(
        workers: [(NIOLoopBound<LoadWorker>, WorkerShare)],
        reason: LoadStopReason,
        measuringSince: UInt64,
        startedAt: Double,
        timeline: [LoadTimelinePoint],
        lastTick: UInt64? = nil
    ) async -> LoadResult {
        var timeline = timeline
        let plan = RequestPlan(configuration.resolvedRequests, order: configuration.order)
        let schedule = configuration.schedule
        var lastInterval = WorkerInterval(latency: LatencyHistogram(), completed: 0, errors: LoadErrors(), unsuccessful: 0)
        var totals = WorkerTotals(
            latency: LatencyHistogram(), uncorrected: LatencyHistogram(), completed: 0, bytesRead: 0,
            statusCounts: StatusCounts(), errors: LoadErrors(), drained: 0, endpoints: [], stages: []
        )
        for (worker, _) in workers {
            if let interval = try? await worker.eventLoop.submit({ worker.value.endWindow() }).get() { lastInterval.merge(interval) }
        }
        let stoppedAt = MonotonicClock.now()
        if reason != .interrupted { await drain(workers, windowEnd: stoppedAt) }
        for (worker, _) in workers {
            guard let (_, workerTotals) = try? await worker.eventLoop.submit({ worker.value.stop() }).get() else { continue }
            totals.merge(workerTotals)
        }
        let since = lastTick ?? measuringSince
        if stoppedAt &- since > 50_000_000 || lastInterval.completed > 0 {
            timeline.append(timelinePoint(lastInterval, from: since, to: stoppedAt, since: measuringSince, schedule: schedule))
        }
        let openModel = configuration.isOpenModel
        var result = LoadResult(
            target: configuration.target,
            method: configuration.method.uppercased(),
            connections: configuration.connections,
            threads: configuration.threads,
            requestedDuration: configuration.effectiveDuration,
            requestedRequests: configuration.requests,
            rate: configuration.rate,
            warmup: configuration.warmup,
            timeout: configuration.timeout,
            stopReason: reason,
            elapsed: .nanoseconds(Int64(stoppedAt &- measuringSince)),
            completed: totals.completed,
            bytesRead: totals.bytesRead,
            latency: totals.latency,
            uncorrectedLatency: openModel ? totals.uncorrected : nil,
            statusCounts: totals.statusCounts,
            errors: totals.errors,
            timeline: timeline
        )
        result.drained = totals.drained
        result.protocolName = configuration.protocolName
        result.streamsPerConnection = configuration.streamsPerConnection
        result.measuringStartedAt = startedAt
        result.stageSpec = configuration.stages
        let requests = configuration.resolvedRequests
        result.requestLines = requests.map { "\($0.method.uppercased()) \($0.target)" }
        if !configuration.requestMix.isEmpty { result.order = configuration.order }
        result.endpoints = zip(plan.endpointNames, totals.endpoints).map { name, statistics in
            LoadEndpointResult(
                name: name, completed: statistics.completed, drained: statistics.drained, latency: statistics.latency,
                uncorrectedLatency: openModel ? statistics.uncorrected : nil, statusCounts: statistics.statusCounts,
                errors: statistics.errors, budget: requests.first { $0.name == name && $0.budget != nil }?.budget
            )
        }
        if let schedule, schedule.endlessRate == nil {
            result.stages = zip(schedule.segments, totals.stages).map { segment, statistics in
                LoadStageResult(
                    start: segment.start, seconds: segment.length, fromRate: segment.from, toRate: segment.to,
                    completed: statistics.completed, unsuccessful: statistics.unsuccessful, errors: statistics.errors,
                    latency: statistics.latency
                )
            }
        }
        return result
    }

    /// Waits for the requests sent in the window to be answered (or to time out), so a slow
    /// endpoint's slowest requests are counted rather than dropped at the end of the run: a run
    /// that forgot them would report the fast requests only. Bounded by the request timeout
    /// (the sweep fails what outlives it); Ctrl-C ends it at once.
    private func drain(_ workers: [(NIOLoopBound<LoadWorker>, WorkerShare)], windowEnd: UInt64) async {
        let deadline = windowEnd &+ UInt64(max(configuration.timeout.nanosecondsValue, 0)) &+ 500_000_000
        while !interrupted.load(ordering: .relaxed), MonotonicClock.now() < deadline {
            var inFlight = 0
            for (worker, _) in workers {
                inFlight += (try? await worker.eventLoop.submit({ worker.value.measuredInFlight }).get()) ?? 0
            }
            if inFlight == 0 { return }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    private func collectInterval(_ workers: [(NIOLoopBound<LoadWorker>, WorkerShare)]) async -> WorkerInterval {
        var merged = WorkerInterval(latency: LatencyHistogram(), completed: 0, errors: LoadErrors(), unsuccessful: 0)
        for (worker, _) in workers {
            if let interval = try? await worker.eventLoop.submit({ worker.value.takeInterval() }).get() {
                merged.merge(interval)
            }
        }
        return merged
    }

    private func timelinePoint(
        _ interval: WorkerInterval, from start: UInt64, to end: UInt64, since origin: UInt64, schedule: ArrivalSchedule?
    ) -> LoadTimelinePoint {
        let seconds = max(Double(end &- start) / 1e9, 1e-9)
        let target = schedule.map { schedule in
            (schedule.arrivals(by: Double(end &- origin) / 1e9) - schedule.arrivals(by: Double(start &- origin) / 1e9)) / seconds
        }
        return LoadTimelinePoint(
            second: Double(end &- origin) / 1e9,
            interval: seconds,
            requests: interval.completed,
            requestsPerSecond: Double(interval.completed) / seconds,
            p50: interval.latency.percentile(50),
            p99: interval.latency.percentile(99),
            errors: interval.errors.total,
            unsuccessful: interval.unsuccessful,
            targetRequestsPerSecond: target,
            latency: CompactLatency(interval.latency),
            timeouts: interval.errors.timeout
        )
    }

    // MARK: - Workers

    struct WorkerShare {
        /// The run-wide number of the worker's first connection.
        var firstIndex: Int
        var count: Int
    }

    private func makeWorkers(
        group: MultiThreadedEventLoopGroup,
        address: SocketAddress,
        tls: (context: NIOSSLContext, serverHostname: String?)?
    ) async -> [(NIOLoopBound<LoadWorker>, WorkerShare)] {
        let eventSink = self.eventSink
        let shared = SharedRunState(requestLimit: configuration.requests) {
            eventSink.yield(.stop(.requestCount))
        }
        let configuration = self.configuration
        let plan = RequestPlan(configuration.resolvedRequests, order: configuration.order)
        let schedule = configuration.schedule
        let connections = configuration.connections
        let threads = configuration.threads
        var result: [(NIOLoopBound<LoadWorker>, WorkerShare)] = []
        var firstIndex = 0
        for (index, loop) in group.makeIterator().enumerated() {
            let count = connections / threads + (index < connections % threads ? 1 : 0)
            let share = WorkerShare(firstIndex: firstIndex, count: count)
            firstIndex += count
            let worker = try? await loop.submit {
                NIOLoopBound(
                    LoadWorker(
                        loop: loop,
                        plan: plan,
                        seed: UInt64(index + 1),
                        address: address,
                        tls: tls,
                        shared: shared,
                        schedule: schedule,
                        totalConnections: connections,
                        http2: configuration.http2,
                        streamsPerConnection: configuration.http2 ? configuration.streamsPerConnection : 1,
                        timeout: configuration.timeout,
                        sendGrid: configuration.sendGrid
                    ),
                    eventLoop: loop
                )
            }.get()
            if let worker { result.append((worker, share)) }
        }
        return result
    }
}

extension WorkerInterval {
    mutating func merge(_ other: WorkerInterval) {
        latency.merge(other.latency)
        completed &+= other.completed
        errors.add(other.errors)
        unsuccessful &+= other.unsuccessful
    }
}

extension WorkerTotals {
    mutating func merge(_ other: WorkerTotals) {
        latency.merge(other.latency)
        uncorrected.merge(other.uncorrected)
        completed &+= other.completed
        drained &+= other.drained
        bytesRead &+= other.bytesRead
        statusCounts.add(other.statusCounts)
        errors.add(other.errors)
        if endpoints.isEmpty {
            endpoints = other.endpoints
        } else {
            for index in endpoints.indices where index < other.endpoints.count { endpoints[index].merge(other.endpoints[index]) }
        }
        if stages.isEmpty {
            stages = other.stages
        } else {
            for index in stages.indices where index < other.stages.count { stages[index].merge(other.stages[index]) }
        }
    }
}
