/// One frame of code, as symbolication (or `#fileID`/`#line`) names it.
public struct SourceFrame: Sendable, Codable, Hashable {
    /// Readable, without the module: `OrdersController.list(request:context:)`.
    public var function: String?
    /// The Swift module (`SlowShop`), or the image's name for C code.
    public var module: String?
    /// The source file as debug information or `#fileID` names it.
    public var file: String?
    public var line: Int?
    /// Library code (runtime, frameworks, drivers, Hotpath) rather than the app's.
    public var isLibrary: Bool

    public init(function: String?, module: String? = nil, file: String?, line: Int?, isLibrary: Bool = false) {
        self.function = function
        self.module = module
        self.file = file
        self.line = line
        self.isLibrary = isLibrary
    }

    /// `Module/File.swift:42`, the form of `#fileID`, when the file is known (without the line
    /// when that is not).
    public var location: String? {
        guard let file else { return nil }
        let name = file.split(separator: "/").last.map(String.init) ?? file
        let prefix: String
        if let module, !file.hasPrefix(module + "/") {
            prefix = module + "/"
        } else if let slash = file.firstIndex(of: "/"), !file.hasPrefix("/") {
            // A `#fileID` already reads `Module/File.swift`.
            prefix = String(file[..<slash]) + "/"
        } else {
            prefix = ""
        }
        return prefix + name + (line.map { ":\($0)" } ?? "")
    }

    /// `Module/File.swift:42 (function)`, or whichever part is known.
    public var description: String {
        switch (location, function) {
        case (let location?, let function?): "\(location) (\(function))"
        case (let location?, nil): location
        case (nil, let function?): function
        case (nil, nil): "an unnamed frame"
        }
    }
}
