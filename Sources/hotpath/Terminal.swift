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

    /// Text that came from a server or a file (route names, titles, function names), made safe
    /// to print: control characters other than line breaks and tabs are shown in caret form
    /// (`^[` for ESC, `^G` for BEL, `^?` for DEL, `<U+0085>` for the C1 range), so a hostile
    /// report can neither recolour, retitle nor clear the terminal.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard isControl(scalar) else {
                result.append(scalar)
                continue
            }
            let caret: String = switch scalar.value {
            case 0x7F: "^?"
            case 0x80...0x9F: "<U+\(String(scalar.value, radix: 16, uppercase: true).leftPadded(4))>"
            default: "^" + String(UnicodeScalar(UInt8(scalar.value + 0x40)))
            }
            result.append(contentsOf: caret.unicodeScalars)
        }
        return String(result)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: false
        case 0x00...0x1F, 0x7F...0x9F: true
        default: false
        }
    }

    /// ``out(_:)`` for text that holds what a server or a file supplied.
    static func outSanitized(_ text: String) {
        out(printable(text))
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
        writeError("hotpath: error: \(printable(oneLine))\n")
    }

    /// One line of narration on stderr (what a long command is doing now; it may name a
    /// server's routes, so it is made printable).
    static func note(_ line: String) {
        writeError(printable(line) + "\n")
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

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
