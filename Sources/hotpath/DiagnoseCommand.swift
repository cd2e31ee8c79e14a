import ArgumentParser
import Foundation
import Hotpath
import HotpathDiagnose
import HotpathLoad

/// `hotpath diagnose URL`: the whole method on a running server.
struct DiagnoseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Measure every endpoint against a budget, find the suspect of each slow one, and rank the fixes.",
        discussion: """
        With --token (the token of the server's HotpathMiddleware report) the routes are read \
        from the server's report and each slow endpoint is explained from the inside: queries, \
        outbound calls, blocked threads, a profile of one request. Without it, give the \
        endpoints with --path: latency, throughput and the connection ramp are still measured.

        Exits 99 when an endpoint misses the budget (for CI), 2 on bad input, 1 when the \
        server cannot be reached.

        Examples:
          hotpath diagnose http://127.0.0.1:8080 --token s3cret
          hotpath diagnose http://127.0.0.1:8080 --path /orders --path '/search?q=x' --budget 'p95<100ms'
          hotpath diagnose http://127.0.0.1:8080 --token s3cret --json diagnosis.json --html report.html
        """
    )

    @Argument(help: "The server's base URL, e.g. http://127.0.0.1:8080.")
    var url: String

    @Option(name: .long, help: "Token of the server's Hotpath report (or HOTPATH_TOKEN).")
    var token: String?

    @Option(name: .customLong("path"), help: "An endpoint to load, with its query (repeatable); added to the report's routes.")
    var paths: [String] = []

    @Option(name: .customLong("budget"), help: "Latency budget, e.g. 'p95<200ms' (the default), 'p99<500ms,errors<1%'.")
    var budgets: [String] = []

    @Option(name: [.short, .customLong("duration")], help: "Load per endpoint (default 3s).")
    var duration: String = "3s"

    @Option(name: [.short, .customLong("connections")], help: "Connections per endpoint (default 4).")
    var connections: Int = 4

    @Option(name: .customLong("warmup"), help: "Unmeasured load before each endpoint (default 500ms).")
    var warmup: String = "500ms"

    @Option(name: .customLong("ramp"), help: "Connection counts ramped on endpoints over budget (default 1,8).")
    var ramp: String = "1,8"

    @Flag(name: .customLong("no-ramp"), help: "Do not ramp connections.")
    var noRamp = false

    @Flag(name: .customLong("no-profile"), help: "Do not profile slow requests.")
    var noProfile = false

    @Option(name: [.customShort("H"), .customLong("header")], help: "A request header, 'Name: value' (repeatable).")
    var headers: [String] = []

    @Option(name: .customLong("timeout"), help: "Per request (default 10s).")
    var timeout: String = "10s"

    @Option(name: .customLong("profile-timeout"), help: "Longest one request's profile may take, symbolication included (default 30s).")
    var profileTimeout: String = "30s"

    @Option(name: .customLong("report-prefix"), help: "Where the server's Hotpath report lives (default /_hotpath).")
    var reportPrefix: String = "/_hotpath"

    @Option(name: .customLong("server-pid"), help: "The server's process, for its CPU (found by port when local).")
    var serverPid: Int32?

    @Flag(name: [.short, .customLong("insecure")], help: "Accept any TLS certificate.")
    var insecure = false

    @Option(name: .customLong("json"), help: "Write the diagnosis as JSON (hotpath-diagnosis/1).")
    var json: String?

    @Option(name: .customLong("html"), help: "Write the HTML report.")
    var html: String?

    func run() async throws {
        let options = try makeOptions()
        let targets = try JSONOutput.targets([("--json", json), ("--html", html)])
        try FileLimit.ensure(connections: ([options.connections] + options.ramp).max() ?? options.connections)
        let showProgress = Terminal.stderrIsTerminal
        // Ctrl-C, SIGTERM or SIGHUP: the endpoints measured so far are diagnosed and written.
        let stop = DiagnoseStop()
        let interruption = Interruption { number in stop.interrupt(signal: number) }
        defer { interruption.cancel() }
        let diagnosis: Diagnosis
        do {
            diagnosis = try await DiagnoseRun(options: options, stop: stop) { line in
                if showProgress { Terminal.note(line) }
            }.run()
        } catch {
            throw error.isInputError ? CLIExit.badInput(error.message) : CLIExit.runFailed(error.message)
        }
        Terminal.outSanitized(DiagnosisText.render(diagnosis))
        Terminal.flush()
        try DiagnosisFiles.write(diagnosis, json: targets[0], html: targets[1])
        if let incomplete = diagnosis.incomplete {
            switch incomplete.reason {
            case .interrupted:
                throw CLIExit(code: CLIExit.interruptedCode(signal: incomplete.signal ?? SIGINT))
            case .serverStopped:
                throw CLIExit.runFailed("\(incomplete.detail); the diagnosis above covers the \(diagnosis.endpoints.count) endpoints measured")
            }
        }
        if !diagnosis.budgetPassed { throw CLIExit(code: CLIExit.budgetFailed) }
    }

    func makeOptions() throws -> DiagnoseOptions {
        var budget: Budget?
        for text in budgets {
            let parsed = try Budget(parsing: text)
            budget = budget.map { $0 + parsed } ?? parsed
        }
        let duration = try DurationText.parse(duration)
        let warmup = try DurationText.parse(warmup)
        let timeout = try DurationText.parse(timeout)
        let profileLimit = try DurationText.parse(profileTimeout)
        guard profileLimit > .zero else { throw CLIExit.badInput("--profile-timeout must be more than 0; write e.g. --profile-timeout 30s") }
        guard duration > .zero else { throw CLIExit.badInput("--duration must be more than 0; write e.g. -d 3s") }
        guard connections >= 1 else { throw CLIExit.badInput("--connections must be at least 1") }
        var steps: [Int] = []
        if !noRamp {
            let counts = ramp.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
                throw CLIExit.badInput("--ramp '\(ramp)' is not a list of connection counts; write e.g. --ramp 1,8 (or --no-ramp)")
            }
            steps = counts.compactMap { $0 }.sorted()
        }
        var headerPairs: [(name: String, value: String)] = [("Accept-Encoding", "gzip, deflate")]
        for header in headers {
            let parsed = try LoadConfiguration.parseHeader(header)
            headerPairs.removeAll { $0.name.lowercased() == parsed.name.lowercased() }
            headerPairs.append(parsed)
        }
        let token = token ?? ProcessInfo.processInfo.environment["HOTPATH_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return DiagnoseOptions(
            baseURL: url, token: token, reportPrefix: ReportAccess(prefix: reportPrefix).prefix, paths: paths,
            budget: budget ?? .methodDefault, duration: duration, warmup: warmup, connections: connections, ramp: steps,
            profile: !noProfile, headers: headerPairs, timeout: timeout, insecure: insecure, serverPID: serverPid,
            profileLimit: profileLimit
        )
    }
}

/// Writes a diagnosis's JSON and HTML files, with one clear line when that fails.
enum DiagnosisFiles {
    static func write(_ diagnosis: Diagnosis, comparison: [EndpointComparison]? = nil, json: OutputTarget?, html: OutputTarget?) throws {
        if let json {
            let data: Data
            do { data = try DiagnosisJSON.encode(diagnosis) } catch { throw CLIExit.runFailed("could not encode the JSON diagnosis: \(error)") }
            try JSONOutput.write(data, to: json, what: "the JSON diagnosis")
        }
        if let html {
            try JSONOutput.write(Data(DiagnosisHTML.render(diagnosis, comparison: comparison).utf8), to: html, what: "the HTML report")
        }
    }
}
