import Foundation
import Hotpath
import HotpathLoad
import HotpathTestSupport
import Testing

/// `hotpath load` run as a process against a real server on 127.0.0.1.
@Suite("hotpath load command", .serialized)
struct LoadCommandTests {
    @Test(arguments: [
        (["load", "127.0.0.1:8080"], "no scheme"),
        (["load", "ftp://127.0.0.1/"], "unsupported scheme"),
        (["load", "http://127.0.0.1:1/", "-d", "10parsecs"], "bad duration '10parsecs'"),
        (["load", "http://127.0.0.1:1/", "--timeout=-1s"], "bad duration"),
        (["load", "http://127.0.0.1:1/", "--budget", "p95<fast"], "bad budget"),
        (["load", "http://127.0.0.1:1/", "-c", "0"], "connections must be at least 1"),
        (["load", "http://127.0.0.1:1/", "-t", "4", "-c", "2"], "more threads"),
        (["load", "http://127.0.0.1:1/", "-c", "many"], "many"),
        (["load", "http://127.0.0.1:1/", "-n", "0"], "at least 1"),
        (["load", "http://127.0.0.1:1/", "-R", "-5"], "rate"),
        (["load", "http://127.0.0.1:1/", "-H", "NoColon"], "bad header"),
        (["load", "http://127.0.0.1:1/", "--body-file", "/nonexistent/body"], "cannot read --body-file"),
        (["load", "http://127.0.0.1:1/", "--json", "/nonexistent/dir/out.json"], "does not exist"),
        (["load"], "give the URL to load, or a file of requests with --urls FILE"),
        (["lod", "http://127.0.0.1:1/"], "lod"),
    ])
    func badInputIsOneClearLine(arguments: [String], expected: String) throws {
        let outcome = try CLIRunner.run(arguments)
        #expect(outcome.status == 2, "exit \(outcome.status): \(outcome.stderr)")
        let lines = outcome.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(outcome.stderr)")
        #expect(outcome.stderr.hasPrefix("hotpath: error: "))
        #expect(outcome.stderr.contains(expected), "stderr: \(outcome.stderr)")
        #expect(!outcome.stdout.contains("Requests/sec"))
    }

    @Test func unreachableServerExitsOne() throws {
        let outcome = try CLIRunner.run(["load", "http://127.0.0.1:1/", "-d", "1s"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.split(separator: "\n").count == 1)
        #expect(outcome.stderr.contains("connection refused"))
        #expect(outcome.stdout.isEmpty, "nothing but the error: \(outcome.stdout)")
    }

    @Test func userTextWithLineBreaksStaysOneLine() throws {
        let outcome = try CLIRunner.run(["load", "http://127.0.0.1:1/", "-H", "Bad Name\nInjected: x"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.split(separator: "\n").count == 1, "\(outcome.stderr)")
    }

    @Test func attachedShortOptionsLikeWrkButNotInsideValues() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        // "--body=-n5" is a body, not a request count; "-c2 -n30" is wrk's attached form.
        let outcome = try CLIRunner.run(["load", server.url + "/echo", "-X", "POST", "--body=-n5", "-c2", "-n30"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("30 requests in"))
    }

    @Test func budgetExitCodes() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let url = server.url + "/delay/20"
        let pass = try CLIRunner.run(["load", url, "-n", "40", "-c", "2", "--budget", "p95<500ms", "--budget", "errors<1%"])
        #expect(pass.status == 0, "\(pass.stdout)\(pass.stderr)")
        #expect(pass.stdout.contains("✓ pass  p95<500ms"))
        #expect(pass.stdout.contains("budget met"))

        let fail = try CLIRunner.run(["load", url, "-n", "40", "-c", "2", "--budget", "p95<5ms,errors<1%"])
        #expect(fail.status == 99, "\(fail.stdout)\(fail.stderr)")
        #expect(fail.stdout.contains("✗ FAIL  p95<5ms"))
        #expect(fail.stdout.contains("✓ pass  errors<1%"))
        #expect(fail.stdout.contains("Requests/sec:"))
    }

    @Test func writesACompleteJSONReport() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let outcome = try CLIRunner.run([
            "load", server.url + "/delay/2", "-c", "4", "-d", "2500ms", "--json", path, "--budget", "p99<1s", "--latency",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Detailed Percentile spectrum"))
        // Not a terminal: no progress line at all.
        #expect(outcome.stderr.isEmpty, "stderr: \(outcome.stderr)")

        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let report = try LoadReport.decode(data)
        #expect(report.schema == "hotpath-load/1")
        #expect(report.config.connections == 4)
        #expect(report.config.latencyMode == "closed-loop")
        #expect(report.summary.requests > 100)
        #expect(report.latency.histogram.count == report.summary.requests)
        #expect((report.latency.percentilesMs["p50"] ?? 0) >= 2)
        // The feel of each percentile is the feel scale's word for its value (a 2 ms endpoint's
        // p99 is instant on a quiet machine, and can be snappy while the suite starves it).
        let p99 = try #require(report.latency.percentilesMs["p99"])
        #expect(report.latency.feel["p99"] == Feel(nanoseconds: p99 * 1_000_000))
        #expect(report.latency.feel["p99"].map { $0 <= .snappy } == true)
        #expect(report.latency.curve.last?.percentile == 100)
        #expect(report.timeline.count >= 2)
        #expect(report.timeline.allSatisfy { $0.rps >= 0 })
        #expect(report.statusCodes["200"] == report.summary.requests)
        #expect(report.budget.first?.clause == "p99<1s")
        #expect(report.budgetPassed)
        // Keys are snake_case for machines.
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"requests_per_second\""))
        #expect(text.contains("\"p50_ms\""))
    }

