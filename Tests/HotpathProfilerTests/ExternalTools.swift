import Foundation
import HotpathTestSupport

/// Runs the optional outside checkers (python3 with jsonschema/protobuf, chromium). Tests that
/// need one are disabled with a printed reason when it is missing.
enum ExternalTools {
    typealias Result = ExternalProgram.Outcome

    /// ``run(_:in:)`` on a thread of its own: a browser or an interpreter takes seconds, and a
    /// test holding one of the cooperative pool's few threads that long starves the other suites.
    static func runOffPool(_ arguments: [String], in directory: URL? = nil) async -> Result? {
        await ExternalProgram.runOffPool("/usr/bin/env", arguments, in: directory)
    }

    /// Runs `arguments` through `/usr/bin/env` (so PATH is searched), returning nil if it
    /// could not start.
    static func run(_ arguments: [String], in directory: URL? = nil) -> Result? {
        ExternalProgram.run("/usr/bin/env", arguments, in: directory)
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
