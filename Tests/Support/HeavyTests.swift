/// Tests that load a whole server for tens of seconds (the SlowShop diagnoses, the demo) take
/// turns: two at once would use both cores of a small machine and starve the timing-sensitive
/// tests of the other suites.
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
