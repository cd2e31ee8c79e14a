import Foundation
import Testing

/// `hotpath profile FILE` run as a process on a hand-written `hotpath-profile/1` file.
@Suite("hotpath profile command")
struct ProfileCommandTests {
    /// main → list 70 % (one 70 ms sample on thread 1), main → render 30 % (one 30 ms sample,
    /// off-CPU, on thread 2); written out by hand so the test also pins the stored format.
    static let profileJSON = """
    {"schema": "hotpath-profile/1", "tool": "hotpath test", "profile": {
      "frames": [
        {"function": "main", "module": "SlowShop", "file": "App.swift", "line": 1, "is_library": false, "is_async": false},
        {"function": "OrderController.list(request:)", "module": "SlowShop", "file": "OrderController.swift", "line": 42, "is_library": false, "is_async": false},
        {"function": "render()", "module": "SlowShop", "file": "View.swift", "line": 10, "is_library": false, "is_async": false}
      ],
      "samples": [
        {"stack": [0, 1], "thread": 1, "timestamp_nanoseconds": 0, "weight_nanoseconds": 70000000, "on_cpu": true},
        {"stack": [0, 2], "thread": 2, "timestamp_nanoseconds": 0, "weight_nanoseconds": 30000000, "on_cpu": false}
      ],
      "interval_nanoseconds": 10000000, "started_at": 1700000000, "duration_nanoseconds": 100000000,
      "thread_names": {"1": "worker", "2": "io"}, "dropped_samples": 0, "label": "GET /orders"
    }}
    """

    private func withProfile(_ body: (URL) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-profile-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(Self.profileJSON.utf8).write(to: directory.appendingPathComponent("orders.hotpath-profile.json"))
        try body(directory)
    }

    @Test func printsTheCallTree() throws {
        try withProfile { directory in
            let outcome = try CLIRunner.run(["profile", directory.appendingPathComponent("orders.hotpath-profile.json").path])
            #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
            #expect(outcome.stdout.contains("Hotpath profile · GET /orders"))
            #expect(outcome.stdout.contains("├─ 70.000 ms  70.0%  OrderController.list(request:)  OrderController.swift:42"))
            #expect(outcome.stdout.contains("└─ 30.000 ms  30.0%  render()  View.swift:10"))
            #expect(!outcome.stdout.contains("\u{1B}["))
        }
    }

    @Test func filtersAndAscii() throws {
        try withProfile { directory in
            let file = directory.appendingPathComponent("orders.hotpath-profile.json").path
            let onCPU = try CLIRunner.run(["profile", file, "--on-cpu", "--ascii"])
            #expect(onCPU.status == 0, "stderr: \(onCPU.stderr)")
            #expect(onCPU.stdout.contains("`- 70.000 ms  100.0%  OrderController.list(request:)"))
            #expect(!onCPU.stdout.contains("render()"))
            let separate = try CLIRunner.run(["profile", file, "--separate-threads", "-f", "collapsed"])
            #expect(separate.stdout == "worker;main;OrderController.list(request:) 1\nio;main;render() 1\n")
        }
    }

    @Test func formatFollowsTheOutputExtension() throws {
        try withProfile { directory in
            let file = directory.appendingPathComponent("orders.hotpath-profile.json").path
            for (name, prefix) in [("out.html", "<!DOCTYPE html>"), ("out.speedscope.json", "{\"$schema\""), ("out.folded", "main;")] {
                let output = directory.appendingPathComponent(name)
                let outcome = try CLIRunner.run(["profile", file, "-o", output.path])
                #expect(outcome.status == 0, "\(name): \(outcome.stderr)")
                let written = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
                #expect(written.hasPrefix(prefix), "\(name): \(written.prefix(80))")
            }
            let pprof = directory.appendingPathComponent("out.pb")
            #expect(try CLIRunner.run(["profile", file, "-o", pprof.path]).status == 0)
            let bytes = (try? Data(contentsOf: pprof)) ?? Data()
            #expect(bytes.first == 0x0A)   // field 1 (sample_type), length-delimited
            // Re-saving as JSON reads back the same profile.
            let json = directory.appendingPathComponent("again.json")
            #expect(try CLIRunner.run(["profile", file, "-o", json.path]).status == 0)
            let again = try CLIRunner.run(["profile", json.path])
            #expect(again.stdout.contains("70.0%  OrderController.list(request:)"))
        }
    }

    @Test(arguments: [
        (["profile", "/nonexistent/profile.json"], Int32(1), "cannot read"),
        (["profile", "PLACEHOLDER", "-f", "bogus"], 2, "bogus"),
        (["profile", "PLACEHOLDER", "--threshold", "lots"], 2, "bad --threshold"),
        (["profile", "PLACEHOLDER", "-o", "out.unknown"], 2, "cannot tell the format"),
        (["profile", "NOTAPROFILE"], 2, "not a Hotpath profile"),
    ] as [([String], Int32, String)])
    func errorsAreOneLine(arguments: [String], status: Int32, expected: String) throws {
        try withProfile { directory in
            let notAProfile = directory.appendingPathComponent("report.json")
            try Data(#"{"schema": "hotpath-report/1"}"#.utf8).write(to: notAProfile)
            let resolved = arguments.map { argument in
                switch argument {
                case "PLACEHOLDER": directory.appendingPathComponent("orders.hotpath-profile.json").path
                case "NOTAPROFILE": notAProfile.path
                case "out.unknown": directory.appendingPathComponent("out.unknown").path
                default: argument
                }
            }
            let outcome = try CLIRunner.run(resolved)
            #expect(outcome.status == status, "stderr: \(outcome.stderr)")
            #expect(outcome.stderr.hasPrefix("hotpath: error: "))
            #expect(outcome.stderr.split(separator: "\n").count == 1, "stderr: \(outcome.stderr)")
            #expect(outcome.stderr.contains(expected), "stderr: \(outcome.stderr)")
        }
    }
}
