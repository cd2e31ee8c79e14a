import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the CLI writes: results on stdout, errors and the live progress line on stderr.
/// When a report goes to standard output (`--json -`), the text results go to stderr instead.
enum Terminal {
    private static let textOnStandardError = Atomic<Bool>(false)

    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
    /// Colour only for a terminal that wants it (https://no-color.org).
    static var wantsColor: Bool {
        (textOnStandardError.load(ordering: .relaxed) ? stderrIsTerminal : stdoutIsTerminal) && getenv("NO_COLOR") == nil
    }

    /// Keeps standard output for the one report written there (`--json -`, `--html -`).
    static func keepStandardOutputFor(_ targets: [OutputTarget?]) {
        if targets.contains(.standardOutput) { textOnStandardError.store(true, ordering: .relaxed) }
    }

    static func out(_ text: String) {
        if textOnStandardError.load(ordering: .relaxed) {
            writeError(text)
        } else {
            print(text, terminator: "")
        }
    }

    /// One line, always: line breaks that came in with user text are shown escaped.
    static func error(_ message: String) {
        let oneLine = message.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
        writeError("hotpath: error: \(oneLine)\n")
    }

    /// One line of narration on stderr (what a long command is doing now).
    static func note(_ line: String) {
        writeError(line + "\n")
    }

    /// Rewrites the progress line in place.
    static func progress(_ line: String) {
        writeError("\r\u{1B}[2K\(line)")
    }

    static func clearProgress() {
        writeError("\r\u{1B}[2K")
    }

    static func flush() {
        fflush(nil)
    }

    /// stderr unbuffered and straight to the descriptor: it is written from the progress
    /// callback's thread and must not interleave with buffered stdout.
    private static func writeError(_ text: String) {
        fflush(nil)
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                write(STDERR_FILENO, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written <= 0 { return }
            offset += written
        }
    }
}
