import CHotpathSampler
import CHotpathStacks
import Hotpath
import HotpathStacks
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Finds the threads that serve requests held for too long — blocked in a system call
/// (`usleep`, a synchronous read: suspect 3) or computing (suspect 4) — and records each stall
/// on the request running on that thread, with the stack that held it.
///
/// ```swift
/// let recorder = Recorder()
/// let watchdog = Watchdog(recorder: recorder)      // threshold 20 ms
/// watchdog.start()
/// ```
///
/// A thread of its own looks at the worker threads (Swift concurrency's cooperative pool, the
/// SwiftNIO event loops) every `checkInterval`, reading each one's state from `/proc`: a thread
/// that stays in the same system call, or keeps running the same code, for `threshold` is
/// stalled. Its stack is then captured — read from `/proc` without disturbing a blocked thread,
/// through a signal for a running one — and symbolicated later, off the hot path. Blocking is
/// a thread that stayed in one system call; computing, one that stayed runnable (its CPU time
/// during the stall is kept as evidence). A heartbeat could not do this: with
/// one pool thread blocked, the others still run the heartbeat on time.
public final class Watchdog: Sendable {
    public struct Configuration: Sendable {
        /// A thread held this long is stalled (default 20 ms).
        public var threshold: Duration = .milliseconds(20)
        /// How often the worker threads are looked at (default 10 ms: a stall of the threshold
        /// is seen within 20–30 ms).
        public var checkInterval: Duration = .milliseconds(10)
        /// Which threads are workers, by name (`comm`): the cooperative pool's default and
        /// user-initiated threads (`…default-qos`) and SwiftNIO's event loops (`NIO-ELT-…`,
        /// `NIO-SGLTN-…`).
        /// NIOThreadPool threads (`TP-#…`) are meant to block; utility and background threads
        /// run background work.
        public var watches: @Sendable (String) -> Bool = { name in
            name.hasSuffix("default-qos") || name.hasSuffix("initiated-qos") || name.hasPrefix("NIO-ELT")
                || name.hasPrefix("NIO-SGLTN")
        }
        /// Stalls kept for ``recentStalls``.
        public var keptStalls = 100

        public init() {}
    }

    /// One stall, as seen by the watchdog.
    public struct Stall: Sendable {
        public var thread: Int32
        public var threadName: String
        /// ``MonotonicClock`` time it was first seen, and how long it lasted (so far).
        public var startedAt: UInt64
        public var durationNanoseconds: UInt64
        public var cpuNanoseconds: UInt64
        public var blocking: Bool
        /// The stack that held it (names filled once symbolicated).
        public var stack: StackTrace
        /// Requests it was recorded on.
        public var requests: Int
    }

    private let recorder: Recorder
    private let configuration: Configuration
    private let inFlight = InFlightRequests()
    private let state = Mutex(Shared())
    private let running = Atomic<Bool>(false)

    struct Shared {
        var stalls: [Stall] = []
        var monitor: pthread_t?
    }

    public init(recorder: Recorder, configuration: Configuration = Configuration()) {
        self.recorder = recorder
        self.configuration = configuration
        recorder.addObserver(inFlight)
        recorder.declare(.watchdog(threshold: configuration.threshold))
    }

