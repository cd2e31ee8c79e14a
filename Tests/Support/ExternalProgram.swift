import Foundation
import HotpathStacks

/// Runs a program the tests need (the `hotpath` CLI, python3, protoc, chromium) as a
/// ``ChildProcess``: output through files so a chatty child never blocks on a pipe, nothing of
/// the test process inherited, and every wait bounded (past `timeout`: SIGTERM, status 15, then
/// SIGKILL to it and whatever it started).
public enum ExternalProgram {
    public struct Outcome: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// `executable` is a path; `/usr/bin/env` with the program's name first searches PATH.
    /// Nil when it could not start.
    public static func run(
        _ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil,
        timeout: Duration = .seconds(120)
    ) -> Outcome? {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-run-\(UUID().uuidString)")
        guard (try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)) != nil else { return nil }
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("out")
        let errURL = scratch.appendingPathComponent("err")
        guard let child = try? ChildProcess.start(
            executable, arguments, environment: environment, directory: directory?.path,
            standardOutput: .file(outURL.path), standardError: .file(errURL.path)
        ) else { return nil }
        let ended = child.waitBlocking(upTo: timeout) ?? child.stopBlocking(grace: .seconds(5))
        return Outcome(
            status: ended?.status ?? -1,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        )
    }

    /// ``run(_:_:in:environment:timeout:)`` on a thread of its own: a browser or an interpreter
    /// takes seconds, and a test holding one of the cooperative pool's few threads that long
    /// starves the other suites.
    public static func runOffPool(
        _ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil,
        timeout: Duration = .seconds(120)
    ) async -> Outcome? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: run(executable, arguments, in: directory, environment: environment, timeout: timeout))
            }
        }
    }
}
