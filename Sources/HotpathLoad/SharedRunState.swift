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
        return ticketsTaken.loadThenWrappingIncrement(ordering: .relaxed) < requestLimit
    }

    /// A ticketed request was answered or failed.
    func resolveTicket() {
        guard let requestLimit else { return }
        if resolved.wrappingIncrementThenLoad(ordering: .relaxed) == requestLimit { onLimitReached() }
    }
}
