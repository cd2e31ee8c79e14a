import Hotpath
import Synchronization

/// A value computed at most once per `lifetime` (the first caller computes it; callers racing
/// it may compute it too, which is harmless for a cache).
final class Kept<Value: Sendable>: Sendable {
    private let lifetime: UInt64
    private let state = Mutex<(value: Value, at: UInt64)?>(nil)

    init(for lifetime: Duration) {
        self.lifetime = UInt64(max(lifetime.nanosecondsValue, 0))
    }

    func value(_ make: () async throws -> Value) async throws -> Value {
        let now = MonotonicClock.now()
        if let kept = state.withLock({ $0 }), now &- kept.at < lifetime { return kept.value }
        let value = try await make()
        state.withLock { $0 = (value, now) }
        return value
    }
}
