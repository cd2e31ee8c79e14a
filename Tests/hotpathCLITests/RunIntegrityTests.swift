import Foundation
import Hotpath
import HotpathDiagnose
import HotpathLoad
import HotpathProfiler
import HotpathStacks
import HotpathTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Never lose a measurement, never pass a broken run, never touch what is not ours: the CLI
/// run as a process, its outputs, signals and a server that dies under it.
@Suite("run integrity", .serialized)
struct RunIntegrityTests {
    static func scratch() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-integrity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// The CLI in a process of its own, sent `signal` after `delay`; its exit status and output.
    static func runSignalled(_ arguments: [String], signal: Int32, after delay: Duration) async throws -> CLIRunner.Outcome {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out").path
        let err = folder.appendingPathComponent("err").path
        let child = try ChildProcess.start(CLIRunner.binary.path, arguments, standardOutput: .file(out), standardError: .file(err))
        try await Task.sleep(for: delay)
        child.signal(signal)
        let ended = await child.wait(upTo: .seconds(60)) ?? child.stopBlocking()
        return CLIRunner.Outcome(
            status: ended?.status ?? -1,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        )
    }

    /// Ended but not yet reaped by whoever adopted it.
    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    // MARK: Outputs

    @Test func specialFilesAndUnwritableFoldersAreRefusedBeforeTheRun() async throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let target = folder.appendingPathComponent("target.json").path
        try "keep me".write(toFile: target, atomically: false, encoding: .utf8)
        let link = folder.appendingPathComponent("link.json").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let fifo = folder.appendingPathComponent("fifo.json").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let cases: [(path: String, says: String)] = [
            (link, "symbolic link"), (fifo, "not a regular file"), ("/dev/null", "not a regular file"),
            ("/proc/hotpath-run.json", "does not take new files"), ("", "give a file name, or - for standard output"),
        ]
        let before = server.requestCount
        for (path, says) in cases {
            let outcome = try await CLIRunner.runOffPool(["load", server.url + "/", "-n", "5", "--json", path])
            #expect(outcome.status == 2, "\(path): exit \(outcome.status) \(outcome.stderr)")
            #expect(outcome.stderr.contains(says), "\(path): \(outcome.stderr)")
            #expect(outcome.stderr.split(separator: "\n").count == 1, "\(outcome.stderr)")
        }
        #expect(server.requestCount == before, "refused before any load")
        // Nothing was replaced: the link still points at the untouched file, the FIFO is a FIFO.
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me")
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        var null = stat()
        #expect(lstat("/dev/null", &null) == 0 && null.st_mode & S_IFMT == S_IFCHR)
        // An existing regular file is replaced whole, and no temporary file is left beside it.
        let written = try await CLIRunner.runOffPool(["load", server.url + "/", "-n", "5", "--json", target])
        #expect(written.status == 0, "\(written.stderr)")
        #expect((try? LoadReport.decode(Data(contentsOf: URL(fileURLWithPath: target))))?.summary.requests == 5)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["fifo.json", "link.json", "target.json"], "\(names)")
    }

    @Test func aReportOnStandardOutputKeepsTheTextOnStandardError() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let outcome = try await CLIRunner.runOffPool(["load", server.url + "/", "-n", "20", "-c", "2", "--json", "-"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let report = try LoadReport.decode(Data(outcome.stdout.utf8))
        #expect(report.summary.requests == 20)
        #expect(outcome.stderr.contains("Requests/sec:"))
        let both = try await CLIRunner.runOffPool(["diagnose", server.url, "--path", "/", "--json", "-", "--html", "-"])
        #expect(both.status == 2)
        #expect(both.stderr.contains("--json and --html cannot both be -"), "\(both.stderr)")
    }

    // MARK: A server that dies

    @Test func aServerThatStopsAnsweringFailsTheRunAndKeepsItsResults() async throws {
        let server = try await TestHTTPServer.start()
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("run.json").path
        let kill = Task {
            // Once the run is under way (a starved debug build takes a while to start).
            for _ in 0..<400 where server.requestCount < 200 { try await Task.sleep(for: .milliseconds(25)) }
            await server.shutdown()
        }
        let outcome = try await CLIRunner.runOffPool(["load", server.url + "/", "-c", "4", "-d", "6s", "--budget", "errors<1%", "--json", path])
        _ = try await kill.value
        #expect(outcome.status == 1, "exit \(outcome.status): \(outcome.stderr)")
        #expect(outcome.stderr.contains("the server stopped answering at"), "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Requests/sec:"), "the results are printed")
        let report = try LoadReport.decode(Data(contentsOf: URL(fileURLWithPath: path)))
        let stoppedAt = try #require(report.outage?.stoppedAt)
        #expect(stoppedAt > 0 && stoppedAt <= 5, "\(stoppedAt)")
        #expect((report.outage?.unreachableSeconds ?? 0) >= 1)
        #expect(report.summary.requests >= 100)
        // The error budget counts the time it was gone, not only the few throttled attempts.
        #expect(report.budget.first { $0.clause == "errors<1%" }?.passed == false)
        #expect(report.warnings.contains { $0.kind == "server-stopped" })
        #expect(!report.warnings.contains { $0.kind == "throughput-fell" })
    }

    @Test func aSlowOrSilentEndpointIsSlowNotGone() async throws {
        // Every request times out: errors, but connections were accepted: no outage, and the
        // diagnosis moves on to the next endpoint instead of stopping at the first.
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = folder.appendingPathComponent("d.json").path
        let outcome = try await CLIRunner.runOffPool(
            ["diagnose", server.url, "--path", "/hang", "--path", "/", "-d", "1500ms", "--warmup", "0s", "--timeout", "500ms", "--no-ramp", "--json", json],
            timeout: 90
        )
        #expect(outcome.status == 99, "exit \(outcome.status): \(outcome.stderr)")
        let diagnosis = try DiagnosisJSON.decode(Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(diagnosis.incomplete == nil)
        #expect(Set(diagnosis.endpoints.map(\.path)) == ["/hang", "/"])
        let hang = try #require(diagnosis.endpoints.first { $0.path == "/hang" })
        #expect(!hang.budgetPassed)
        #expect(hang.load.errors.timeout > 0)
        #expect(hang.load.outage == nil)
        #expect(diagnosis.endpoints.first { $0.path == "/" }?.budgetPassed == true)
    }

    @Test func aServerDyingMidDiagnosisLeavesThePartialDiagnosis() async throws {
        let server = try await TestHTTPServer.start()
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = folder.appendingPathComponent("d.json").path
        let html = folder.appendingPathComponent("d.html").path
        let outcome = try await HeavyTests.oneAtATime {
            let kill = Task {
                // Endpoint 1 takes 1.5 s (+ 0.2 s warmup); endpoint 2 is running at 2.6 s.
                try await Task.sleep(for: .milliseconds(2600))
                await server.shutdown()
            }
            let outcome = try await CLIRunner.runOffPool(
                ["diagnose", server.url, "--path", "/", "--path", "/delay/1", "--path", "/status/200", "-d", "1500ms", "--warmup", "200ms",
                 "--no-ramp", "--json", json, "--html", html],
                timeout: 90
            )
            _ = try await kill.value
            return outcome
        }
        #expect(outcome.status == 1, "exit \(outcome.status): \(outcome.stderr)")
        #expect(outcome.stderr.contains("stopped answering"), "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Incomplete:"), "\(outcome.stdout)")
        let diagnosis = try DiagnosisJSON.decode(Data(contentsOf: URL(fileURLWithPath: json)))
        let incomplete = try #require(diagnosis.incomplete)
        #expect(incomplete.reason == .serverStopped)
        // Usually during endpoint 2; on a starved machine endpoint 1 may still be running.
        #expect(incomplete.notMeasured.contains("/status/200"))
        #expect(diagnosis.endpoints.count + incomplete.notMeasured.count == 3, "\(diagnosis.endpoints.map(\.path)) + \(incomplete.notMeasured)")
        #expect(diagnosis.endpoints.map(\.path).contains("/"))
        #expect(diagnosis.endpoints.first { $0.path == "/" }?.load.summary.requests ?? 0 > 50)
        #expect(FileManager.default.fileExists(atPath: html))
    }

    // MARK: Signals

    @Test(arguments: [SIGTERM, SIGHUP, SIGINT])
    func aSignalEndsALoadWithItsResults(signal: Int32) async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = folder.appendingPathComponent("run.json").path
        let outcome = try await Self.runSignalled(["load", server.url + "/", "-c", "2", "-d", "30s", "--json", json], signal: signal, after: .milliseconds(1500))
        #expect(outcome.status == 128 + signal, "exit \(outcome.status): \(outcome.stderr)")
        #expect(outcome.stdout.contains("Requests/sec:"))
        let report = try LoadReport.decode(Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(report.stopReason == .interrupted)
        #expect(report.summary.requests > 10)
        #expect(report.summary.elapsedS < 10)
    }

    @Test func aSignalEndsADiagnosisWithTheEndpointsMeasured() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let json = folder.appendingPathComponent("d.json").path
        // Endpoint 1 ends at about 1.2 s; SIGTERM comes during endpoint 2's 10 s.
        let outcome = try await HeavyTests.oneAtATime {
            try await Self.runSignalled(
                ["diagnose", server.url, "--path", "/", "--path", "/delay/2", "--path", "/status/200", "-d", "1s", "--warmup", "200ms",
                 "--no-ramp", "--json", json],
                signal: SIGTERM, after: .milliseconds(2500)
            )
        }
        #expect(outcome.status == 143, "exit \(outcome.status): \(outcome.stderr)")
        let diagnosis = try DiagnosisJSON.decode(Data(contentsOf: URL(fileURLWithPath: json)))
        let incomplete = try #require(diagnosis.incomplete)
        #expect(incomplete.reason == .interrupted)
        #expect(incomplete.signal == SIGTERM)
        // Usually during endpoint 2 (its load is kept, cut short); on a starved machine the
        // signal may still find endpoint 1 running.
        #expect(incomplete.notMeasured.contains("/status/200"))
        #expect(diagnosis.endpoints.count + incomplete.notMeasured.count == 3, "\(diagnosis.endpoints.map(\.path)) + \(incomplete.notMeasured)")
        #expect(diagnosis.endpoints.map(\.path).contains("/"))
        #expect(outcome.stdout.contains("Incomplete: interrupted by SIGTERM"))
    }

    // MARK: SlowShop and the demo

    @Test func slowShopOnAnAddressItCannotBindSaysSoAndExitsTwo() async throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("shop.sqlite").path
        for host in ["not a host", "192.0.2.1"] {
            let outcome = try await CLIRunner.runOffPool(
                ["slowshop", "--host", host, "--port", "0", "--scale", "small", "--database", database], timeout: 120
            )
            #expect(outcome.status == 2, "\(host): exit \(outcome.status) \(outcome.stderr)")
            #expect(outcome.stderr.contains("cannot listen on \(host)"), "\(outcome.stderr)")
            #expect(outcome.stderr.split(separator: "\n").count == 1, "\(outcome.stderr)")
        }
    }

    @Test func aServerTheDemoStartedEndsWithTheDemo() async throws {
        // `hotpath slowshop --parent-pid P` as the demo starts it, under a parent that is then
        // killed with SIGKILL (no handler can run): the shop notices and shuts down.
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("shop.log").path
        let pidFile = folder.appendingPathComponent("shop.pid").path
        let database = folder.appendingPathComponent("shop.sqlite").path
        let script = """
        "\(CLIRunner.binary.path)" slowshop --port 0 --scale small --database "\(database)" --parent-pid $$ > "\(log)" 2>&1 &
        echo $! > "\(pidFile)"
        exec sleep 120
        """
        let parent = try ChildProcess.start("/bin/sh", ["-c", script])
        var shopPID: Int32?
        for _ in 0..<600 where shopPID == nil {
            try await Task.sleep(for: .milliseconds(100))
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.contains("listening on") { shopPID = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }
        }
        let pid = try #require(shopPID, "the shop did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        kill(parent.pid, SIGKILL)
        _ = await parent.wait(upTo: .seconds(5))
        var gone = false
        for _ in 0..<100 where !gone {
            try await Task.sleep(for: .milliseconds(100))
            gone = kill(pid, 0) != 0 || Self.isZombie(pid)
        }
        if !gone { kill(pid, SIGKILL) }
        #expect(gone, "SlowShop outlived the process that started it")
    }
}

