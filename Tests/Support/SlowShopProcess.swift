import Foundation
import HotpathStacks

#if canImport(Glibc)
import Glibc
#endif

/// The built `hotpath` executable, as the tests run it.
public enum HotpathBinary {
    /// Next to the test bundle (SwiftPM builds it for the CLI tests), or in `.build/debug`.
    public static var url: URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            bundleDirectory.appendingPathComponent("hotpath"),
            bundleDirectory.deletingLastPathComponent().appendingPathComponent("hotpath"),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/hotpath"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }
}

/// SlowShop served by `hotpath slowshop` in a process of its own: its threads and its
/// cooperative pool are not shared with the tests running meanwhile.
public final class SlowShopProcess: Sendable {
    public let url: String
    private let child: ChildProcess
    private let folder: URL

    private init(url: String, child: ChildProcess, folder: URL) {
        self.url = url
        self.child = child
        self.folder = folder
    }

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts it (small scale, on a free port) and waits until it listens.
    public static func start(
        database: String, fixed: Bool = false, token: String, extraArguments: [String] = [], environment: [String: String]? = nil
    ) async throws -> SlowShopProcess {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("slowshop-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let output = folder.appendingPathComponent("out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let arguments = ["slowshop", "--port", "0", "--scale", "small", "--database", database, "--token", token]
            + (fixed ? ["--fixed"] : []) + extraArguments
        let (executable, commandLine) = OneCore.command(HotpathBinary.url, arguments)
        let child = try ChildProcess.start(executable.path, commandLine, environment: environment, standardOutput: .file(output.path))
        for _ in 0..<1_200 {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on "), let end = text[range.upperBound...].firstIndex(of: "\n") {
                return SlowShopProcess(url: String(text[range.upperBound..<end]), child: child, folder: folder)
            }
            if !child.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        child.stopBlocking(grace: .zero)
        try? FileManager.default.removeItem(at: folder)
        throw StartError(description: "hotpath slowshop did not start (\(HotpathBinary.url.path))")
    }

    /// SIGKILL, to the shop and whatever it started: processes started from the test runner may
    /// ignore SIGTERM. Bounded, so a `defer` never holds a thread for long.
    public func stop() {
        child.stopBlocking(grace: .zero)
        try? FileManager.default.removeItem(at: folder)
    }

    public var pid: Int32 { child.pid }
}

/// Runs a heavy test process on one core (with util-linux's `taskset`, when there is one), so
/// a loaded server leaves the other cores to the rest of the suite's timing-sensitive tests.
public enum OneCore {
    static let taskset = ["/usr/bin/taskset", "/bin/taskset"].first { FileManager.default.isExecutableFile(atPath: $0) }

    public static func command(_ executable: URL, _ arguments: [String]) -> (URL, [String]) {
        guard let taskset, ProcessInfo.processInfo.activeProcessorCount > 1 else { return (executable, arguments) }
        return (URL(fileURLWithPath: taskset), ["-c", "0", executable.path] + arguments)
    }
}
