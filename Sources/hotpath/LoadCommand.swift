import ArgumentParser
import Dispatch
import Foundation
import Hotpath
import HotpathLoad
import Synchronization

/// `hotpath load URL`: a wrk-compatible load test with honest latency, JSON and budgets.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load-test one URL: requests/sec, latency percentiles and their feel, errors, budget.",
        discussion: """
        Flags follow wrk (-c -t -d -H --timeout --latency) and wrk2 (-R). Without -R the load is \
        closed-loop: each connection sends its next request when the previous answer arrives. With \
        -R the total rate is held constant and latency is measured from when each request should \
        have been sent, so a stalled server shows up in the percentiles (coordinated omission).

        Examples:
          hotpath load http://127.0.0.1:8080/ -c 50 -d 10s
          hotpath load http://127.0.0.1:8080/orders -R 500 -d 30s --latency --json run.json
          hotpath load http://127.0.0.1:8080/ -n 10000 --budget 'p95<200ms' --budget 'errors<1%'
          hotpath load https://127.0.0.1:8443/ --h2 -m 10 -c 4 -d 10s -k
          hotpath load --urls requests.txt --order weighted -c 20 -d 30s
          hotpath load http://127.0.0.1:8080/ --stages 30s:100,1m:500,30s:0 --json ramp.json
        """
    )

    @Argument(help: "The URL to load, http:// or https:// (with --urls: the server for lines that give a path).")
    var url: String?

    @Flag(name: .customLong("h2"), help: "HTTP/2: h2c with prior knowledge for http://, h2 negotiated with ALPN for https://.")
    var http2 = false

    @Option(name: [.customShort("m"), .customLong("streams")], help: "HTTP/2 streams in flight per connection (with --h2).")
    var streams: Int = 1

    @Option(name: .customLong("urls"), help: "A file of requests, one per line: [METHOD] URL [header='N: v'] [body=FILE] [weight=N] [name=L] [budget=…].")
    var urlsFile: String?

    @Option(name: .customLong("order"), help: "How --urls lines are picked: sequential, random or weighted (default).")
    var order: String = "weighted"

    @Option(name: .customLong("stages"), help: "Arrival-rate stages DURATION:RATE,…, e.g. 30s:100,1m:500,30s:0 (linear ramps, open model).")
    var stages: String?

    @Option(name: .customLong("send-grid"), help: "With -R or --stages: send each request up to this early, grouped on this grid (default 1ms; 0 = each at its own time).")
    var sendGrid: String = "1ms"

    @Flag(name: .customLong("timeline"), help: "Print the per-second timeline (with the target rate in an open model).")
    var timeline = false

    @Option(name: [.short, .customLong("connections")], help: "Open connections (each has one request in flight).")
    var connections: Int = 10

    @Option(name: [.short, .customLong("threads")], help: "Event-loop threads.")
    var threads: Int = 1

    @Option(name: [.short, .customLong("duration")], help: "How long to measure: 10s, 500ms, 2m. Default 10s, or unlimited with -n.")
    var duration: String?

    @Option(name: [.customShort("n"), .customLong("requests")], help: "Stop after this many requests (answered or failed).")
    var requests: Int?

    @Option(name: [.customShort("R"), .customLong("rate")], help: "Constant total rate in requests/sec; latency corrected for coordinated omission.")
    var rate: Double?

    @Option(name: [.customShort("H"), .customLong("header")], help: "A request header, 'Name: value' (repeatable).")
    var headers: [String] = []

    @Option(name: [.customShort("X"), .customLong("method")], help: "HTTP method.")
    var method: String = "GET"

    @Option(name: .customLong("body"), help: "Request body text.")
    var body: String?

    @Option(name: .customLong("body-file"), help: "Read the request body from a file.")
    var bodyFile: String?

    @Option(name: .customLong("timeout"), help: "A request without a complete answer after this long counts as a timeout.")
    var timeout: String = "2s"

    @Option(name: .customLong("warmup"), help: "Load for this long first without counting it (e.g. 2s).")
    var warmup: String = "0s"

    @Option(name: .customLong("ramp"), help: "Run once per connection count (e.g. 1,4,16,64) and show where throughput stops growing.")
    var ramp: String?

    @Option(name: .customLong("server-pid"), help: "The server's process id, to read its CPU (found by port for a server on this machine).")
    var serverPid: Int32?

    @Flag(name: .customLong("latency"), help: "Print the full latency distribution (percentile table and HdrHistogram spectrum).")
    var latency = false

    @Option(name: .customLong("json"), help: "Write everything measured to this JSON file (schema hotpath-load/1).")
    var json: String?

    @Option(name: .customLong("budget"), help: "A latency budget like 'p95<200ms', 'p99<1s,errors<1%', 'rps>500' (repeatable). Exit 99 when it fails.")
    var budgets: [String] = []

    @Flag(name: [.customShort("k"), .customLong("insecure")], help: "Accept any TLS certificate (self-signed local servers).")
    var insecure = false

    @Flag(name: .customLong("no-progress"), help: "No live progress line, even on a terminal.")
    var noProgress = false

    func makeConfiguration() throws(HotpathInputError) -> LoadConfiguration {
        let base = try url.map { text throws(HotpathInputError) in try LoadTarget(parsing: text) }
        var mix: [LoadRequest] = []
        if let urlsFile {
            mix = try URLFile.load(path: urlsFile, base: base)
            if method != "GET" || !headers.isEmpty || body != nil || bodyFile != nil {
                throw HotpathInputError("with --urls, give method, headers and body per line of the file, not as -X/-H/--body")
            }
        }
        guard let target = base ?? mix.first?.target else {
            throw HotpathInputError("give the URL to load, or a file of requests with --urls FILE")
        }
        var configuration = LoadConfiguration(target: target)
        configuration.requestMix = mix
        guard let parsedOrder = RequestOrder(rawValue: order.lowercased()) else {
            throw HotpathInputError("bad --order '\(order)': use sequential, random or weighted")
        }
        configuration.order = parsedOrder
        configuration.http2 = http2
        configuration.streamsPerConnection = streams
        if let stages { configuration.stages = try LoadStage.parseList(stages) }
        configuration.connections = connections
        configuration.threads = threads
        if let duration {
            if stages != nil { throw HotpathInputError("--stages sets the duration: leave out -d") }
            configuration.duration = try DurationText.parse(duration)
        } else {
            configuration.duration = requests == nil && stages == nil ? .seconds(10) : nil
        }
        configuration.requests = requests
        configuration.rate = rate
        configuration.method = method
        configuration.timeout = try DurationText.parse(timeout)
        configuration.sendGrid = ["0", "0s", "0ms"].contains(sendGrid) ? .zero : try DurationText.parse(sendGrid)
        configuration.warmup = try DurationText.parse(warmup)
        configuration.insecure = insecure
        for header in headers { configuration.headers.append(try LoadConfiguration.parseHeader(header)) }
        if body != nil, bodyFile != nil {
            throw HotpathInputError("give --body or --body-file, not both")
        }
        if let body { configuration.body = Array(body.utf8) }
        if let bodyFile {
            guard let data = FileManager.default.contents(atPath: bodyFile) else {
                throw HotpathInputError("cannot read --body-file '\(bodyFile)': no such readable file")
            }
            configuration.body = Array(data)
        }
        try configuration.validate()
        return configuration
    }

    func run() async throws {
        let configuration = try makeConfiguration()
        var budget: Budget?
        for text in budgets {
            let parsed = try Budget(parsing: text)
            budget = budget.map { $0 + parsed } ?? parsed
        }
        let jsonTarget = try JSONOutput.targets([("--json", json)])[0]
        let steps = try rampSteps()
        try FileLimit.ensure(connections: (steps ?? [configuration.connections]).max() ?? configuration.connections)
        let server = try serverProcess(for: configuration)

        var report: LoadReport?
        var rampResults: [RampStep] = []
        var failedBudget = false
        var signalled = SIGINT
        for (index, connections) in (steps ?? [configuration.connections]).enumerated() {
            var stepConfiguration = configuration
            stepConfiguration.connections = connections
            stepConfiguration.threads = min(configuration.threads, connections)
            if steps != nil {
                Terminal.out("\n== ramp step \(index + 1) of \(steps?.count ?? 1): \(connections) connections\n")
            }
            let outcome = try await runOnce(stepConfiguration, budget: budget, server: server)
            report = outcome.report
            failedBudget = failedBudget || outcome.failedBudget
            let latency = outcome.report.latency.percentilesMs
            rampResults.append(RampStep(
                connections: connections, requestsPerSecond: outcome.report.summary.requestsPerSecond,
                p50Ms: latency["p50"] ?? 0, p99Ms: latency["p99"] ?? 0, serverCPUPercent: outcome.report.server?.cpuPercent
            ))
            if let signal = outcome.interrupted {
                signalled = signal
                break
            }
        }
        guard var report else { throw CLIExit(code: CLIExit.runFailed) }
        if steps != nil {
            let plateau = RampPlateau.find(in: rampResults, cores: ServerProcess.cores)
            Terminal.out(RampTable.render(rampResults, plateau: plateau))
            report.ramp = rampResults
            report.plateau = plateau
        }
        if let jsonTarget {
            let data: Data
            do { data = try report.encoded() } catch { throw CLIExit.runFailed("could not encode the JSON report: \(error)") }
            try JSONOutput.write(data, to: jsonTarget, what: "the JSON report")
        }
        if report.stopReason == .interrupted { throw CLIExit(code: CLIExit.interruptedCode(signal: signalled)) }
        if let stoppedAt = report.outage?.stoppedAt {
            let total = report.summary.elapsedS
            throw CLIExit.runFailed("the server stopped answering at \(String(format: "%.1f", stoppedAt)) s of \(String(format: "%.1f", total)) s; the results above cover the time it answered")
        }
        if failedBudget { throw CLIExit(code: CLIExit.budgetFailed) }
        if report.summary.requests == 0 { throw CLIExit(code: CLIExit.runFailed) }
    }

    /// `--ramp 1,4,16`: connection counts, ascending.
    private func rampSteps() throws(HotpathInputError) -> [Int]? {
        guard let ramp else { return nil }
        let counts = ramp.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw HotpathInputError("--ramp '\(ramp)' is not a list of connection counts; write e.g. --ramp 1,4,16,64")
        }
        return counts.compactMap { $0 }.sorted()
    }

    /// The server whose CPU is read: `--server-pid`, or the process listening on the port of a
    /// loopback target.
    private func serverProcess(for configuration: LoadConfiguration) throws(HotpathInputError) -> ServerProcess? {
        if let serverPid {
            guard let process = ServerProcess(pid: serverPid) else {
                throw HotpathInputError("--server-pid \(serverPid): no such process on this machine")
            }
            return process
        }
        let host = configuration.target.host
        guard ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) else { return nil }
        return ServerProcess.listening(onPort: configuration.target.port)
    }

    private func runOnce(
        _ configuration: LoadConfiguration, budget: Budget?, server: ServerProcess?
    ) async throws -> (report: LoadReport, failedBudget: Bool, interrupted: Int32?) {
        let run = try LoadRun(configuration: configuration)
        let interruption = Interruption { _ in run.stop() }
        defer { interruption.cancel() }

        let renderer = LoadSummaryRenderer(showLatencyDistribution: latency, color: Terminal.wantsColor, showTimeline: timeline)
        let header = renderer.header(for: configuration)
        let showProgress = Terminal.stderrIsTerminal && !noProgress
        let startedAt = Date()
        var progress: (@Sendable (LoadProgress) -> Void)?
        if showProgress {
            progress = { @Sendable update in Terminal.progress(ProgressLine.text(update)) }
        }
        let cpuBefore = server?.cpuSeconds()
        let clockBefore = MonotonicClock.now()
        let result: LoadResult
        do throws(LoadRunError) {
            result = try await run.run(
                connected: {
                    Terminal.out(header)
                    Terminal.flush()
                },
                progress: progress
            )
        } catch {
            if showProgress { Terminal.clearProgress() }
            throw CLIExit.runFailed(error.message)
        }
        if showProgress { Terminal.clearProgress() }

        let verdicts = budget?.evaluate(result.budgetMeasurement) ?? []
        Terminal.out(renderer.render(result, verdicts: verdicts))
        var report = LoadReport(result: result, verdicts: verdicts, startedAt: startedAt)
        if let server, let before = cpuBefore, let after = server.cpuSeconds() {
            let wall = Double(MonotonicClock.now() - clockBefore) / 1e9
            let percent = wall > 0 ? max(after - before, 0) / wall * 100 : 0
            report.server = LoadReport.ServerUsage(pid: server.pid, name: server.name, cpuPercent: percent, cores: ServerProcess.cores)
            Terminal.out(String(format: "  Server CPU: %.0f%% of one core (pid %d, %@; %d cores here)\n", percent, server.pid, server.name, ServerProcess.cores))
        }
        Terminal.flush()
        return (report, !report.budgetPassed, result.stopReason == .interrupted ? interruption.received ?? SIGINT : nil)
    }
}

