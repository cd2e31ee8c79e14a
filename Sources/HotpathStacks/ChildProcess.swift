import CHotpathStacks
import Hotpath
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A program this process starts and owns: spawned with no descriptor of ours but the ones
/// handed to it, optionally in a process group of its own, and always waited for with a bound.
///
/// Foundation's `Process` learns that a child ended when a socket it shares with the child
/// closes; a grandchild that inherited that socket (a symbolizer the child started) keeps it
/// open after the child is gone, and `waitUntilExit()` then waits for the grandchild, without
/// bound. This type reaps the child with `waitpid` itself.
///
/// ```swift
/// let shop = try ChildProcess.start("/usr/local/bin/hotpath", ["slowshop", "--port", "0"], standardOutput: .file(log))
/// defer { _ = shop.stop() }
/// ```
public final class ChildProcess: Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable, Equatable {
        case null
        /// Appended to this file (created when missing).
        case file(String)
    }

    /// How the child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)

        /// The exit code, or the signal's number (as Foundation's `terminationStatus`).
        public var status: Int32 {
            switch self {
            case .exited(let code): code
            case .signalled(let signal): signal
            }
        }
    }

    public let pid: Int32
    /// The child leads a process group of its own: ``signal(_:)`` and ``stop(grace:)`` reach
    /// its children too.
    public let ownsProcessGroup: Bool
    private let ended = Mutex<Termination?>(nil)

    private init(pid: Int32, ownsProcessGroup: Bool) {
        self.pid = pid
        self.ownsProcessGroup = ownsProcessGroup
    }

    /// Why a child could not be started.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts `executable` (a path) with `arguments`, in `directory` (nil: this process's).
    /// `environment` nil: this process's own.
    public static func start(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        standardInput: String? = nil, standardOutput: Stream = .null, standardError: Stream = .null,
        processGroup: Bool = true
    ) throws(StartError) -> ChildProcess {
        let argv = ([executable] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } }
        defer { envp?.forEach { free($0) } }
        func path(_ stream: Stream) -> String? {
            if case .file(let path) = stream { return path }
            return nil
        }
        var pid: Int32 = 0
        let status = withCPointers(argv) { argvPointer in
            withOptionalCPointers(envp) { envpPointer in
                withOptionalCString(directory) { folder in
                    withOptionalCString(standardInput) { input in
                        withOptionalCString(path(standardOutput)) { output in
                            withOptionalCString(path(standardError)) { error in
                                hotpath_spawn(argvPointer, envpPointer, folder, input, output, error, processGroup ? 1 : 0, nil, &pid)
                            }
                        }
                    }
                }
            }
        }
        guard status == 0 else {
            throw StartError(description: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        return ChildProcess(pid: pid, ownsProcessGroup: processGroup)
    }

    /// How it ended, once it has (reaped without waiting); nil while it runs.
    public var termination: Termination? {
        if let known = ended.withLock({ $0 }) { return known }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else {
            // ECHILD: reaped elsewhere (or never ours); there is nothing left to wait for.
            if result < 0, errno == ECHILD { return record(.exited(-1)) }
            return nil
        }
        return record(Self.termination(status))
    }

    public var isRunning: Bool { termination == nil }

    /// Sends `signal` to the child (and its process group when it has one).
    public func signal(_ signal: Int32) {
        guard isRunning else { return }
        kill(ownsProcessGroup ? -pid : pid, signal)
    }

    /// Waits at most `limit` for the child to end; nil when it still runs.
    public func wait(upTo limit: Duration) async -> Termination? {
        let deadline = ContinuousClock.now + limit
        while true {
            if let termination { return termination }
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// ``wait(upTo:)`` for a thread that may block (never on the cooperative pool).
    public func waitBlocking(upTo limit: Duration) -> Termination? {
        let deadline = MonotonicClock.now() &+ UInt64(max(limit.nanosecondsValue, 0))
        while true {
            if let termination { return termination }
            guard MonotonicClock.now() < deadline else { return nil }
            usleep(10_000)
        }
    }

    /// SIGTERM (to the group), up to `grace` for it to end, then SIGKILL; returns how it ended,
    /// or nil when even SIGKILL left it running after 5 s (a process stuck in the kernel).
    @discardableResult
    public func stop(grace: Duration = .seconds(2)) async -> Termination? {
        if let termination { return termination }
        signal(SIGTERM)
        if let ended = await wait(upTo: grace) { killGroup(); return ended }
        signal(SIGKILL)
        let ended = await wait(upTo: .seconds(5))
        killGroup()
        return ended
    }

    /// ``stop(grace:)`` for a thread that may block.
    @discardableResult
    public func stopBlocking(grace: Duration = .seconds(2)) -> Termination? {
        if let termination { return termination }
        signal(SIGTERM)
        if let ended = waitBlocking(upTo: grace) { killGroup(); return ended }
        signal(SIGKILL)
        let ended = waitBlocking(upTo: .seconds(5))
        killGroup()
        return ended
    }

    /// Whatever the child started in its group and left behind goes with it.
    private func killGroup() {
        if ownsProcessGroup { kill(-pid, SIGKILL) }
    }

    private func record(_ termination: Termination) -> Termination {
        ended.withLock { known in
            if known == nil { known = termination }
            return known ?? termination
        }
    }

    static func termination(_ status: Int32) -> Termination {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }
}

private func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}

private func withCPointers<R>(_ strings: [UnsafeMutablePointer<CChar>?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

private func withOptionalCPointers<R>(_ strings: [UnsafeMutablePointer<CChar>?]?, _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    guard let strings else { return body(nil) }
    return withCPointers(strings) { body($0) }
}
