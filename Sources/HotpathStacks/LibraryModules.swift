/// Tells library code (runtime, standard library, frameworks, drivers, Hotpath) from the
/// app's own, so call sites and condensed call trees point at code the user wrote.
public struct LibraryModules: Sendable {
    /// Modules counted as library code, by exact name.
    public var names: Set<String>
    /// …and by prefix (`NIO` covers `NIOCore`, `NIOPosix`, …).
    public var prefixes: [String]

    public init(names: Set<String> = LibraryModules.defaultNames, prefixes: [String] = LibraryModules.defaultPrefixes) {
        self.names = names
        self.prefixes = prefixes
    }

    public static let defaultNames: Set<String> = [
        "Swift", "_Concurrency", "_StringProcessing", "Synchronization", "Dispatch", "Foundation",
        "FoundationEssentials", "FoundationInternationalization", "Runtime", "Testing", "XCTest",
        "Hotpath", "HotpathSQL", "HotpathPostgres", "HotpathHummingbird", "HotpathVapor", "HotpathLoad",
        "HotpathHTTPClient", "HotpathProfiler", "HotpathStacks", "CHotpathStacks", "HotpathFluent", "HotpathServing",
        "HotpathWatchdog", "CHotpathSampler",
        "SQLKit", "AsyncKit", "RoutingKit", "ConsoleKit", "MultipartKit", "WebSocketKit", "Vapor", "Fluent",
        "Logging", "Metrics", "CoreMetrics", "Tracing", "Instrumentation", "ServiceContextModule",
        "ServiceLifecycle", "UnixSignals", "AsyncHTTPClient", "Atomics", "HTTPTypes", "Histogram",
        "DequeModule", "OrderedCollections", "Collections", "Algorithms", "AsyncAlgorithms",
        "ArgumentParser", "Crypto", "X509", "SwiftASN1", "SystemPackage",
    ]

    public static let defaultPrefixes = [
        "NIO", "_NIO", "CNIO", "Hummingbird", "Fluent", "SQLite", "Postgres", "_Crypto", "CCrypto",
        "_Atomics", "CSQLite",
    ]

    public static let `default` = LibraryModules()

    /// True for library code. Code with no module (C, C++, the dynamic loader) is library code.
    public func isLibrary(module: String?, file: String?) -> Bool {
        if let file, file.contains("/.build/checkouts/") || file.contains("/swift-packages/") { return true }
        guard let module else { return true }
        return names.contains(module) || prefixes.contains { module.hasPrefix($0) }
    }

    /// The module named at the start of a Swift mangled name (`$s8SlowShop…` → `SlowShop`);
    /// nil for C symbols and for names that start with a standard-library substitution.
    public static func module(ofMangledName name: String) -> String? {
        var bytes = Substring(name).utf8[...]
        for prefix in ["$s", "_$s", "$S", "_T0"] where name.hasPrefix(prefix) {
            bytes = bytes.dropFirst(prefix.utf8.count)
            var length = 0
            var digits = 0
            while let byte = bytes.first, byte >= 48, byte <= 57 {
                length = length * 10 + Int(byte - 48)
                digits += 1
                bytes = bytes.dropFirst()
                if digits > 4 { return nil }
            }
            if digits == 0 {
                // `s` is Swift itself; `Sc…` / `ScT…` are _Concurrency's standard substitutions.
                if bytes.first == UInt8(ascii: "s") { return "Swift" }
                if bytes.starts(with: "Sc".utf8) { return "_Concurrency" }
                if bytes.starts(with: "So".utf8) { return nil }
                // `S` + a letter: a standard-library type (`Sa` Array, `SS` String, …).
                if bytes.first == UInt8(ascii: "S"), let next = bytes.dropFirst().first,
                    (65...90).contains(next) || (97...122).contains(next)
                {
                    return "Swift"
                }
                return nil
            }
            guard length > 0, bytes.count >= length else { return nil }
            return String(Substring(bytes.prefix(length)))
        }
        return nil
    }
}