/// What a server or a file supplied never reaches the terminal as control characters.
@Suite("terminal output of supplied text")
struct SuppliedTextTests {
    static let hostile = "\u{1B}]0;pwned\u{7}\u{1B}[2J\u{9B}31m"

    @Test func aProfileWithEscapesInItsNamesPrintsThemVisibly() throws {
        let frame = ProfileFrame(function: "render\(Self.hostile)()", module: "App", file: "App.swift")
        let profile = Profile(
            frames: [frame], samples: [ProfileSample(stack: [0], thread: 1, timestampNanoseconds: 0, weightNanoseconds: 1_000_000)],
            durationNanoseconds: 1_000_000, threadNames: [1: "worker\(Self.hostile)"]
        )
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-hostile-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(ProfileJSON.encode(profile)).write(to: URL(fileURLWithPath: file))
        let outcome = try CLIRunner.run(["profile", file, "--show-all", "--separate-threads"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("render^[]0;pwned^G^[[2J<U+009B>31m()"), "\(outcome.stdout)")
        #expect(!outcome.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B })
    }
}

/// Inputs the load engine would send or open wrongly are refused, or fixed where allowed.
@Suite("load inputs that cannot work as given")
struct LoadInputLimitsTests {
    @Test(arguments: [
        (["-X", "POST", "--body", "hello", "-H", "Content-Length: 99"], "does not match the body (5 bytes)"),
        (["-H", "Transfer-Encoding: chunked"], "Transfer-Encoding cannot be given"),
        (["-H", "Host: a.example", "-H", "Host: b.example"], "Host is given more than once"),
    ])
    func headersThatWouldCorruptTheWireAreRefused(extra: [String], says: String) throws {
        let outcome = try CLIRunner.run(["load", "http://127.0.0.1:1/", "-n", "1"] + extra)
        #expect(outcome.status == 2, "exit \(outcome.status): \(outcome.stderr)")
        #expect(outcome.stderr.contains(says), "\(outcome.stderr)")
        #expect(outcome.stderr.split(separator: "\n").count == 1)
    }

