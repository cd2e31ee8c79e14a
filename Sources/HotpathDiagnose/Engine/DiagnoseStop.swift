import HotpathLoad
import Synchronization

/// Ends a diagnosis early but keeps what it measured: the CLI calls ``interrupt(signal:)`` on
/// Ctrl-C, SIGTERM or SIGHUP; the load in progress stops at once, the steps after it are
/// skipped, and the diagnosis of the endpoints measured so far is returned, marked incomplete.
///
/// ```swift
/// let stop = DiagnoseStop()
/// // on a signal: stop.interrupt(signal: SIGTERM)
/// let diagnosis = try await DiagnoseRun(options: options, stop: stop).run()
/// if diagnosis.incomplete != nil { /* partial: write it, exit 128 + signal */ }
/// ```
public final class DiagnoseStop: Sendable {
    private struct State {
        var signal: Int32?
        /// The loads that run now (a harm check runs two at once).
        var current: [LoadRun] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Stops the diagnosis: the load that runs now ends (its results kept), nothing else starts.
    public func interrupt(signal: Int32) {
        let runs = state.withLock { state -> [LoadRun] in
            if state.signal == nil { state.signal = signal }
            return state.current
        }
        for run in runs { run.stop() }
    }

    /// The signal that stopped it, if one did.
    public var interruptedBy: Int32? { state.withLock { $0.signal } }

    /// A load that runs now, so an interruption reaches it (stopped at once when one came
    /// before it started).
    func started(_ run: LoadRun) {
        let stopNow = state.withLock { state -> Bool in
            state.current.append(run)
            return state.signal != nil
        }
        if stopNow { run.stop() }
    }

    /// The load has ended: an interruption no longer needs to reach it.
    func finished(_ run: LoadRun) {
        state.withLock { state in state.current.removeAll { $0 === run } }
    }

    /// `body`'s result, or nil as soon as an interruption comes (checked every 50 ms); for
    /// steps that wait on the server (a profile may take its whole limit).
    func unlessInterrupted<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> T? {
        if interruptedBy != nil { return nil }
        return await withTaskGroup(of: T?.self) { group in
            group.addTask { await body() }
            group.addTask { [self] in
                while interruptedBy == nil, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(50)) }
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
