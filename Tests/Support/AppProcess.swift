import Foundation
import HotpathStacks

#if canImport(Glibc)
import Glibc
#endif

/// An example app built by this package (an executable product, e.g. `ClinicDesk`), served in
/// a process of its own for a test: its threads and cooperative pool are not shared with the
/// tests running meanwhile, and it ends with the test process (`--parent-pid`).
///
/// The app must take `--port 0` and `--parent-pid <pid>` and print `listening on <url>` on
/// standard output once it listens.
public final class AppProcess: Sendable {
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

    /// The built executable `name`: next to the test bundle, or in `.build/debug`.
    public static func executable(named name: String) -> URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            bundleDirectory.appendingPathComponent(name),
            bundleDirectory.deletingLastPathComponent().appendingPathComponent(name),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/\(name)"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// Starts the app on a free port (on one core, see ``OneCore``) and waits until it listens:
    /// up to `startTimeout`, which covers seeding a new database in a debug build.
    public static func start(
        _ name: String, arguments: [String], startTimeout: Duration = .seconds(120)
    ) async throws -> AppProcess {
        let executable = Self.executable(named: name)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(name.lowercased())-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let output = folder.appendingPathComponent("out")
        let errors = folder.appendingPathComponent("err")
        let (launcher, commandLine) = OneCore.command(executable, ["--port", "0", "--parent-pid", "\(getpid())"] + arguments)
        let child: ChildProcess
        do {
            child = try ChildProcess.start(launcher.path, commandLine, standardOutput: .file(output.path), standardError: .file(errors.path))
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw StartError(description: "\(executable.path) did not start: \(error)")
        }
        let clock = ContinuousClock()
        let deadline = clock.now + startTimeout
        while clock.now < deadline {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on "), let end = text[range.upperBound...].firstIndex(of: "\n") {
                return AppProcess(url: String(text[range.upperBound..<end]), child: child, folder: folder)
            }
            if !child.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let said = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        child.stopBlocking(grace: .zero)
        try? FileManager.default.removeItem(at: folder)
        throw StartError(description: "\(executable.path) did not start listening\(said.isEmpty ? "" : ": \(said)")")
    }

    /// SIGKILL to the app and its process group; bounded, so a `defer` never waits long.
    public func stop() {
        child.stopBlocking(grace: .zero)
        try? FileManager.default.removeItem(at: folder)
    }

    public var pid: Int32 { child.pid }
}