    @Test func aMatchingContentLengthIsAccepted() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let outcome = try await CLIRunner.runOffPool(["load", server.url + "/echo", "-X", "POST", "--body", "hello", "-H", "Content-Length: 5", "-n", "10", "-c", "1"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("10 requests in"))
    }

    @Test func connectionsAboveTheOpenFileLimitAreRaisedToOrRefused() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let binary = CLIRunner.binary.path
        // Soft limit 256, hard limit higher: raised for the run, which then opens every
        // connection (no connect error: EMFILE would be one). The timeout is long: the test
        // server shares this process, and 400 connections to it are slow on a starved machine.
        let raised = try await HeavyTests.oneAtATime {
            try await CLIRunner.runProcessOffPool(
                "/bin/sh", ["-c", "ulimit -Sn 256 && exec \"\(binary)\" load \(server.url)/ -c 400 -n 400 --timeout 60s"], timeout: 180
            )
        }
        #expect(raised.status == 0, "exit \(raised.status): \(raised.stderr)")
        #expect(raised.stdout.contains("400 requests in"), "\(raised.stdout)")
        #expect(!raised.stdout.contains("Socket errors"), "\(raised.stdout)")
        // Hard limit 256: refused before the run, with what to do.
        let refused = try await CLIRunner.runProcessOffPool(
            "/bin/sh", ["-c", "ulimit -Sn 256 && ulimit -Hn 256 && exec \"\(binary)\" load \(server.url)/ -c 400 -n 800"], timeout: 60
        )
        #expect(refused.status == 2, "exit \(refused.status): \(refused.stderr)")
        #expect(refused.stderr.contains("ulimit -n"), "\(refused.stderr)")
    }
}
