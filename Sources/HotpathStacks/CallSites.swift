import CHotpathStacks
import Hotpath
import Synchronization

/// Finds where in the app's code something was called from, for adapters that cannot take
/// `#fileID` / `#line` from their caller (a database layer several frames below the app).
///
/// ```swift
/// func execute(…) async throws {
///     let site = CallSites.shared.asyncCaller()   // Shop/OrdersController.swift:42 (list(request:)) ← …
/// }
/// ```
///
/// Capture walks the chain of async callers into a stack buffer (no allocation, well under a
/// microsecond) and looks the stack up in a table. A stack not seen before is returned as a
/// pending ``CallSite`` and symbolicated on a thread of its own, so no request waits for
/// symbolication; every event holding that call site sees the names once they are known, and
/// later captures of the same stack are named at once.
public final class CallSites: Sendable {
    public static let shared = CallSites()

    /// Frames captured per call: an ORM query reaches the app past some twenty frames of
    /// async library code (FluentKit's query builder, its tracing span, task-locals).
    public static let depth = 48

    private let symbolicator: Symbolicator
    /// Named (or being named) stacks by id; bounded, cleared when full.
    private let stacks = Mutex<[UInt64: PendingFrames]>([:])
    private let queue = SerialDrain<(frames: PendingFrames, addresses: [UInt], asyncFrom: Int)>()
    private let maximumCached = 4_096
    private let warmedUp = Atomic<Bool>(false)

    public init(symbolicator: Symbolicator = .shared) {
        self.symbolicator = symbolicator
    }

    /// The app's frames among the async callers of the function that calls this (pending until
    /// symbolicated); nil when nothing could be captured.
    ///
    /// Call it directly from the async function whose callers you want (the async context is
    /// read from the register Swift keeps it in on entry).
    ///
    /// - Parameters:
    ///   - fileID: the direct caller's `#fileID`, when an adapter has it: the site is then that
    ///     exact line, with the callers from the stack (a helper that wraps a client, and the
    ///     lines that called the helper).
    ///   - line: the direct caller's `#line`.
    @inline(never)
    public func asyncCaller(fileID: String? = nil, line: Int = 0) -> CallSite? {
        withUnsafeTemporaryAllocation(of: UInt.self, capacity: Self.depth) { buffer in
            let count = Int(hotpath_capture_async_callers(buffer.baseAddress, Int32(Self.depth)))
            guard count > 1 else { return fileID.map { CallSite(fileID: $0, line: line) } }
            let frames = pending(UnsafeBufferPointer(rebasing: buffer[..<count]), asyncFrom: 1)
            guard let fileID else { return .pending(frames) }
            return .pending(frames, caller: fileID, line: line)
        }
    }

    /// The app's frames on the calling thread's own stack (synchronous callers) and, when that
    /// stack runs in a task, the async functions that awaited it: the line of an `await` that
    /// started an EventLoopFuture chain (FluentKit's relations, SQLKit's futures).
    ///
    /// - Parameter depth: frames to capture, at most ``depth``: fewer when the app's line is
    ///   known to be near (a getter the app calls directly), which costs less.
    @inline(never)
    public func caller(depth: Int = CallSites.depth) -> CallSite? {
        let depth = min(max(depth, 1), Self.depth)
        return withUnsafeTemporaryAllocation(of: UInt.self, capacity: depth) { buffer in
            var asyncFrom: Int32 = -1
            let count = Int(hotpath_capture_caller_frames(buffer.baseAddress, Int32(depth), &asyncFrom))
            guard count > 0 else { return nil }
            return site(UnsafeBufferPointer(rebasing: buffer[..<count]), asyncFrom: asyncFrom >= 0 ? Int(asyncFrom) : count)
        }
    }

    /// Returns once every stack captured so far has been symbolicated.
    public func idle() async {
        await queue.idle()
    }

    /// Starts the symbolizer once in the background, so the first stacks resolve sooner (later
    /// calls do nothing).
    public func prepareInBackground() {
        guard !warmedUp.exchange(true, ordering: .relaxed) else { return }
        BackgroundThread.run { self.symbolicator.warmUp() }
    }

    /// The names of a stack captured elsewhere (another thread's, by the watchdog), shared
    /// with every capture of the same stack and filled once symbolicated.
    public func frames(of addresses: [UInt], asyncFrom: Int) -> PendingFrames {
        addresses.withUnsafeBufferPointer { pending($0, asyncFrom: asyncFrom) }
    }

    private func site(_ addresses: UnsafeBufferPointer<UInt>, asyncFrom: Int) -> CallSite {
        .pending(pending(addresses, asyncFrom: asyncFrom))
    }

    private func pending(_ addresses: UnsafeBufferPointer<UInt>, asyncFrom: Int) -> PendingFrames {
        var hash = FNV1a(seed: UInt64(asyncFrom))
        for address in addresses { hash.mix(UInt64(address)) }
        let id = hash.value
        let (frames, isNew) = stacks.withLock { stacks -> (PendingFrames, Bool) in
            if let known = stacks[id] { return (known, false) }
            if stacks.count >= maximumCached { stacks = [:] }
            let fresh = PendingFrames(id: id)
            stacks[id] = fresh
            return (fresh, true)
        }
        if isNew, queue.submit((frames, Array(addresses), asyncFrom)) {
            BackgroundThread.run { self.resolvePending() }
        }
        return frames
    }

    private func resolvePending() {
        while let batch = queue.takeBatch() {
            // One symbolizer run for every address of the batch.
            let addresses = batch.flatMap { stack in
                stack.addresses.enumerated().map { Symbolicator.Address($0.element, isAsyncResumePoint: $0.offset >= stack.asyncFrom) }
            }
            _ = symbolicator.symbolicate(addresses)
            for stack in batch {
                stack.frames.resolve(StackFrame.sourceFrames(symbolicator.frames(stack.addresses, asyncFrom: stack.asyncFrom)))
            }
        }
    }
}

extension StackFrame {
    /// As the core model names frames. A frame without a file (an async frame whose line
    /// table entry is missing) takes the file a frame of the same function has further out.
    public static func sourceFrames(_ frames: [StackFrame]) -> [SourceFrame] {
        frames.map { frame in
            var source = frame.source
            if source.file == nil { source.file = frames.first { $0.function == frame.function && $0.file != nil }?.file }
            return source
        }
    }
}
