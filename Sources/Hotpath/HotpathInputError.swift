/// A mistake in what the user typed (a bad duration, budget, URL...).
///
/// Its message is one line saying what was wrong and what to do, so a command-line
/// front end can print it as is, without a stack of wrapping context.
public struct HotpathInputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The one-line explanation shown to the user.
    public let message: String

    /// Creates an error carrying a ready-to-print, one-line message.
    public init(_ message: String) {
        self.message = message
    }

    /// The message itself, so `print(error)` shows exactly what the user should read.
    public var description: String { message }
}
