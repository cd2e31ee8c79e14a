/// One frame of a sampled stack: a function, where it lives, and how the views treat it.
///
/// Frames are interned in ``Profile/frames``; samples refer to them by index.
///
/// ```swift
/// let frame = ProfileFrame(function: "OrderController.list(request:context:)",
///                          module: "SlowShop", file: "OrderController.swift", line: 42)
/// ```
public struct ProfileFrame: Hashable, Sendable, Codable {
    /// Demangled, readable Swift: "OrderController.list(request:context:)".
    public var function: String
    /// "SlowShop", "NIOPosix", "libswiftCore.so"…
    public var module: String?
    /// Source path when debug info allows.
    public var file: String?
    public var line: Int?
    /// Runtime, stdlib, NIO, Foundation, system: folded in condensed views.
    public var isLibrary: Bool
    /// Came from an async continuation chain rather than the machine stack.
    public var isAsync: Bool

    public init(
        function: String,
        module: String? = nil,
        file: String? = nil,
        line: Int? = nil,
        isLibrary: Bool = false,
        isAsync: Bool = false
    ) {
        self.function = function
        self.module = module
        self.file = file
        self.line = line
        self.isLibrary = isLibrary
        self.isAsync = isAsync
    }

    /// "OrderController.swift:42", the file's last path component with the line, or nil
    /// without a file. Views show the short form; the full path stays in the model.
    public var shortLocation: String? {
        guard let file else { return nil }
        let name = file.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? file
        guard let line else { return name }
        return "\(name):\(line)"
    }

    /// The identity used when totals are summed per function: the same function at
    /// different lines (different call sites inside it) counts as one function.
    public var functionKey: FunctionKey {
        FunctionKey(function: function, module: module, file: file)
    }
}

/// A function regardless of the line a sample stopped at; see ``ProfileFrame/functionKey``.
public struct FunctionKey: Hashable, Sendable, Codable {
    public var function: String
    public var module: String?
    public var file: String?

    public init(function: String, module: String? = nil, file: String? = nil) {
        self.function = function
        self.module = module
        self.file = file
    }
}
