import Foundation

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
public final class SlowShopProcess: @unchecked Sendable {
    public let url: String
    private let process: Process
    private let folder: URL

    private init(url: String, process: Process, folder: URL) {
        self.url = url
        self.process = process
        self.folder = folder
    }

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts it (small scale, on a free port) and waits until it listens.
    public static func start(database: String, fixed: Bool = false, token: String, extraArguments: [String] = []) async throws -> SlowShopProcess {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("slowshop-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let output = folder.appendingPathComponent("out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        let arguments = ["slowshop", "--port", "0", "--scale", "small", "--database", database, "--token", token]
            + (fixed ? ["--fixed"] : []) + extraArguments
        (process.executableURL, process.arguments) = OneCore.command(HotpathBinary.url, arguments)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<1_200 {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on "), let end = text[range.upperBound...].firstIndex(of: "\n") {
                return SlowShopProcess(url: String(text[range.upperBound..<end]), process: process, folder: folder)
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
        throw StartError(description: "hotpath slowshop did not start (\(HotpathBinary.url.path))")
    }

    /// SIGKILL: processes started from the test runner may ignore SIGTERM.
    public func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }

    public var pid: Int32 { process.processIdentifier }
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
