import Foundation
import HotpathTestSupport

/// Runs the built `hotpath` binary as a user would, capturing its output and exit code.
struct CLIRunner {
    struct Outcome: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `hotpath` executable next to the test bundle (SwiftPM builds it for these tests).
    static var binary: URL { HotpathBinary.url }

    static func run(_ arguments: [String], timeout: TimeInterval = 60) throws -> Outcome {
        try runProcess(binary.path, arguments, timeout: timeout)
    }

    /// `run` on a thread of its own, so the calling task suspends instead of holding one of
    /// the few cooperative-pool threads while the process runs (other tasks of the test,
    /// like one that stops a server mid-run, must get to run meanwhile).
    static func runOffPool(_ arguments: [String], timeout: TimeInterval = 60) async throws -> Outcome {
        try await runProcessOffPool(binary.path, arguments, timeout: timeout)
    }

    /// ``runProcess(_:_:timeout:)`` on a thread of its own.
    static func runProcessOffPool(_ path: String, _ arguments: [String], timeout: TimeInterval = 60) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runProcess(path, arguments, timeout: timeout) })
            }
        }
    }

    /// Runs any program; output goes through files so a chatty child never blocks on a pipe.
    static func runProcess(_ path: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> Outcome {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("out")
        let errURL = directory.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        return Outcome(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        )
    }
}