    /// Starts watching; calling it again does nothing.
    public func start() {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        CallSites.shared.prepareInBackground()
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let watchdog = Unmanaged<Watchdog>.fromOpaque(raw).takeRetainedValue()
            hotpath_set_thread_name("hotpath-watch")
            hotpath_mark_own_thread()
            defer { hotpath_unmark_own_thread() }
            watchdog.monitor()
            return nil
        }, box.toOpaque())
        if status == 0 {
            state.withLock { $0.monitor = thread }
        } else {
            box.release()
            running.store(false, ordering: .releasing)
        }
    }

    /// Stops watching and waits for the watching thread to end.
    public func stop() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        if let thread = state.withLock({ $0.monitor }) { pthread_join(thread, nil) }
        state.withLock { $0.monitor = nil }
    }

    /// The latest stalls, oldest first.
    public var recentStalls: [Stall] { state.withLock { $0.stalls } }

    // MARK: - The watching thread

    /// What a worker thread was doing at the previous look.
    /// Which request a thread computed for. Not the object's address alone: requests on one
    /// keep-alive connection run in the same task, one after another, and a new request object
    /// often lands where the previous one was freed; the start time tells them apart.
    struct RequestIdentity: Equatable {
        var object: ObjectIdentifier
        var startedAt: UInt64

        init(_ request: ActiveRequest) {
            object = ObjectIdentifier(request)
            startedAt = request.startedAt
        }
    }

    struct Observation {
        var signature: Signature
        var since: UInt64
        var cpuAtStart: UInt64
        /// A running thread, halfway to the threshold: the request it was computing for then.
        /// A thread that keeps running is stalled only if it is still that request's (a busy
        /// thread serving many short requests back to back is not).
        var candidate: RequestIdentity?
        var candidateAt: UInt64 = 0
        /// Set once the stall is reported: the events to extend.
        var reported: Reported?
        /// When a reported stall's thread was last seen still running its request.
        var occupantSeenAt: UInt64 = 0
    }

    /// A stack captured from a thread, and the Swift task it was running (0 when blocked).
    struct Capture {
        var addresses: [UInt]
        var asyncFrom: Int
        var task: UInt
    }

    enum Signature: Equatable {
        case idle
        case blocked(syscall: Int, stackPointer: UInt)
        case running
    }

    struct Reported {
        var stallIndex: Int
        var events: [(request: ActiveRequest, index: Int)]
        var detail: StallDetail
        var callSite: CallSite
        /// No request matched: noted for the request that finishes on the thread.
        var unclaimed: Bool
    }

    private func monitor() {
        let thresholdNanoseconds = UInt64(max(configuration.threshold.nanosecondsValue, 1_000_000))
        let interval = UInt32(max(configuration.checkInterval.nanosecondsValue / 1_000, 1_000))
        var observations: [Int32: Observation] = [:]
        var names: [Int32: String] = [:]
        var files: [Int32: (stat: Int32, syscall: Int32)] = [:]
        defer { for (_, pair) in files { hotpath_close_thread_files(pair.stat, pair.syscall) } }
        var lastListing: UInt64 = 0
        let ownThread = hotpath_thread_id()
        while running.load(ordering: .acquiring) {
            let now = MonotonicClock.now()
            if now &- lastListing > 200_000_000 {
                names = Self.workerThreads(excluding: ownThread, watches: configuration.watches)
                lastListing = now
                observations = observations.filter { names[$0.key] != nil }
                for (tid, pair) in files where names[tid] == nil {
                    hotpath_close_thread_files(pair.stat, pair.syscall)
                    files[tid] = nil
                }
                for tid in names.keys where files[tid] == nil {
                    var statDescriptor: Int32 = -1
                    var syscallDescriptor: Int32 = -1
                    _ = hotpath_open_thread_files(tid, &statDescriptor, &syscallDescriptor)
                    files[tid] = (statDescriptor, syscallDescriptor)
                }
            }
            for (tid, name) in names {
                guard let pair = files[tid] else { continue }
                var stateLetter: CChar = 0
                var syscallNumber = -1
                var stackPointer: UInt = 0
                guard hotpath_thread_status_fds(pair.stat, pair.syscall, &stateLetter, &syscallNumber, &stackPointer) == 1 else { continue }
                let signature = Self.signature(state: UInt8(bitPattern: stateLetter), syscall: syscallNumber, stackPointer: stackPointer)
                var observation = observations[tid] ?? Observation(signature: .idle, since: now, cpuAtStart: 0)
                if signature != observation.signature || signature == .idle {
                    if let reported = observation.reported { finish(reported, tid: tid, observation: observation, at: now) }
                    observation = Observation(signature: signature, since: now, cpuAtStart: hotpath_thread_cpu_ns(tid))
                } else if let reported = observation.reported {
                    if let next = handOver(reported, tid: tid, signature: signature, observation: &observation, at: now, threshold: thresholdNanoseconds) {
                        // The request ended and the thread went straight on to another: the
                        // stall ends here, and the next request is watched on its own.
                        finish(reported, tid: tid, observation: observation, at: now)
                        observation = Observation(signature: signature, since: now &- thresholdNanoseconds / 2, cpuAtStart: hotpath_thread_cpu_ns(tid))
                        observation.candidate = next
                        observation.candidateAt = now
                    } else {
                        extend(reported, tid: tid, observation: observation, at: now)
                    }
                } else if signature == .running {
                    observation = watchRunning(tid: tid, name: name, observation: observation, at: now, threshold: thresholdNanoseconds)
                } else if now &- observation.since >= thresholdNanoseconds, let capture = Self.capture(tid) {
                    observation.reported = report(tid: tid, name: name, observation: observation, capture: capture, at: now)
                }
                observations[tid] = observation
            }
            usleep(interval)
        }
    }

    /// Idle: waiting for work (futex, epoll). Blocked: in any other system call, identified by
    /// the call and the stack pointer (the same call still going on). Running: on a CPU.
    static func signature(state: UInt8, syscall: Int, stackPointer: UInt) -> Signature {
        switch state {
        case UInt8(ascii: "R"):
            return .running
        case UInt8(ascii: "S"), UInt8(ascii: "D"):
            if idleSystemCalls.contains(syscall) || syscall < 0 { return .idle }
            return .blocked(syscall: syscall, stackPointer: stackPointer)
        default:
            return .idle
        }
    }

    /// futex, epoll_wait, epoll_pwait, epoll_pwait2, poll, ppoll, select, pselect6 (x86_64):
    /// where worker threads wait for work.
    static let idleSystemCalls: Set<Int> = [202, 232, 281, 441, 7, 271, 23, 270]

    static func workerThreads(excluding own: Int32, watches: (String) -> Bool) -> [Int32: String] {
        let capacity = 1_024
        var tids = [Int32](repeating: 0, count: capacity)
        var names = [(CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar)](
            repeating: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), count: capacity
        )
        let count = Int(hotpath_list_threads(&tids, &names, Int32(capacity)))
        var result: [Int32: String] = [:]
        for index in 0..<count where tids[index] != own {
            let name = withUnsafeBytes(of: names[index]) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if watches(name), hotpath_is_own_thread(tids[index]) == 0 { result[tids[index]] = name }
        }
        return result
    }

    /// A thread running since `observation.since`: halfway to the threshold, note which request
    /// it computes for; at the threshold, a stall only if it is still that request.
    private func watchRunning(tid: Int32, name: String, observation: Observation, at now: UInt64, threshold: UInt64) -> Observation {
        var observation = observation
        let running = now &- observation.since
        if observation.candidateAt == 0 {
            guard running >= threshold / 2, let capture = Self.capture(tid) else { return observation }
            observation.candidate = inFlight.request(task: capture.task).map(RequestIdentity.init)
            observation.candidateAt = now
            return observation
        }
        guard now &- observation.candidateAt >= threshold / 2, let capture = Self.capture(tid) else { return observation }
        let request = inFlight.request(task: capture.task)
        if let request, let candidate = observation.candidate, RequestIdentity(request) == candidate {
            // The thread may have run other requests before this one began: only the time since
            // both the run and the request started counts.
            let start = max(observation.since, request.startedAt)
            guard now &- start >= threshold else { return observation }
            observation.since = start
            observation.reported = report(tid: tid, name: name, observation: observation, capture: capture, at: now)
        } else {
            // Another request (or none) by now: a busy thread, not a stalled one. Watch anew.
            observation.candidate = request.map(RequestIdentity.init)
            observation.candidateAt = now
            observation.since = now &- threshold / 2
            observation.cpuAtStart = hotpath_thread_cpu_ns(tid)
        }
        return observation
    }

    /// A thread still stalled after its stall was reported: every half threshold, which
    /// request does it serve? A busy pool thread goes from one CPU-heavy request to the next
    /// with no idle moment between (and a blocking call of the next request can look like the
    /// same call: same system call, same stack depth), so the state alone would extend the
    /// first request's stall over all of them and leave the others without one. Nil while it
    /// is still the same request (or the thread cannot be read); the request it serves now
    /// (nil for none) once it is not.
    private func handOver(
        _ reported: Reported, tid: Int32, signature: Signature, observation: inout Observation, at now: UInt64, threshold: UInt64
    ) -> RequestIdentity?? {
        guard !reported.events.isEmpty, now &- max(observation.occupantSeenAt, observation.candidateAt) >= threshold / 2 else { return nil }
        let current: RequestIdentity?
        switch signature {
        case .running:
            guard let capture = Self.capture(tid) else { return nil }
            current = inFlight.request(task: capture.task).map(RequestIdentity.init)
        case .blocked:
            switch blockedOccupant(tid) {
            case .request(let request): current = RequestIdentity(request)
            case .noRequest: current = nil
            case .unknown: return nil
            }
        case .idle:
            return nil
        }
        if let current, reported.events.contains(where: { RequestIdentity($0.request) == current }) {
            observation.occupantSeenAt = now
            return nil
        }
        return .some(current)
    }

    /// The stack of `tid`: read from /proc when it is blocked, through a signal when it runs.
    static func capture(_ tid: Int32) -> Capture? {
        var frames = [UInt](repeating: 0, count: 64)
        var onCPU: Int32 = 0
        var asyncFrom: Int32 = 0
        var task: UInt = 0
        let count = frames.withUnsafeMutableBufferPointer {
            Int(hotpath_capture_thread_task(tid, $0.baseAddress, 64, &onCPU, &asyncFrom, 250_000_000, &task))
        }
        guard count > 0 else { return nil }
        return Capture(addresses: Array(frames.prefix(count)), asyncFrom: Int(asyncFrom), task: task)
    }

    /// The stall crossed the threshold: record it on the request(s) on that thread, with its
    /// stack, symbolicated in the background.
    private func report(tid: Int32, name: String, observation: Observation, capture: Capture, at now: UInt64) -> Reported? {
        let stack = StackTrace(CallSites.shared.frames(of: capture.addresses, asyncFrom: capture.asyncFrom))
        let cpu = hotpath_thread_cpu_ns(tid) &- observation.cpuAtStart
        let wall = now &- observation.since
        let blocking = Self.isBlocking(observation.signature, cpu: cpu, wall: wall)
        let detail = StallDetail(
            kind: blocking ? .blocking : .computing, thread: StallDetail.thread(named: name), threadName: name,
            cpuNanoseconds: cpu, stack: stack
        )
        let callSite = stack.callSite
        // A running thread says which task it runs; a blocked one holds its task's pointer on
        // its stack (when that stack holds none of the requests' tasks, the thread works for
        // something else: left to the request that finishes on it, if any). Only when the stack
        // cannot be read, the thread the request began on: of several such requests the
        // latest to start is the likely occupant (the others suspended).
        let requests: [ActiveRequest]
        if let request = inFlight.request(task: capture.task) {
            requests = [request]
        } else {
            switch blockedOccupant(tid) {
            case .request(let request): requests = [request]
            case .noRequest: requests = []
            case .unknown:
                requests = inFlight.requests(onThread: tid).filter { $0.startedAt <= observation.since }
                    .max { $0.startedAt < $1.startedAt }.map { [$0] } ?? []
            }
        }
        var events: [(ActiveRequest, Int)] = []
        for request in requests {
            if let index = request.recordOngoing(.stall(detail), from: observation.since, to: now, callSite: callSite) {
                events.append((request, index))
            }
        }
        let stallIndex = state.withLock { shared -> Int in
            if shared.stalls.count >= configuration.keptStalls { shared.stalls.removeFirst() }
            shared.stalls.append(Stall(
                thread: tid, threadName: name, startedAt: observation.since, durationNanoseconds: wall,
                cpuNanoseconds: cpu, blocking: blocking, stack: stack, requests: events.count
            ))
            return shared.stalls.count - 1
        }
        if events.isEmpty {
            inFlight.noteUnclaimedStall(thread: tid, from: observation.since, to: now, detail: detail, callSite: callSite)
        }
        return Reported(
            stallIndex: stallIndex, events: events.map { (request: $0.0, index: $0.1) }, detail: detail, callSite: callSite,
            unclaimed: events.isEmpty
        )
    }

    enum Occupant {
        case request(ActiveRequest)
        /// The stack holds none of the in-flight requests' tasks.
        case noRequest
        /// The stack could not be read.
        case unknown
    }

    /// The in-flight request whose task a blocked thread is running, found on its stack.
    private func blockedOccupant(_ tid: Int32) -> Occupant {
        let candidates = inFlight.all.filter { $0.task != 0 }
        let tasks = candidates.map(\.task)
        let index = tasks.withUnsafeBufferPointer { hotpath_blocked_stack_holds(tid, $0.baseAddress, Int32($0.count), 32 * 1024) }
        if index == -2 { return .unknown }
        return index >= 0 && Int(index) < candidates.count ? .request(candidates[Int(index)].request) : .noRequest
    }

    private func extend(_ reported: Reported, tid: Int32, observation: Observation, at now: UInt64) {
        let cpu = hotpath_thread_cpu_ns(tid) &- observation.cpuAtStart
        var detail = reported.detail
        detail.cpuNanoseconds = cpu
        for event in reported.events { event.request.extendEvent(event.index, to: now, detail: .stall(detail)) }
        if reported.unclaimed {
            inFlight.noteUnclaimedStall(thread: tid, from: observation.since, to: now, detail: detail, callSite: reported.callSite)
        }
        state.withLock { shared in
            guard shared.stalls.indices.contains(reported.stallIndex) else { return }
            shared.stalls[reported.stallIndex].durationNanoseconds = now &- observation.since
            shared.stalls[reported.stallIndex].cpuNanoseconds = cpu
        }
    }

    private func finish(_ reported: Reported, tid: Int32, observation: Observation, at now: UInt64) {
        extend(reported, tid: tid, observation: observation, at: now)
    }

    /// Blocked: the thread sat in the same system call at every look. Running (or ready to
    /// run, on a busy machine) at every look is computing, whatever CPU share it was given;
    /// the CPU time it got is kept as evidence.
    static func isBlocking(_ signature: Signature, cpu: UInt64, wall: UInt64) -> Bool {
        if case .blocked = signature { return true }
        return false
    }
}
