import Hotpath
import HotpathStacks
import Synchronization

/// Names for a stalled thread's stack, registered in ``DeferredCallSites`` once symbolicated:
/// the app's frame (the call site), the function the thread was in (the leaf, skipping the C
/// library's system-call wrappers), and the top of the stack as text. Stacks wait in a queue
/// that one background thread drains, one symbolizer run per batch.
enum StallNames {
    private static let state = Mutex<(pending: [(id: UInt64, addresses: [UInt], asyncFrom: Int)], resolving: Bool)>(([], false))

    static func id(of addresses: [UInt]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ 0x5354_414c_4c00
        for address in addresses { hash = (hash ^ UInt64(address)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    static func leafID(_ id: UInt64) -> UInt64 { id ^ 0x6c65_6166 }
    static func stackTextID(_ id: UInt64) -> UInt64 { id ^ 0x7374_6163_6b }

    static func resolveInBackground(id: UInt64, addresses: [UInt], asyncFrom: Int) {
        let start = state.withLock { state -> Bool in
            state.pending.append((id, addresses, asyncFrom))
            guard !state.resolving else { return false }
            state.resolving = true
            return true
        }
        if start { BackgroundThread.run { drain() } }
    }

    private static func drain() {
        while true {
            let batch = state.withLock { state -> [(id: UInt64, addresses: [UInt], asyncFrom: Int)]? in
                guard !state.pending.isEmpty else {
                    state.resolving = false
                    return nil
                }
                defer { state.pending = [] }
                return state.pending
            }
            guard let batch else { return }
            _ = Symbolicator.shared.symbolicate(batch.flatMap { stack in
                stack.addresses.enumerated().map { Symbolicator.Address($0.element, isAsyncResumePoint: $0.offset >= stack.asyncFrom) }
            })
            for stack in batch {
                let frames = Symbolicator.shared.frames(stack.addresses, asyncFrom: stack.asyncFrom)
                DeferredCallSites.name(stack.id, as: CallSites.appFrame(in: frames))
                DeferredCallSites.name(leafID(stack.id), as: leaf(in: frames))
                let top = frames.prefix(8).map { frame in
                    frame.location.map { "\(frame.function) (\($0))" } ?? frame.function
                }
                DeferredCallSites.name(stackTextID(stack.id), as: top.joined(separator: " < "))
            }
        }
    }

    /// The call that held the thread: the outermost of the C library's frames above the app's
    /// code (`usleep`, not `clock_nanosleep`), or the innermost frame when none.
    static func leaf(in frames: [StackFrame]) -> String? {
        guard let firstApp = frames.firstIndex(where: { !$0.isLibrary }) else { return frames.first?.function }
        if firstApp == 0 { return frames[0].function }
        return frames[firstApp - 1].function
    }
}
