import Foundation
import HotpathStacks

#if canImport(Glibc)
import Glibc
#endif

/// SlowShop in a process of its own (this same executable, `hotpath slowshop`), so the demo
/// measures a server the way a user would: over loopback, with its own threads and CPU.
///
/// Started as a ``ChildProcess`` in a process group of its own: stopping it stops whatever it
/// started (a symbolizer), and every wait on it is bounded.
final class ShopProcess: Sendable {
    let url: String
    private let child: ChildProcess

    private init(url: String, child: ChildProcess) {
        self.url = url
        self.child = child
    }

    var pid: Int32 { child.pid }

    /// Starts it and waits until it listens (seeding a new database takes a few seconds).
    /// `log` receives what it prints.
    static func start(
        database: String, fixed: Bool, scale: String, token: String, log: String, timeout: Duration = .seconds(180)
    ) async throws -> ShopProcess {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        // It dies with this process, however this one ends (even by SIGKILL): see --parent-pid.
        let arguments = ["slowshop", "--port", "0", "--database", database, "--scale", scale, "--token", token, "--parent-pid", "\(getpid())"]
            + (fixed ? ["--fixed"] : [])
        let child: ChildProcess
        do {
            child = try ChildProcess.start(executablePath(), arguments, standardOutput: .file(log))
        } catch {
            throw CLIExit.runFailed("could not start SlowShop (\(executablePath()) slowshop): \(error)")
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on "), let end = text[range.upperBound...].firstIndex(of: "\n") {
                return ShopProcess(url: String(text[range.upperBound..<end]), child: child)
            }
            if let ended = child.termination {
                throw CLIExit.runFailed("SlowShop stopped before it listened (exit \(ended.status)); run 'hotpath slowshop' to see why")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        await child.stop()
        throw CLIExit.runFailed("SlowShop did not start within \(timeout)")
    }

    /// SIGTERM, then SIGKILL if it has not ended within two seconds; never waits longer than
    /// that and five more seconds.
    func stop() async {
        await child.stop()
    }

    /// ``stop()`` for a thread that may block (a signal handler's).
    func stopBlocking() {
        child.stopBlocking()
    }

    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
