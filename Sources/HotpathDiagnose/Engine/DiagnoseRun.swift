import Foundation
import Hotpath
import HotpathLoad
import HotpathProfiler

/// Runs the method on a server: find its endpoints, load each one, ramp the slow ones, read
/// what the server saw, profile a slow request, and rank the fixes.
///
/// ```swift
/// let diagnosis = try await DiagnoseRun(options: DiagnoseOptions(baseURL: "http://127.0.0.1:8080", token: "s3cret")).run()
/// print(DiagnosisText.render(diagnosis))
/// ```
public struct DiagnoseRun: Sendable {
    public let options: DiagnoseOptions
    /// Ends it early with what was measured (see ``DiagnoseStop``).
    public let stop: DiagnoseStop
    /// Told what is happening, one short line at a time ("[3/10] GET /dashboard …").
    public let progress: @Sendable (String) -> Void

    public init(options: DiagnoseOptions, stop: DiagnoseStop = DiagnoseStop(), progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.options = options
        self.stop = stop
        self.progress = progress
    }

    /// One endpoint to load: its route (when known) and the path to request.
    struct Planned {
        var method: String
        var route: String?
        var path: String
    }

    public func run() async throws(DiagnoseError) -> Diagnosis {
        let started = Date()
        let clock = MonotonicClock.now()
        let base = try Self.baseURL(options.baseURL)
        let reader = options.token.map { ReportReader(base: base.url, token: $0, prefix: options.reportPrefix, timeout: options.timeout, insecure: options.insecure) }
        let server = try serverProcess(base.target)
        let serverCPUBefore = server?.cpuSeconds()
        // Every request this run sends says which endpoint and phase it belongs to, so the
        // server's report can give each endpoint only its own measured window.
        let run = RunMarker.newRun()

        // The inside view needs the report: read it first, so a wrong token stops us now.
        var planned = options.paths.map { Planned(method: "GET", route: nil, path: $0.hasPrefix("/") ? $0 : "/" + $0) }
        if let reader {
            progress("Reading the server's Hotpath report…")
            let report = try await reader.report()
            for route in Self.loadableRoutes(report, prefix: options.reportPrefix) where !planned.contains(where: { $0.route == route.route || Self.pathOnly($0.path) == route.path }) {
                planned.append(Planned(method: route.method, route: route.route, path: route.path))
            }
        }
        guard !planned.isEmpty else {
            throw DiagnoseError(
                reader == nil
                    ? "no endpoints to diagnose: name them with --path /orders (or give --token so the server's Hotpath report lists its routes)"
                    : "no routes to diagnose: the server's Hotpath report lists no GET route yet; send it some traffic first, or name endpoints with --path /orders",
                isInputError: true
            )
        }

        var measured: [(Planned, LoadReport, [RampStep]?, RampPlateau?)] = []
        var incomplete: DiagnosisIncomplete?
        func notMeasured(after index: Int) -> [String] { planned.dropFirst(index + 1).map(\.path) }
        for (index, endpoint) in planned.enumerated() {
            if let signal = stop.interruptedBy {
                incomplete = Self.interrupted(signal: signal, notMeasured: planned.dropFirst(index).map(\.path), measured: index)
                break
            }
            progress("[\(index + 1)/\(planned.count)] GET \(endpoint.path): \(DurationText.format(options.duration)) at \(options.connections) connections…")
            var load: LoadReport
            do {
                load = try await loadOnce(
                    base.url + endpoint.path, connections: options.connections, duration: options.duration, server: server,
                    marker: RunMarker(run: run, endpoint: index, phase: .measure)
                )
            } catch where index > 0 && !error.isInputError {
                // The server answered the endpoints before this one: it went away meanwhile.
                incomplete = DiagnosisIncomplete(
                    reason: .serverStopped, detail: "the server stopped answering before GET \(endpoint.path): \(error.message)",
                    notMeasured: planned.dropFirst(index).map(\.path)
                )
                break
            }
            var ramp: [RampStep]?
            var plateau: RampPlateau?
            if !load.budgetPassed, options.ramp.count >= 2, load.outage?.stoppedAt == nil, stop.interruptedBy == nil {
                progress("[\(index + 1)/\(planned.count)] GET \(endpoint.path): over budget, ramping connections \(options.ramp.map(String.init).joined(separator: " → "))…")
                var steps: [RampStep] = []
                for connections in options.ramp {
                    guard stop.interruptedBy == nil,
                        let step = try? await loadOnce(
                            base.url + endpoint.path, connections: connections, duration: options.rampStepDuration, server: server, warmup: .zero,
                            marker: RunMarker(run: run, endpoint: index, phase: .ramp)
                        ),
                        step.outage?.stoppedAt == nil, step.stopReason != .interrupted
                    else { break }
                    steps.append(RampStep(
                        connections: connections, requestsPerSecond: step.summary.requestsPerSecond,
                        p50Ms: step.latency.p50Ms, p99Ms: step.latency.p99Ms, serverCPUPercent: step.server?.cpuPercent
                    ))
                }
                // A ramp cut short says nothing about a plateau.
                if steps.count == options.ramp.count {
                    ramp = steps
                    plateau = RampPlateau.find(in: steps, cores: ServerProcess.cores)
                    load.ramp = steps
                    load.plateau = plateau
                }
            }
            measured.append((endpoint, load, ramp, plateau))
            // Requests the load gave up on may still be running on the server: the next
            // endpoint (or a profile) is measured once they are done.
            if let reader, load.errors.timeout > 0 || (ramp != nil && stop.interruptedBy == nil) {
                await drain(reader, run: run, endpoint: index, path: endpoint.path)
            }
            if let stoppedAt = load.outage?.stoppedAt {
                incomplete = DiagnosisIncomplete(
                    reason: .serverStopped,
                    detail: "the server stopped answering during GET \(endpoint.path) at \(Self.seconds(stoppedAt)) of \(Self.seconds(load.summary.elapsedS))",
                    notMeasured: notMeasured(after: index)
                )
                break
            }
            if let signal = stop.interruptedBy {
                incomplete = Self.interrupted(signal: signal, notMeasured: notMeasured(after: index), measured: index + 1)
                break
            }
        }
        guard !measured.isEmpty else {
            throw DiagnoseError(incomplete?.detail ?? "nothing was measured")
        }

        var report: RecorderReport?
        // Also after an interruption: the report is one bounded read, and without it the
        // endpoints measured would lose their inside view (queries, calls, stalls).
        if let reader, incomplete?.reason != .serverStopped {
            progress("Reading what the server saw…")
            do {
                report = try await reader.reportWithNames(run: run)
            } catch {
                // The loads' results stand; only the inside view is lost.
                if incomplete == nil {
                    incomplete = DiagnosisIncomplete(reason: .serverStopped, detail: "the server's report could not be read after the loads", notMeasured: [])
                }
                incomplete?.reportUnread = error.message
            }
        } else if reader != nil {
            incomplete?.reportUnread = "not read: the server stopped answering"
        }
        let harms = await harmChecks(measured: measured.map { ($0.0, $0.1) }, report: report, reader: reader, base: base.url, run: run)
        var endpoints: [EndpointDiagnosis] = []
        for (index, (endpoint, load, ramp, plateau)) in measured.enumerated() {
            let route = report.flatMap { Self.route(for: endpoint, index: index, in: $0) }
            // Savings capped once, here: every table and card shows the same figure.
            let findings = (route?.findings ?? []).map { FixRanking.capped($0, p95Ms: load.latency.p95Ms) }
            var profile: ProfileSummary?
            var profileNotTaken: String?
            let wantsProfile = !load.budgetPassed || findings.contains { $0.kind == .cpuStall || $0.kind == .blockingCall }
            if let reader, options.profile, wantsProfile, report != nil {
                progress("Profiling one request of GET \(endpoint.path)…")
                let marker = RunMarker(run: run, endpoint: index, phase: .profile)
                let (path, headers, limit) = (endpoint.path, options.headers + [(RunMarker.headerName, marker.description)], options.profileLimit)
                switch await stop.unlessInterrupted({ await reader.profile(path: path, headers: headers, limit: limit) }) {
                case .taken(let location, let profiled):
                    profile = Self.summary(profiled, location: location)
                case .notTaken(let reason):
                    profileNotTaken = reason
                    progress("  profile of GET \(endpoint.path) not taken: \(reason)")
                case nil:
                    profileNotTaken = "interrupted"
                }
            }
            let breakdown = route.map {
                TimeBreakdown(
                    totalMs: $0.latencyMs.avg, databaseMs: $0.avgDatabaseMs, httpMs: $0.avgHttpMs, appMs: $0.avgAppMs,
                    queries: $0.avgQueries, maxQueries: $0.maxQueries, httpCalls: $0.avgHttpCalls
                )
            }
            let bytes = load.summary.requests > 0 ? Double(load.summary.bytes) / Double(load.summary.requests) : 0
            let p95 = load.latency.p95Ms
            endpoints.append(EndpointDiagnosis(
                method: endpoint.method, route: route?.route ?? endpoint.route ?? Self.pathOnly(endpoint.path), path: endpoint.path,
                load: load, feel: load.latency.count == 0 ? .broken : Feel(nanoseconds: p95 * 1e6), budgetPassed: load.budgetPassed, ramp: ramp, plateau: plateau,
                breakdown: breakdown,
                suspects: SuspectChecks.check(
                    findings: findings, breakdown: breakdown, plateau: plateau, profile: profile, bytesPerResponse: bytes,
                    manifest: route == nil ? nil : report?.manifest
                ),
                findings: findings, exampleRequest: route.flatMap { Self.example($0, nearMs: p95) }, profile: profile,
                profileNotTaken: profileNotTaken, bytesPerResponse: bytes, oneOffs: route?.oneOffs ?? [], harm: harms[index],
                budgetStanding: BudgetStanding(load, budget: Self.judgingBudget(options.budget))
            ))
        }
        endpoints.sort { a, b in
            if a.budgetPassed != b.budgetPassed { return !a.budgetPassed }
            return a.load.latency.p95Ms > b.load.latency.p95Ms
        }
        // The server's CPU over the whole diagnosis, when it could be read at both ends.
        var usage: LoadReport.ServerUsage?
        if let server, let before = serverCPUBefore, let after = server.cpuSeconds() {
            let wall = Double(MonotonicClock.now() - clock) / 1e9
            usage = LoadReport.ServerUsage(
                pid: server.pid, name: server.name, cpuPercent: wall > 0 ? max(after - before, 0) / wall * 100 : 0, cores: ServerProcess.cores
            )
        }
        return Diagnosis(
            startedAt: started, target: base.url, budget: Self.judgingBudget(options.budget).description, view: report == nil ? .outside : .inside,
            blindSpots: reader == nil
                ? Self.outsideBlindSpots
                : report == nil ? ["The server's Hotpath report was not read (\(incomplete?.reportUnread ?? "unknown")): queries, outbound calls, blocked threads and profiles are unknown for every endpoint."] : [],
            elapsedSeconds: Double(MonotonicClock.now() - clock) / 1e9,
            fixes: FixRanking.fixes(for: endpoints), cheapWins: FixRanking.cheapWins(for: endpoints, cores: ServerProcess.cores),
            endpoints: endpoints, server: usage, manifest: report?.manifest, incomplete: incomplete
        )
    }

