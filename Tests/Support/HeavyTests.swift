/// Tests that load a whole server for tens of seconds (the SlowShop diagnoses, the demo, the
/// distributed run) and the tests whose assertions are about time (a fixed delay measured, a rate
/// held, a stall seen in p99.9) take turns: on a small machine a heavy test beside a timing test
/// uses both cores and turns the timing test's figures into the heavy test's noise.
public actor HeavyTests {
    public static let shared = HeavyTests()

    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` when no other heavy test runs.
    public static func oneAtATime<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await shared.acquire()
        do {
            let result = try await body()
            await shared.release()
            return result
        } catch {
            await shared.release()
            throw error
        }
    }

    private func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