    @Test func keepsResultsWhenTheServerDies() async throws {
        let server = try await TestHTTPServer.start()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let kill = Task {
            try await Task.sleep(for: .milliseconds(1200))
            await server.shutdown()
        }
        let outcome = try await CLIRunner.runOffPool(["load", server.url + "/delay/5", "-c", "4", "-d", "3s", "--json", path])
        _ = try await kill.value
        // The results are kept, and the run is not passed: the server stopped answering.
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("the server stopped answering at"), "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Socket errors: connect"))
        #expect(outcome.stdout.contains("Requests/sec:"))
        let report = try LoadReport.decode(Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(report.errors.connect > 0)
        #expect(report.summary.requests > 50)
        #expect(report.warnings.contains { $0.kind == "socket-errors" })
    }

    @Test func rateModeReportsCorrectedAndUncorrected() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let outcome = try CLIRunner.run(["load", server.url + "/", "-R", "100", "-c", "2", "-d", "1500ms"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("at 100 req/s, latency from each intended send (corrected)"))
        #expect(outcome.stdout.contains("Uncorrected"))
    }

    /// On a terminal the run shows a live line; `script` gives the child a pseudo-terminal.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func showsProgressOnATerminal() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let command = "\(CLIRunner.binary.path) load \(server.url)/delay/5 -c 2 -d 2500ms"
        let outcome = try CLIRunner.runProcess("/usr/bin/script", ["-qefc", command, "/dev/null"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("req/s  p95"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("\u{1B}[2K"))
    }

    @Test func helpExitsZero() throws {
        let outcome = try CLIRunner.run(["load", "--help"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("--rate"))
    }
}

/// A real foreign server in its own process (Python's single-threaded http.server, each
/// request sleeping 50 ms): throughput cannot grow with connections while its CPU stays low.
/// (50 ms, not less: on a machine busy with other suites the per-connection overhead of
/// HTTP/1.0 made the first steps grow by more than the plateau's 10 %.)
@Suite("hotpath load --ramp")
struct RampCommandTests {
    static let script = """
    import http.server, sys, time
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"
        def do_GET(self):
            time.sleep(0.05)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
        def log_message(self, *args):
            pass
    server = http.server.HTTPServer(("127.0.0.1", 0), H)
    with open(sys.argv[1], "w") as portFile:
        portFile.write(str(server.server_address[1]))
    server.serve_forever()
    """

    @Test func rampFindsTheWaitingPlateauOfASerialServer() async throws {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-port-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: portFile) }
        let python = Process()
        // The interpreter itself (not a launcher that forks), so terminate() stops the server.
        let system = "/usr/bin/python3"
        if FileManager.default.isExecutableFile(atPath: system) {
            python.executableURL = URL(fileURLWithPath: system)
            python.arguments = ["-c", Self.script, portFile]
        } else {
            python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            python.arguments = ["python3", "-c", Self.script, portFile]
        }
        python.standardOutput = FileHandle.nullDevice
        python.standardError = FileHandle.nullDevice
        try python.run()
        defer {
            // SIGKILL: a process started from the test runner may inherit an ignored SIGTERM.
            kill(python.processIdentifier, SIGKILL)
            python.waitUntilExit()
        }
        var port: Int?
        for _ in 0..<500 where port == nil {
            try await Task.sleep(for: .milliseconds(10))
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
        }
        let serverPort = try #require(port, "the Python server did not start")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Steps of 2 s: at about 18 req/s a step needs a few dozen responses before a 10 %
        // difference in throughput is more than the count's own noise (in 1 s, 16 against 19
        // responses already is).
        let outcome = try await CLIRunner.runOffPool([
            "load", "http://127.0.0.1:\(serverPort)/", "--ramp", "1,4,16", "-d", "2s", "--timeout", "5s", "--json", path,
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Connection ramp:"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("Server CPU:"), "\(outcome.stdout)")
        let report = try LoadReport.decode(Data(contentsOf: URL(fileURLWithPath: path)))
        let ramp = try #require(report.ramp)
        #expect(ramp.map(\.connections) == [1, 4, 16])
        #expect(ramp.allSatisfy { $0.requestsPerSecond < 60 }, "\(ramp.map(\.requestsPerSecond))")
        #expect(report.server?.name.hasPrefix("python") == true, "\(String(describing: report.server))")
        let plateau = try #require(report.plateau, "\(outcome.stdout)")
        #expect(plateau.cause == .waiting, "\(plateau.message)")
    }

    @Test func badRampIsOneLine() throws {
        let outcome = try CLIRunner.run(["load", "http://127.0.0.1:1/", "--ramp", "4,x"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("--ramp '4,x'"))
    }
}

/// `hotpath compare` on real runs against the test server.
@Suite("hotpath compare", .serialized)
struct CompareCommandTests {
    static func run(_ server: TestHTTPServer, path: String, json: String) throws {
        let outcome = try CLIRunner.run(["load", server.url + path, "-c", "4", "-d", "2s", "--json", json])
        #expect(outcome.status == 0, "\(outcome.stderr)")
    }

    @Test func plantedSlowdownIsRegressedAndTheSameRunUnchanged() async throws {
        try await HeavyTests.oneAtATime {
            let server = try await TestHTTPServer.start()
            defer { Task { await server.shutdown() } }
            let folder = FileManager.default.temporaryDirectory.path
            let fast = folder + "/hotpath-fast-\(UUID().uuidString).json"
            let slow = folder + "/hotpath-slow-\(UUID().uuidString).json"
            defer {
                try? FileManager.default.removeItem(atPath: fast)
                try? FileManager.default.removeItem(atPath: slow)
            }
            try Self.run(server, path: "/delay/10", json: fast)
            try Self.run(server, path: "/delay/20", json: slow)

            let regressed = try CLIRunner.run(["compare", fast, slow])
            #expect(regressed.status == 99, "\(regressed.stdout)\(regressed.stderr)")
            #expect(regressed.stdout.contains("Verdict: regressed"), "\(regressed.stdout)")
            #expect(regressed.stdout.contains("p50"))

            let improved = try CLIRunner.run(["compare", slow, fast])
            #expect(improved.status == 0)
            #expect(improved.stdout.contains("Verdict: improved"), "\(improved.stdout)")

            let same = try CLIRunner.run(["compare", fast, fast])
            #expect(same.status == 0)
            #expect(same.stdout.contains("Verdict: unchanged"), "\(same.stdout)")

            let lenient = try CLIRunner.run(["compare", fast, slow, "--fail-on", "500%"])
            #expect(lenient.status == 0, "a regression under --fail-on does not fail")
        }
    }

    @Test func badInputsAreOneLine() throws {
        let missing = try CLIRunner.run(["compare", "/nonexistent/a.json", "/nonexistent/b.json"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read '/nonexistent/a.json'"))
        let notJSON = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-\(UUID().uuidString).json").path
        try "{}".write(toFile: notJSON, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: notJSON) }
        let malformed = try CLIRunner.run(["compare", notJSON, notJSON])
        #expect(malformed.status == 2)
        #expect(malformed.stderr.contains("is not a hotpath load report"))
        let badThreshold = try CLIRunner.run(["compare", notJSON, notJSON, "--fail-on", "lots"])
        #expect(badThreshold.status == 2)
        #expect(badThreshold.stderr.contains("--fail-on 'lots'"))
    }
}