/// The ramp's table and its verdict.
enum RampTable {
    static func render(_ steps: [RampStep], plateau: RampPlateau?) -> String {
        var lines = ["", "Connection ramp:", "  connections       req/s     p50 ms     p99 ms   server CPU"]
        for step in steps {
            let cpu = step.serverCPUPercent.map { String(format: "%9.0f%%", $0) } ?? "         –"
            lines.append(String(format: "  %11d %11.1f %10.2f %10.2f ", step.connections, step.requestsPerSecond, step.p50Ms, step.p99Ms) + cpu)
        }
        if let plateau {
            lines.append("")
            lines.append("  ⚠ \(plateau.message)")
        } else if steps.count >= 2 {
            lines.append("")
            lines.append("  Throughput grew with connections across the ramp: no plateau.")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The live line on a terminal: elapsed, req/s, p95 so far, errors.
enum ProgressLine {
    static func text(_ progress: LoadProgress) -> String {
        let elapsed = String(format: "%.0f", progress.elapsedSeconds)
        let planned = progress.plannedSeconds.map { "/\(String(format: "%.0f", $0))s" } ?? "s"
        switch progress.phase {
        case .warmup:
            return "  warming up \(elapsed)\(planned)"
        case .measuring:
            return "  \(elapsed)\(planned)  \(String(format: "%.0f", progress.requestsPerSecond)) req/s  p95 \(DurationText.format(nanoseconds: progress.p95SoFar))  \(progress.completed) done  \(progress.errors) errors"
        }
    }
}

/// Ctrl-C (or a SIGTERM, or a closed terminal's SIGHUP) stops the run and keeps the
/// results; a second one acts as usual and quits at once.
/// `@unchecked`: a dispatch source is safe to use from any thread; the type only predates `Sendable`.
final class Interruption: @unchecked Sendable {
    /// The signals that end a run with its results kept.
    static let stopSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    private let sources: [any DispatchSourceSignal]
    private let signals: [Int32]
    private let first = FirstSignal()

    private final class FirstSignal: Sendable {
        let number = Atomic<Int32>(0)
    }

    /// Calls `onInterrupt` with the first of `signals` that arrives.
    init(signals: [Int32] = Interruption.stopSignals, onInterrupt: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        let first = self.first
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                _ = first.number.compareExchange(expected: 0, desired: number, ordering: .relaxed)
                onInterrupt(number)
                signal(number, SIG_DFL)
            }
            source.resume()
            return source
        }
    }

    /// The first signal that arrived, if any.
    var received: Int32? {
        let number = first.number.load(ordering: .relaxed)
        return number == 0 ? nil : number
    }

    func cancel() {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
}

enum JSONOutput {
    /// Every output checked before the run rather than after it, so a typo in a path loses no
    /// results; at most one of them on standard output, and then the text goes to stderr.
    static func targets(_ paths: [(option: String, path: String?)]) throws(HotpathInputError) -> [OutputTarget?] {
        var targets: [OutputTarget?] = []
        for (option, path) in paths {
            if let path { targets.append(try OutputTarget(validating: path, option: option)) } else { targets.append(nil) }
        }
        try OutputTarget.checkOneStandardOutput(zip(paths, targets).map { ($0.0.option, $0.1) })
        Terminal.keepStandardOutputFor(targets)
        return targets
    }

    static func write(_ data: Data, to target: OutputTarget?, what: String) throws(CLIExit) {
        guard let target else { return }
        do {
            try target.write(data)
        } catch {
            throw CLIExit.runFailed("could not write \(what) to '\(error.path)': \(error.reason)")
        }
    }
}
