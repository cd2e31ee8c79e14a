import CHotpathStacks
import Synchronization

/// The request being served, which any code running for it can add events to.
///
/// The middleware makes one per request and binds it to ``current`` for the handler's task;
/// child tasks (`async let`, task groups, `Task {}`) inherit it, so a query run three calls
/// deep in a child task still lands on the right request:
///
/// ```swift
/// ActiveRequest.current?.record(.database, "SELECT * FROM users WHERE id = $1", from: start, to: end)
/// ```
///
/// Recording takes an uncontended lock owned by this request only (child tasks may record
/// concurrently), and stops keeping events past the configured cap while still counting them.
public final class ActiveRequest: Sendable {
    /// The request the current task is serving, if any.
    @TaskLocal public static var current: ActiveRequest?

    public let method: String
    public let path: String
    /// Monotonic start time (``MonotonicClock``), nanoseconds.
    public let startedAt: UInt64
    /// Wall-clock start, seconds since 1970, for display.
    public var startedAtWallClock: Double { WallClock.seconds(atMonotonic: startedAt) }
    let maximumEvents: Int
    private let state: Mutex<State>
    private let lastThread: Atomic<Int32>

    /// The Swift task that serves this request (the runtime's task pointer; 0 outside a task):
    /// how the watchdog finds the request a running thread is computing for.
    public let task: UInt

    /// The OS thread this request last ran on, as far as Hotpath saw (when it began, and at each
    /// recorded event): how the watchdog attributes a stalled thread to the request it serves.
    public var thread: Int32 { lastThread.load(ordering: .relaxed) }

    struct State {
        var events: [RequestEvent] = []
        // Four counters rather than an array: no allocation for a request with no events.
        var counts = KindCounts()
        var droppedEvents = 0
        var droppedDatabaseNanoseconds: UInt64 = 0
        var droppedHTTPNanoseconds: UInt64 = 0
        var response: ResponseFacts?
    }

    public init(method: String, path: String, maximumEvents: Int = 200, startedAt: UInt64 = MonotonicClock.now()) {
        self.method = method
        self.path = path
        self.startedAt = startedAt
        self.maximumEvents = maximumEvents
        self.state = Mutex(State())
        self.lastThread = Atomic(hotpath_thread_id())
        self.task = withUnsafeCurrentTask { task in task.map { unsafeBitCast($0, to: UInt.self) } ?? 0 }
    }

    /// Adds an event that ran from `start` to `end` (``MonotonicClock`` nanoseconds).
    public func record(
        _ kind: RequestEvent.Kind,
        _ name: String,
        from start: UInt64,
        to end: UInt64,
        callSite: String? = nil,
        attributes: [String: String]? = nil
    ) {
        let clippedName = name.utf8.count > RequestEvent.maximumNameLength
            ? String(name.prefix(RequestEvent.maximumNameLength)) + "…"
            : name
        record(RequestEvent(
            kind: kind,
            name: clippedName,
            startNanoseconds: start >= startedAt ? start &- startedAt : 0,
            durationNanoseconds: end >= start ? end &- start : 0,
            callSite: callSite,
            attributes: attributes
        ))
    }

    /// Adds a ready-made event (its start is relative to this request's start).
    public func record(_ event: RequestEvent) {
        _ = append(event)
    }

    /// Adds an event that is still going on (a stall the watchdog is watching); its end moves
    /// with ``extendEvent(_:to:)`` until the request finishes. Nil when the event was not kept.
    public func recordOngoing(
        _ kind: RequestEvent.Kind, _ name: String, from start: UInt64, to end: UInt64,
        callSite: String? = nil, attributes: [String: String]? = nil
    ) -> Int? {
        append(RequestEvent(
            kind: kind, name: name,
            startNanoseconds: start >= startedAt ? start &- startedAt : 0,
            durationNanoseconds: end >= start ? end &- start : 0,
            callSite: callSite, attributes: attributes
        ), fromOtherThread: true)
    }

    /// Moves the end of an event added with ``recordOngoing(_:_:from:to:callSite:attributes:)``,
    /// and updates its attributes when given.
    public func extendEvent(_ index: Int, to end: UInt64, attributes: [String: String]? = nil) {
        state.withLock { state in
            guard state.events.indices.contains(index) else { return }
            let start = startedAt &+ state.events[index].startNanoseconds
            state.events[index].durationNanoseconds = end >= start ? end &- start : 0
            if let attributes { state.events[index].attributes = attributes }
        }
    }

    private func append(_ event: RequestEvent, fromOtherThread: Bool = false) -> Int? {
        if !fromOtherThread { lastThread.store(hotpath_thread_id(), ordering: .relaxed) }
        return state.withLock { state -> Int? in
            state.counts.add(event.kind)
            if state.events.count < maximumEvents {
                state.events.append(event)
                return state.events.count - 1
            } else {
                state.droppedEvents += 1
                switch event.kind {
                case .database: state.droppedDatabaseNanoseconds &+= event.durationNanoseconds
                case .http: state.droppedHTTPNanoseconds &+= event.durationNanoseconds
                case .stall, .span: break
                }
                return nil
            }
        }
    }

    /// Notes the response's size and encoding (adapters call it for bodies of at least
    /// ``ResponseFacts/noteworthyBytes``).
    public func noteResponse(_ facts: ResponseFacts) {
        state.withLock { $0.response = facts }
    }

    /// The response noted with ``noteResponse(_:)``, if any.
    public var response: ResponseFacts? {
        state.withLock { $0.response }
    }

    /// Events so far, in the order they were recorded.
    public var events: [RequestEvent] {
        state.withLock { $0.events }
    }

    /// How many events of a kind were recorded, kept or not.
    public func count(of kind: RequestEvent.Kind) -> Int {
        state.withLock { $0.counts[kind] }
    }

    /// Where the time went up to `now`.
    public func timing(now: UInt64 = MonotonicClock.now()) -> RequestTiming {
        let total = now >= startedAt ? now &- startedAt : 0
        return state.withLock { state in
            RequestTiming(
                events: state.events,
                totalNanoseconds: total,
                queryCount: state.counts[.database],
                httpCallCount: state.counts[.http],
                droppedDatabaseNanoseconds: state.droppedDatabaseNanoseconds,
                droppedHTTPNanoseconds: state.droppedHTTPNanoseconds
            )
        }
    }

    /// Kept events and the number dropped, read together.
    var eventsAndDropped: (events: [RequestEvent], dropped: Int) {
        state.withLock { ($0.events, $0.droppedEvents) }
    }
}

struct KindCounts {
    private var database = 0
    private var http = 0
    private var stall = 0
    private var span = 0

    mutating func add(_ kind: RequestEvent.Kind) {
        switch kind {
        case .database: database += 1
        case .http: http += 1
        case .stall: stall += 1
        case .span: span += 1
        }
    }

    subscript(kind: RequestEvent.Kind) -> Int {
        switch kind {
        case .database: database
        case .http: http
        case .stall: stall
        case .span: span
        }
    }
}
