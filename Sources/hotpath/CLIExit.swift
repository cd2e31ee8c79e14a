/// Ends the program with an exit code and, when there is something to say, one line on stderr.
struct CLIExit: Error {
    var code: Int32
    var message: String?

    static let budgetFailed: Int32 = 99
    static let interrupted: Int32 = 130
    static let badInput: Int32 = 2
    static let runFailed: Int32 = 1

    /// 128 + the signal's number, as a shell reports a command a signal ended (130 for Ctrl-C,
    /// 143 for SIGTERM, 129 for SIGHUP), though the results were kept.
    static func interruptedCode(signal: Int32) -> Int32 { 128 + signal }

    static func badInput(_ message: String) -> CLIExit { CLIExit(code: badInput, message: message) }
    static func runFailed(_ message: String) -> CLIExit { CLIExit(code: runFailed, message: message) }
}
