/// A run that could not start: the message is one line saying what failed and what to try.
public struct LoadRunError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