    static func interrupted(signal: Int32, notMeasured: [String], measured: Int) -> DiagnosisIncomplete {
        let name = [1: "SIGHUP", 2: "SIGINT (Ctrl-C)", 15: "SIGTERM"][signal] ?? "signal \(signal)"
        return DiagnosisIncomplete(
            reason: .interrupted, detail: "interrupted by \(name) after \(measured) of \(measured + notMeasured.count) endpoints",
            signal: signal, notMeasured: notMeasured
        )
    }

    static func seconds(_ value: Double) -> String {
        DecimalText.fixed(value, fractionDigits: 1) + " s"
    }

    /// The budget each endpoint is judged by: the one given, plus `errors<1%` unless it already
    /// says which failures are acceptable. An endpoint that answers 500 fast is not within budget.
    static func judgingBudget(_ budget: Budget) -> Budget {
        let saysErrors = budget.clauses.contains { $0.metric == .errorRate || $0.metric == .errorCount }
        return saysErrors ? budget : budget + Budget(clauses: [BudgetClause(metric: .errorRate, comparison: .lessThan, threshold: 0.01)])
    }

    static let outsideBlindSpots = [
        "Measured from the outside only (no --token, or no Hotpath middleware): latency, throughput, errors and the connection ramp are known; queries, outbound calls, blocked threads and profiles are not.",
        "Add HotpathMiddleware with a report token to the server (and HotpathSQLDatabase, HotpathHTTPClient, the Watchdog) and run again with --token to see inside each request.",
    ]

