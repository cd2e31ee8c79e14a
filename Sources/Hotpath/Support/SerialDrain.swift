import Synchronization

/// Work handed from hot paths to one background worker: `submit` queues an item in O(1) under a
/// short lock (dropping it when the queue is full) and says whether the caller must start the
/// worker; the worker takes everything queued with ``takeBatch()`` until it returns nil, which
/// also wakes whoever waits in ``idle()``. At most one worker runs at a time.
///
/// Who runs the worker is the owner's choice (a `Task`, a thread of its own for blocking work):
///
/// ```swift
/// if drain.submit(request) {
///     Task.detached { while let batch = drain.takeBatch() { for item in batch { process(item) } } }
/// }
/// ```
public final class SerialDrain<Item: Sendable>: Sendable {
    private struct State {
        var queue: [Item] = []
        var working = false
        var dropped = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    /// Items waiting at most; more are dropped (and counted).
    public let capacity: Int

    public init(capacity: Int = .max) {
        self.capacity = max(capacity, 1)
    }

    /// Queues `item`; true when no worker runs, so the caller must start one.
    public func submit(_ item: Item) -> Bool {
        state.withLock { state in
            guard state.queue.count < capacity else {
                state.dropped += 1
                return false
            }
            state.queue.append(item)
            guard !state.working else { return false }
            state.working = true
            return true
        }
    }

    /// Everything queued, or nil when nothing is: the worker then ends (and waiters wake).
    public func takeBatch() -> [Item]? {
        let (batch, waiters) = state.withLock { state -> ([Item]?, [CheckedContinuation<Void, Never>]) in
            guard !state.queue.isEmpty else {
                state.working = false
                defer { state.waiters = [] }
                return (nil, state.waiters)
            }
            defer { state.queue = [] }
            return (state.queue, [])
        }
        for waiter in waiters { waiter.resume() }
        return batch
    }

    /// Items dropped because the queue was full.
    public var dropped: Int { state.withLock { $0.dropped } }

    /// Whether a worker is running (or about to).
    public var isWorking: Bool { state.withLock { $0.working } }

    /// Returns once everything submitted so far has been taken and the worker is done.
    public func idle() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                guard state.working else { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
