import Foundation
import HotpathTestSupport
import Testing

/// `hotpath demo`, `hotpath diagnose` and `hotpath compare` on diagnoses, run as a user would.
@Suite("Diagnose and demo commands", .serialized)
struct DiagnoseCommandTests {
    /// `hotpath slowshop` in the background, until `body` returns.
    static func withSlowShop<T>(_ body: (String) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-shop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let shop = try await SlowShopProcess.start(database: folder.appendingPathComponent("shop.sqlite").path, token: "cli")
        defer { shop.stop() }
        return try await body(shop.url)

    }

    @Test func demoDiagnosesFixesAndMeasuresAgain() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-demo-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = folder.appendingPathComponent("report.html").path
        let before = folder.appendingPathComponent("before.json").path
        let after = folder.appendingPathComponent("after.json").path
        let demo = try await HeavyTests.oneAtATime {
            // On one core (the demo's shop and load with it), leaving the others to the other suites.
            let (executable, arguments) = OneCore.command(
                CLIRunner.binary, ["demo", "--quick", "--scale", "small", "-d", "500ms", "-o", report, "--json", before, "--json-after", after]
            )
            return try await CLIRunner.runProcessOffPool(executable.path, arguments, timeout: 300)
        }
        #expect(demo.status == 0, "stderr: \(demo.stderr.suffix(2000))")
        for text in ["Hotpath demo", "Fix this first:", "GET /orders", "Measure again", "HTML report:", "Demo finished in"] {
            #expect(demo.stdout.contains(text), "missing '\(text)' in:\n\(demo.stdout.suffix(3000))")
        }
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("Measure again"))
        #expect(FileManager.default.fileExists(atPath: before) && FileManager.default.fileExists(atPath: after))

        // Compare the two diagnoses, endpoint by endpoint.
        let compared = try await CLIRunner.runOffPool(["compare", before, after])
        #expect([0, 99].contains(compared.status), "stderr: \(compared.stderr)")
        #expect(compared.stdout.contains("GET /orders") && compared.stdout.contains("improved"), "\(compared.stdout)")
        let same = try await CLIRunner.runOffPool(["compare", after, after])
        #expect(same.status == 0)
        #expect(same.stdout.contains("Verdict: unchanged"), "\(same.stdout)")
        // A diagnosis and a load run are different things to compare.
        let load = folder.appendingPathComponent("load.json").path
        try Data(#"{"schema": "hotpath-load/1"}"#.utf8).write(to: URL(fileURLWithPath: load))
        let mixed = try await CLIRunner.runOffPool(["compare", before, load])
        #expect(mixed.status == 2)
        #expect(mixed.stderr.contains("different kinds of report"), "\(mixed.stderr)")
    }

    @Test func diagnoseAnswersWithExitCodesAndOneLineErrors() async throws {
        let unreachable = try await CLIRunner.runOffPool(["diagnose", "http://127.0.0.1:1", "--token", "x"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("connection refused") && unreachable.stderr.split(separator: "\n").count == 1, "\(unreachable.stderr)")
        for bad in [["--budget", "p95<fast"], ["--ramp", "one,two"], ["-d", "soon"], ["--json", "/no/such/folder/d.json"]] {
            let outcome = try await CLIRunner.runOffPool(["diagnose", "http://127.0.0.1:1"] + bad)
            #expect(outcome.status == 2, "\(bad): \(outcome.stderr)")
            #expect(outcome.stderr.hasPrefix("hotpath: error: ") && outcome.stderr.split(separator: "\n").count == 1, "\(bad): \(outcome.stderr)")
        }
        try await Self.withSlowShop { url in
            let wrongToken = try await CLIRunner.runOffPool(["diagnose", url, "--token", "wrong"])
            #expect(wrongToken.status == 2)
            #expect(wrongToken.stderr.contains("token is wrong"), "\(wrongToken.stderr)")
            let noRoutes = try await CLIRunner.runOffPool(["diagnose", url, "--token", "cli"])
            #expect(noRoutes.status == 2)
            #expect(noRoutes.stderr.contains("no routes"), "\(noRoutes.stderr)")
            // Within budget: exit 0; the same endpoint held to an impossible budget: exit 99.
            let fast = try await CLIRunner.runOffPool(["diagnose", url, "--token", "cli", "--path", "/products/42", "-d", "500ms", "-c", "1"])
            #expect(fast.status == 0, "\(fast.stdout)\n\(fast.stderr)")
            #expect(fast.stdout.contains("GET /products/{id}") && fast.stdout.contains("met by every endpoint"), "\(fast.stdout)")
            let strict = try await CLIRunner.runOffPool([
                "diagnose", url, "--token", "cli", "--path", "/products/42", "-d", "500ms", "-c", "1", "--budget", "p95<10us", "--no-ramp",
            ])
            #expect(strict.status == 99, "\(strict.stdout)\n\(strict.stderr)")
            #expect(strict.stdout.contains("FAILED"), "\(strict.stdout)")
        }
    }
}
