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
    static func runOffPool(_ arguments: [String], timeout: TimeInterval = 60, environment: [String: String]? = nil) async throws -> Outcome {
        try await runProcessOffPool(binary.path, arguments, timeout: timeout, environment: environment)
    }

    /// ``runProcess(_:_:timeout:environment:)`` on a thread of its own.
    static func runProcessOffPool(
        _ path: String, _ arguments: [String], timeout: TimeInterval = 60, environment: [String: String]? = nil
    ) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runProcess(path, arguments, timeout: timeout, environment: environment) })
            }
        }
    }

    /// Runs any program (see ``ExternalProgram``); past `timeout` it gets SIGTERM (status 15),
    /// then SIGKILL.
    static func runProcess(
        _ path: String, _ arguments: [String], timeout: TimeInterval = 60, environment: [String: String]? = nil
    ) throws -> Outcome {
        guard let outcome = ExternalProgram.run(path, arguments, environment: environment, timeout: .milliseconds(Int64(timeout * 1000))) else {
            throw StartFailure(path: path)
        }
        return Outcome(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr)
    }

    struct StartFailure: Error, CustomStringConvertible {
        var path: String
        var description: String { "could not start \(path)" }
    }
}
