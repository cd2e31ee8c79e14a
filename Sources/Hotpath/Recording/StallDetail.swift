/// A worker thread (Swift's cooperative pool, an event loop) held by a request past the
/// watchdog's threshold: blocked in a system call, or computing.
public struct StallDetail: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// Waiting in the kernel (a sleep, a synchronous read, a lock).
        case blocking
        /// Running.
        case computing
    }

    /// What kind of worker thread it held.
    public enum Thread: String, Sendable, Codable {
        case cooperativePool = "cooperative-pool"
        case eventLoop = "event-loop"
        case other
    }

    public var kind: Kind
    public var thread: Thread
    /// The thread's name (`NIO-ELT-0-#1`, `oot.default-qos`: the kernel keeps 15 characters).
    public var threadName: String
    /// CPU time the thread used during the stall.
    public var cpuNanoseconds: UInt64
    /// The stack that held it, leaf first (names filled once symbolicated); nil when it could
    /// not be read.
    public var stack: StackTrace?

    public init(kind: Kind, thread: Thread, threadName: String, cpuNanoseconds: UInt64, stack: StackTrace?) {
        self.kind = kind
        self.thread = thread
        self.threadName = threadName
        self.cpuNanoseconds = cpuNanoseconds
        self.stack = stack
    }

    /// The thread kind its name tells (`…default-qos` pool threads, `NIO-ELT`/`NIO-SGLTN` loops).
    public static func thread(named name: String) -> Thread {
        if name.hasSuffix("default-qos") || name.hasSuffix("initiated-qos") { return .cooperativePool }
        if name.hasPrefix("NIO-ELT") || name.hasPrefix("NIO-SGLTN") { return .eventLoop }
        return .other
    }
}

/// A captured stack: all its frames, innermost first, once named (pending until then).
public struct StackTrace: Sendable, Codable, Equatable, Hashable {
    private var names: PendingFrames

    public init(_ frames: PendingFrames) {
        names = frames
    }

    public init(frames: [SourceFrame]) {
        names = PendingFrames(id: 0, frames: frames)
    }

    public var isPending: Bool { names.frames == nil }
    /// Every frame, innermost first; empty while pending.
    public var frames: [SourceFrame] { names.frames ?? [] }

    /// The app's frames as a call site (pending while the stack is).
    public var callSite: CallSite { CallSite.pending(names) }

    /// The call that held the thread: the outermost C-library frame just above the app's code
    /// (`usleep`, not `clock_nanosleep`), or the innermost frame when the stack has no app code.
    public var leaf: SourceFrame? {
        let frames = self.frames
        guard let firstApp = frames.firstIndex(where: { !$0.isLibrary }) else { return frames.first }
        return firstApp == 0 ? frames[0] : frames[firstApp - 1]
    }

    public static func == (lhs: StackTrace, rhs: StackTrace) -> Bool {
        lhs.names === rhs.names || (!lhs.isPending && lhs.frames == rhs.frames)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(frames) }

    private enum CodingKeys: String, CodingKey { case frames, pending }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let pending = try container.decodeIfPresent(Bool.self, forKey: .pending) ?? false
        names = PendingFrames(id: 0, frames: pending ? nil : try container.decodeIfPresent([SourceFrame].self, forKey: .frames) ?? [])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Array(frames.prefix(Self.encodedFrames)), forKey: .frames)
        if isPending { try container.encode(true, forKey: .pending) }
    }

    /// Frames kept when encoded: the top of the stack.
    public static let encodedFrames = 12
}
