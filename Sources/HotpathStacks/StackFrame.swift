import Hotpath

/// One frame of a captured stack, symbolicated.
public struct StackFrame: Sendable, Hashable, Codable {
    public var address: UInt
    /// Demangled and readable: `OrderController.list(request:context:)`.
    public var function: String
    /// The Swift module (`SlowShop`, `NIOPosix`), or the image name for C code.
    public var module: String?
    public var file: String?
    public var line: Int?
    /// An async caller (a resume point in the chain of async contexts).
    public var isAsync: Bool
    /// Runtime, standard library, Foundation, NIO, drivers, frameworks, Hotpath itself.
    public var isLibrary: Bool

    public init(
        address: UInt, function: String, module: String?, file: String?, line: Int?, isAsync: Bool, isLibrary: Bool
    ) {
        self.address = address
        self.function = function
        self.module = module
        self.file = file
        self.line = line
        self.isAsync = isAsync
        self.isLibrary = isLibrary
    }

    /// `Module/File.swift:42`, the form of `#fileID`, when the source location is known.
    public var location: String? {
        guard line != nil else { return nil }
        return source.location
    }

    /// As the core model names frames.
    public var source: SourceFrame {
        SourceFrame(function: function, module: module, file: file, line: line, isLibrary: isLibrary)
    }
}
