import CHotpathStacks
import Hotpath
import Synchronization

/// Finds where in the app's code something was called from, for adapters that cannot take
/// `#fileID` / `#line` from their caller (a database layer several frames below the app).
///
/// ```swift
/// func execute(…) async throws {
///     let site = CallSites.shared.asyncCaller()   // "SlowShop/OrdersController.swift:42 (list(request:))"
/// }
/// ```
///
/// Capture walks the chain of async callers into a stack buffer (no allocation, well under a
/// microsecond) and looks the stack up in a cache. A stack not seen before gets a placeholder
/// (``DeferredCallSites``) and is symbolicated on a background task, so no request waits for
/// symbolication; reports and detectors read the name once it is known, and later captures
/// of the same stack return the name directly.
public final class CallSites: Sendable {
    public static let shared = CallSites()

    /// Frames captured per call; the app's frame is usually within the first dozen.
    public static let depth = 24

    private let symbolicator: Symbolicator
    private let state = Mutex(State())
    private let maximumCached = 4_096

    private struct State {
        var sites: [UInt64: String] = [:]
        var pending: [(id: UInt64, addresses: [UInt], asyncFrom: Int)] = []
        var resolving = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    public init(symbolicator: Symbolicator = .shared) {
        self.symbolicator = symbolicator
    }

    /// The first frame of app code among the async callers of the function that calls this,
    /// as `Module/File.swift:line (function)` (or a placeholder until it is symbolicated); nil
    /// when nothing could be captured.
    ///
    /// Call it directly from the async function whose callers you want (the async context is
    /// read from the register Swift keeps it in on entry).
    @inline(never)
    public func asyncCaller() -> String? {
        withUnsafeTemporaryAllocation(of: UInt.self, capacity: Self.depth) { buffer in
            let count = Int(hotpath_capture_async_callers(buffer.baseAddress, Int32(Self.depth)))
            guard count > 1 else { return nil }
            return site(UnsafeBufferPointer(rebasing: buffer[..<count]), asyncFrom: 1)
        }
    }

    /// The first frame of app code on the calling thread's own stack (synchronous callers).
    @inline(never)
    public func caller() -> String? {
        withUnsafeTemporaryAllocation(of: UInt.self, capacity: Self.depth) { buffer in
            let count = Int(hotpath_capture_frames(buffer.baseAddress, Int32(Self.depth)))
            guard count > 0 else { return nil }
            return site(UnsafeBufferPointer(rebasing: buffer[..<count]), asyncFrom: count)
        }
    }

    /// Returns once every stack captured so far has been symbolicated.
    public func idle() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if !state.resolving { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Starts the symbolizer once in the background, so the first stacks resolve sooner.
    public func prepareInBackground() {
        let start = state.withLock { state -> Bool in
            guard state.sites.isEmpty, !state.resolving else { return false }
            state.resolving = true
            return true
        }
        guard start else { return }
        BackgroundThread.run {
            self.symbolicator.warmUp()
            self.resolvePending()
        }
    }

    private func site(_ addresses: UnsafeBufferPointer<UInt>, asyncFrom: Int) -> String? {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for address in addresses { hash = (hash ^ UInt64(address)) &* 0x0000_0100_0000_01b3 }
        let id = hash
        let (known, start) = state.withLock { state -> (String?, Bool) in
            // "" marks a stack without app code.
            if let known = state.sites[id] { return (known.isEmpty ? nil : known, false) }
            if state.sites.count >= maximumCached { state.sites = [:] }
            let placeholder = DeferredCallSites.placeholder(for: id)
            state.sites[id] = placeholder
            state.pending.append((id, Array(addresses), asyncFrom))
            guard !state.resolving else { return (placeholder, false) }
            state.resolving = true
            return (placeholder, true)
        }
        if start {
            BackgroundThread.run { self.resolvePending() }
        }
        return known
    }

    private func resolvePending() {
        while true {
            let batch = state.withLock { state -> [(id: UInt64, addresses: [UInt], asyncFrom: Int)]? in
                guard !state.pending.isEmpty else {
                    state.resolving = false
                    for waiter in state.waiters { waiter.resume() }
                    state.waiters = []
                    return nil
                }
                defer { state.pending = [] }
                return state.pending
            }
            guard let batch else { return }
            // One symbolizer run for every address of the batch.
            let addresses = batch.flatMap { stack in
                stack.addresses.enumerated().map {
                    Symbolicator.Address($0.element, isAsyncResumePoint: $0.offset >= stack.asyncFrom)
                }
            }
            _ = symbolicator.symbolicate(addresses)
            for stack in batch {
                let frames = symbolicator.frames(stack.addresses, asyncFrom: stack.asyncFrom)
                let site = Self.appFrame(in: frames)
                DeferredCallSites.name(stack.id, as: site)
                state.withLock { state in
                    if site != nil || state.sites[stack.id] != nil { state.sites[stack.id] = site ?? "" }
                }
            }
        }
    }

    /// With the function's name: in optimized builds an async frame's line can be the
    /// function's first line rather than the awaiting one.
    public static func appFrame(in frames: [StackFrame]) -> String? {
        // The innermost frame of app code; with its location when the line table has one (a
        // frame without one takes the file of a frame of the same function further out).
        guard let frame = frames.first(where: { !$0.isLibrary }) else { return nil }
        if let location = frame.location { return "\(location) (\(frame.function))" }
        if let file = frames.first(where: { $0.function == frame.function && $0.file != nil })?.file {
            let name = file.split(separator: "/").last.map(String.init) ?? file
            return (frame.module.map { $0 + "/" } ?? "") + name + " (\(frame.function))"
        }
        return frame.function
    }
}
