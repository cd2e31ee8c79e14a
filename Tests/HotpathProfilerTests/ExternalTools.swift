import Foundation

/// Runs the optional outside checkers (python3 with jsonschema/protobuf, chromium). Tests that
/// need one are disabled with a printed reason when it is missing.
enum ExternalTools {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `arguments` through `/usr/bin/env` (so PATH is searched), returning nil if it
    /// could not start. Output goes through files, so large output cannot block the child.
    /// ``run(_:in:)`` on a thread of its own: a browser or an interpreter takes seconds, and a
    /// test holding one of the cooperative pool's few threads that long starves the other suites.
    static func runOffPool(_ arguments: [String], in directory: URL? = nil) async -> Result? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: run(arguments, in: directory)) }
        }
    }

    static func run(_ arguments: [String], in directory: URL? = nil) -> Result? {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-tool-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: scratch) }
            let outURL = scratch.appendingPathComponent("out"), errURL = scratch.appendingPathComponent("err")
            guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
                  FileManager.default.createFile(atPath: errURL.path, contents: nil) else { return nil }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            if let directory { process.currentDirectoryURL = directory }
            let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            try out.close()
            try err.close()
            return Result(
                status: process.terminationStatus,
                stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            )
        } catch {
            return nil
        }
    }

    static func pythonHas(_ modules: String) -> Bool {
        run(["python3", "-c", "import \(modules)"])?.status == 0
    }

    static let hasJSONSchema: Bool = {
        let ok = pythonHas("jsonschema")
        if !ok { print("note: python3 with jsonschema not found; skipping speedscope schema validation") }
        return ok
    }()

    /// How to run protoc for Python output: grpcio-tools' bundled protoc, else a `protoc` on
    /// PATH (Debian's protobuf-compiler); nil without Python's protobuf runtime or any protoc.
    static let protoCompiler: [String]? = {
        guard pythonHas("google.protobuf") else {
            print("note: python3 with protobuf not found; skipping pprof decoding with protoc")
            return nil
        }
        if pythonHas("grpc_tools.protoc") { return ["python3", "-m", "grpc_tools.protoc"] }
        if run(["sh", "-c", "command -v protoc"])?.status == 0 { return ["protoc"] }
        print("note: neither grpcio-tools nor protoc found; skipping pprof decoding with protoc")
        return nil
    }()

    static let chromium: String? = {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            if run(["sh", "-c", "command -v \(name)"])?.status == 0 { return name }
        }
        print("note: chromium not found; skipping the headless flamegraph check")
        return nil
    }()

    static func resource(_ name: String) -> URL? {
        Bundle.module.url(forResource: "Resources/\(name)", withExtension: nil)
            ?? Bundle.module.url(forResource: name, withExtension: nil)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-profiler-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
