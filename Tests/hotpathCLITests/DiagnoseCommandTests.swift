import Foundation
import HotpathDiagnose
import HotpathStacks
import HotpathTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `hotpath demo`, `hotpath diagnose` and `hotpath compare` on diagnoses, run as a user would.
@Suite("Diagnose and demo commands", .serialized)
struct DiagnoseCommandTests {
    /// `hotpath slowshop` in the background, until `body` returns.
    static func withSlowShop<T>(environment: [String: String]? = nil, _ body: (String) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-shop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let shop = try await SlowShopProcess.start(
            database: folder.appendingPathComponent("shop.sqlite").path, token: "cli", environment: environment
        )
        defer { shop.stop() }
        return try await body(shop.url)
    }

    /// A symbolizer that never answers (as `llvm-symbolizer` on a huge debug binary of a
    /// loaded machine can seem to), for the server: this environment points it there.
    static func hangingSymbolizer(in folder: URL) throws -> [String: String] {
        let script = folder.appendingPathComponent("hanging-symbolizer.sh")
        try Data("#!/bin/sh\nexec sleep 600\n".utf8).write(to: script)
        chmod(script.path, 0o755)
        var environment = ProcessInfo.processInfo.environment
        environment["HOTPATH_SYMBOLIZER"] = script.path
        return environment
    }

    /// Issue 23: with the server's symbolizer hanging, the demo still finishes, within bounds.
    /// Before the fix the demo waited for ever on the shop's exit (a symbolizer the shop started
    /// had inherited the socket Foundation's `Process` watches), and the server's `?profile=1`
    /// answered only after symbolication.
    @Test func demoFinishesWhenTheServersSymbolizerHangs() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-demo-hang-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var hanging = try Self.hangingSymbolizer(in: folder)
        hanging["HOTPATH_SYMBOLIZER_TIMEOUT"] = "2"
        let environment = hanging
        // The demo's own time, not the wait for its turn behind the other heavy tests.
        let (demo, took) = try await HeavyTests.oneAtATime {
            let (executable, arguments) = OneCore.command(
                CLIRunner.binary, ["demo", "--quick", "--scale", "small", "-d", "300ms", "-o", folder.appendingPathComponent("r.html").path]
            )
            let started = ContinuousClock.now
            let result = try await CLIRunner.runProcessOffPool(executable.path, arguments, timeout: 240, environment: environment)
            return (result, ContinuousClock.now - started)
        }
        #expect(demo.status == 0, "stderr: \(demo.stderr.suffix(2000))\nstdout: \(demo.stdout.suffix(2000))")
        #expect(demo.stdout.contains("Fix this first:") && demo.stdout.contains("Demo finished in"), "\(demo.stdout.suffix(3000))")
        #expect(took < .seconds(200), "\(took)")
    }

    /// Issue 23: a profile that cannot be had within `--profile-timeout` (here the server's
    /// symbolizer hangs while other requests keep the server busy) is marked not taken, with
    /// what it waited for, and the diagnosis goes on.
    @Test func profileNotTakenWithinItsLimitIsMarkedAndTheDiagnosisGoesOn() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-profile-limit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let environment = try Self.hangingSymbolizer(in: folder)
        let json = folder.appendingPathComponent("d.json").path
        try await HeavyTests.oneAtATime {
            try await Self.withSlowShop(environment: environment) { url in
                // Another client keeps the server's export (large, CPU-heavy responses) busy meanwhile.
                async let busy = CLIRunner.runOffPool(["load", url + "/catalog/export", "-c", "2", "-d", "15s"], timeout: 60)
                let started = ContinuousClock.now
                let diagnosis = try await CLIRunner.runOffPool([
                    "diagnose", url, "--token", "cli", "--path", "/catalog/export", "--budget", "p95<1ms", "--no-ramp",
                    "-d", "300ms", "--warmup", "0s", "--profile-timeout", "3s", "--json", json,
                ], timeout: 120)
                let elapsed = ContinuousClock.now - started
                _ = try await busy
                #expect(diagnosis.status == 99, "\(diagnosis.stdout)\n\(diagnosis.stderr)")
                #expect(diagnosis.stdout.contains("profile not taken: the server was still symbolicating"), "\(diagnosis.stdout)")
                #expect(elapsed < .seconds(60), "\(elapsed)")
            }
        }
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        let endpoints = saved?["endpoints"] as? [[String: Any]] ?? []
        #expect(endpoints.contains { ($0["profile_not_taken"] as? String)?.contains("symbolicating") == true }, "\(endpoints.map { $0["profile_not_taken"] ?? "-" })")
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

    /// Interrupted with the middleware's token: the endpoints measured keep their inside view
    /// (the report is still read, once, bounded), and the rest are listed as not measured.
    @Test func anInterruptedDiagnosisKeepsTheInsideViewOfWhatItMeasured() async throws {
        try await HeavyTests.oneAtATime {
            try await Self.withSlowShop { url in
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-int-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: folder) }
                let json = folder.appendingPathComponent("d.json").path
                let out = folder.appendingPathComponent("out").path
                let err = folder.appendingPathComponent("err").path
                let child = try ChildProcess.start(
                    CLIRunner.binary.path,
                    ["diagnose", url, "--token", "cli", "--path", "/orders", "--path", "/products/42", "--path", "/dashboard",
                     "-d", "1500ms", "--warmup", "200ms", "--no-ramp", "--no-profile", "--json", json],
                    standardOutput: .file(out), standardError: .file(err)
                )
                try await Task.sleep(for: .milliseconds(2500))
                child.signal(SIGINT)
                let ended = await child.wait(upTo: .seconds(60)) ?? child.stopBlocking()
                let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
                #expect(ended?.status == 130, "exit \(ended?.status ?? -1): \(stderr)")
                let diagnosis = try DiagnosisJSON.decode(Data(contentsOf: URL(fileURLWithPath: json)))
                let incomplete = try #require(diagnosis.incomplete)
                #expect(incomplete.reason == .interrupted)
                #expect(incomplete.reportUnread == nil)
                #expect(diagnosis.view == .inside)
                #expect(diagnosis.endpoints.contains { $0.path == "/orders" && $0.breakdown != nil }, "\(diagnosis.endpoints.map(\.path))")
                #expect(incomplete.notMeasured.contains("/dashboard"), "\(incomplete.notMeasured)")
            }
        }
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
