import Atomics

/// The little that all loops share during a run: the request budget of `-n` and the signal
/// that it is spent. Atomics only, touched only when `-n` was given.
final class SharedRunState: Sendable {
    let requestLimit: Int?
    private let ticketsTaken = ManagedAtomic<Int>(0)
    private let resolved = ManagedAtomic<Int>(0)
    private let onLimitReached: @Sendable () -> Void

    init(requestLimit: Int?, onLimitReached: @escaping @Sendable () -> Void) {
        self.requestLimit = requestLimit
        self.onLimitReached = onLimitReached
    }

    /// Whether another request may be sent.
    func takeTicket() -> Bool {
        guard let requestLimit else { return true }
        // Never past the limit, so a returned ticket is really free again.
        var current = ticketsTaken.load(ordering: .relaxed)
        while current < requestLimit {
            let (exchanged, original) = ticketsTaken.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// A ticketed request was answered or failed.
    func resolveTicket() {
        guard let requestLimit else { return }
        if resolved.wrappingIncrementThenLoad(ordering: .relaxed) == requestLimit { onLimitReached() }
    }

    /// A ticketed request was never processed (an HTTP/2 stream refused by GOAWAY): another
    /// request may take its place, so `-n` still counts requests the server handled.
    func returnTicket() {
        guard requestLimit != nil else { return }
        ticketsTaken.wrappingDecrement(ordering: .relaxed)
    }
}