    // MARK: - Steps

    /// Waits (at most the request timeout) until the server has no request of `endpoint` in
    /// flight, reading its report; says so when some are still running after that.
    func drain(_ reader: ReportReader, run: String, endpoint: Int, path: String) async {
        let deadline = ContinuousClock.now + min(options.timeout, .seconds(30))
        while ContinuousClock.now < deadline, stop.interruptedBy == nil {
            guard let report = try? await reader.report(run: run), let window = report.window(endpoint: endpoint), window.inFlight > 0 else { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
        progress("  requests of GET \(path) were still running on the server after \(DurationText.format(min(options.timeout, .seconds(30))))")
    }

    /// One load of `url`. With a marker, its warmup runs first as a load of its own marked
    /// `warmup`, so the server can tell the measured requests from the warmup's.
    func loadOnce(
        _ url: String, connections: Int, duration: Duration, server: ServerProcess?, warmup: Duration? = nil, marker: RunMarker? = nil
    ) async throws(DiagnoseError) -> LoadReport {
        let warmup = warmup ?? options.warmup
        if let marker, warmup > .zero {
            // Its figures are not kept: the measured load that follows is the endpoint's.
            _ = try await loadOnce(
                url, connections: connections, duration: warmup, server: nil, warmup: .zero,
                marker: RunMarker(run: marker.run, endpoint: marker.endpoint, phase: .warmup)
            )
        }
        let configuration: LoadConfiguration
        do {
            var built = LoadConfiguration(target: try LoadTarget(parsing: url))
            built.connections = connections
            built.threads = 1
            built.duration = duration
            built.warmup = marker == nil ? warmup : .zero
            built.timeout = options.timeout
            built.headers = options.headers + (marker.map { [(RunMarker.headerName, $0.description)] } ?? [])
            built.insecure = options.insecure
            try built.validate()
            configuration = built
        } catch {
            throw DiagnoseError(error.message, isInputError: true)
        }
        let run: LoadRun
        do {
            run = try LoadRun(configuration: configuration)
        } catch {
            throw DiagnoseError(error.message, isInputError: true)
        }
        let started = Date()
        let cpuBefore = server?.cpuSeconds()
        let clockBefore = MonotonicClock.now()
        let result: LoadResult
        stop.started(run)
        defer { stop.finished(run) }
        do {
            result = try await run.run()
        } catch {
            throw DiagnoseError(error.message)
        }
        var report = LoadReport(result: result, verdicts: Self.judgingBudget(options.budget).evaluate(result.budgetMeasurement), startedAt: started)
        if let server, let before = cpuBefore, let after = server.cpuSeconds() {
            let wall = Double(MonotonicClock.now() - clockBefore) / 1e9
            let percent = wall > 0 ? max(after - before, 0) / wall * 100 : 0
            report.server = LoadReport.ServerUsage(pid: server.pid, name: server.name, cpuPercent: percent, cores: ServerProcess.cores)
        }
        return report
    }

    private func serverProcess(_ target: LoadTarget) throws(DiagnoseError) -> ServerProcess? {
        if let pid = options.serverPID {
            guard let process = ServerProcess(pid: pid) else { throw DiagnoseError("--server-pid \(pid): no such process on this machine", isInputError: true) }
            return process
        }
        guard ["127.0.0.1", "localhost", "::1", "[::1]"].contains(target.host) else { return nil }
        return ServerProcess.listening(onPort: target.port)
    }

    // MARK: - Pure helpers

    /// `http://host:port` from whatever URL was given.
    static func baseURL(_ text: String) throws(DiagnoseError) -> (url: String, target: LoadTarget) {
        let target: LoadTarget
        do {
            target = try LoadTarget(parsing: text)
        } catch {
            throw DiagnoseError(error.message, isInputError: true)
        }
        return ("\(target.scheme.rawValue)://\(target.hostHeader)", target)
    }

    static func pathOnly(_ path: String) -> String {
        path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
    }

    /// GET routes the report lists with a concrete path seen for each; not Hotpath's own.
    static func loadableRoutes(_ report: RecorderReport, prefix: String) -> [(method: String, route: String, path: String)] {
        report.routes.compactMap { route in
            guard route.method == "GET", route.route != "NotFound", route.route != "(other routes)", !route.route.hasPrefix(prefix) else { return nil }
            let seen = route.slowest.first?.path ?? report.recent.first { $0.route == route.route && $0.method == route.method }?.path
            guard let path = seen ?? (route.route.contains("{") || route.route.contains(":") ? nil : route.route) else { return nil }
            return (route.method, route.route, path)
        }
    }

    /// The endpoint's measured window when the server keeps windows (its evidence then comes
    /// from the requests this run measured, nothing else); the route's all-time report from a
    /// server that does not.
    static func route(for endpoint: Planned, index: Int, in report: RecorderReport) -> RouteReport? {
        if let windows = report.windows {
            return windows.first { $0.endpoint == index }?.requests
        }
        return route(for: endpoint, in: report)
    }

    static func route(for endpoint: Planned, in report: RecorderReport) -> RouteReport? {
        if let name = endpoint.route, let found = report.routes.first(where: { $0.route == name && $0.method == endpoint.method }) {
            return found
        }
        let path = pathOnly(endpoint.path)
        let requests = report.recent + report.routes.flatMap(\.slowest)
        guard let seen = requests.first(where: { $0.path == path && $0.method == endpoint.method }) else { return nil }
        return report.routes.first { $0.route == seen.route && $0.method == endpoint.method }
    }

    /// Of the route's slowest requests, the one closest to the load's p95: slow, but typical.
    static func example(_ route: RouteReport, nearMs p95: Double) -> RequestReport? {
        route.slowest.min { abs($0.durationMs - p95) < abs($1.durationMs - p95) }
    }

    static func summary(_ profile: Profile, location: String) -> ProfileSummary {
        var telling = profile
        telling.samples = profile.samples.filter { sample in
            sample.onCPU || sample.stack.contains { index in
                let frame = profile.frames.indices.contains(Int(index)) ? profile.frames[Int(index)] : nil
                return frame.map { !$0.isLibrary && $0.file != nil } ?? false
            }
        }
        let tree = CallTree(telling)
        let total = Double(max(tree.totalNanoseconds, 1))
        let hottest = tree.functions.prefix(10).map { function in
            HotFunction(
                name: function.name, location: function.frame.shortLocation,
                selfPercent: Double(function.selfNanoseconds) / total * 100, totalPercent: Double(function.totalNanoseconds) / total * 100,
                isLibrary: function.frame.isLibrary
            )
        }
        let cpu = profile.samples.filter(\.onCPU).reduce(UInt64(0)) { $0 &+ $1.weightNanoseconds }
        return ProfileSummary(
            location: location, durationMs: Double(profile.durationNanoseconds) / 1e6, sampleCount: tree.sampleCount,
            hottest: Array(hottest), profile: profile, cpuMs: Double(cpu) / 1e6
        )
    }
}
