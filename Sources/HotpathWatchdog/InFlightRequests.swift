import CHotpathStacks
import Hotpath
import Synchronization

/// The requests being served, as the watchdog needs them: each one's Swift task and the thread
/// it began on. Kept here, not in the recorder, which tells it of each request's begin and
/// finish (``RequestObserver``): two short lock operations per request, only while a watchdog
/// runs.
///
/// A stall no in-flight request could be matched to (a request that blocked after moving to
/// another thread) is noted per thread; the request that finishes on that thread next, having
/// started before the stall, gets it as an event.
final class InFlightRequests: RequestObserver {
    struct Entry {
        var request: ActiveRequest
        /// The Swift task serving it (the runtime's task pointer; 0 outside a task).
        var task: UInt
        /// The OS thread it began on.
        var thread: Int32
    }

    struct UnclaimedStall {
        var start: UInt64
        var end: UInt64
        var detail: StallDetail
        var callSite: CallSite?
    }

    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])
    private let unclaimed = Mutex<[Int32: UnclaimedStall]>([:])

    func requestBegan(_ request: ActiveRequest) {
        let task = withUnsafeCurrentTask { task in task.map { unsafeBitCast($0, to: UInt.self) } ?? 0 }
        let entry = Entry(request: request, task: task, thread: hotpath_thread_id())
        entries.withLock { $0[ObjectIdentifier(request)] = entry }
    }

    func requestWillFinish(_ request: ActiveRequest) {
        _ = entries.withLock { $0.removeValue(forKey: ObjectIdentifier(request)) }
        let thread = hotpath_thread_id()
        let stall = unclaimed.withLock { stalls -> UnclaimedStall? in
            guard let stall = stalls[thread], stall.start >= request.startedAt else { return nil }
            stalls[thread] = nil
            return stall
        }
        guard let stall else { return }
        request.record(.stall(stall.detail), from: stall.start, to: max(stall.end, stall.start), callSite: stall.callSite)
    }

    /// Every request in flight.
    var all: [Entry] { entries.withLock { Array($0.values) } }

    /// The request served by Swift task `task`, if any.
    func request(task: UInt) -> ActiveRequest? {
        guard task != 0 else { return nil }
        return entries.withLock { $0.values.first { $0.task == task }?.request }
    }

    /// Requests that began on `thread`.
    func requests(onThread thread: Int32) -> [ActiveRequest] {
        entries.withLock { $0.values.filter { $0.thread == thread }.map(\.request) }
    }

    /// Notes (or, called again, extends) a stall on `thread` that no in-flight request could be
    /// matched to.
    func noteUnclaimedStall(thread: Int32, from start: UInt64, to end: UInt64, detail: StallDetail, callSite: CallSite?) {
        unclaimed.withLock { stalls in
            if stalls.count > 256 { stalls = [:] }
            stalls[thread] = UnclaimedStall(start: start, end: end, detail: detail, callSite: callSite)
        }
    }
}
