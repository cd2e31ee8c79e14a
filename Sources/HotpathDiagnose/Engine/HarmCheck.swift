import Hotpath
import HotpathLoad

/// The harm check: an endpoint with a recurring blocking call or CPU stall holds threads, and
/// what that costs the rest of the server is measured, not assumed. A cheap endpoint (the
/// control) is timed one request at a time alone, then again while the thread-holding endpoint
/// is loaded as it was measured; the difference is what every other request lost.
///
/// An endpoint that only awaits (a query, an upstream call) leaves the threads free, so its
/// control barely moves; it is not checked, as its findings hold no thread.
extension DiagnoseRun {
    /// One measured endpoint as the harm check sees it.
    struct HarmCandidate {
        var name: String
        var path: String
        var p50Ms: Double
        /// A recurring blocking call or CPU stall: it may harm the others, and is no control.
        var holdsThreads: Bool
        /// Answered every request of its measured load.
        var answeredAll: Bool
    }

    /// How long the control is timed alone, and while the other endpoint is loaded (which
    /// starts `headStart` earlier, so its requests hold the threads by then).
    static let harmTimings = (alone: Duration.milliseconds(500), loaded: Duration.milliseconds(1_200), headStart: Duration.milliseconds(200), during: Duration.milliseconds(800))
    /// Fewer control requests alone than this say nothing: no figure.
    static let harmMinimumRequests: UInt64 = 3

    static func holdsThreads(_ findings: [Finding]) -> Bool {
        findings.contains { $0.kind == .blockingCall || $0.kind == .cpuStall }
    }

    /// The control for `index`: of the other endpoints, one that holds no thread and answered
    /// every request, the fastest (lowest median) first.
    static func control(for index: Int, among candidates: [HarmCandidate]) -> Int? {
        candidates.indices
            .filter { $0 != index && !candidates[$0].holdsThreads && candidates[$0].answeredAll && candidates[$0].p50Ms > 0 }
            .min { (candidates[$0].p50Ms, candidates[$0].name) < (candidates[$1].p50Ms, candidates[$1].name) }
    }

    /// Times `control` alone, then while `endpoint` is loaded at the measured connections; nil
    /// when either timing has too few requests or the run is interrupted.
    func measureHarm(
        of endpoint: (index: Int, path: String), control: (index: Int, name: String, path: String), base: String, run: String
    ) async -> PoolHarm? {
        guard stop.interruptedBy == nil else { return nil }
        let timings = Self.harmTimings
        func probe(_ index: Int) -> RunMarker { RunMarker(run: run, endpoint: index, phase: .probe) }
        guard let alone = try? await loadOnce(base + control.path, connections: 1, duration: timings.alone, server: nil, warmup: .zero, marker: probe(control.index)),
            stop.interruptedBy == nil
        else { return nil }
        let connections = options.connections
        async let loaded: LoadReport? = try? await loadOnce(
            base + endpoint.path, connections: connections, duration: timings.loaded, server: nil, warmup: .zero, marker: probe(endpoint.index)
        )
        try? await Task.sleep(for: timings.headStart)
        let during = try? await loadOnce(base + control.path, connections: 1, duration: timings.during, server: nil, warmup: .zero, marker: probe(control.index))
        _ = await loaded
        guard let during, alone.latency.count >= Self.harmMinimumRequests, during.latency.count > 0 else { return nil }
        // Threads held all the time let only a request or two through: their median is then
        // less telling than the time each took on average.
        let underLoad = during.latency.count >= Self.harmMinimumRequests
            ? during.latency.p50Ms : max(during.latency.p50Ms, during.summary.elapsedS * 1_000 / Double(during.latency.count))
        return PoolHarm(
            control: control.name, aloneMs: alone.latency.p50Ms, underLoadMs: underLoad,
            aloneRequests: Int(alone.latency.count), underLoadRequests: Int(during.latency.count)
        )
    }

    /// Every endpoint that holds threads, checked against the fastest one that does not
    /// (inside view only: without the report nothing is known to hold threads).
    func harmChecks(measured: [(Planned, LoadReport)], report: RecorderReport?, reader: ReportReader?, base: String, run: String) async -> [Int: PoolHarm] {
        guard let report, let reader else { return [:] }
        let candidates = measured.enumerated().map { index, item in
            let (endpoint, load) = item
            let route = Self.route(for: endpoint, index: index, in: report)
            return HarmCandidate(
                name: "\(endpoint.method) \(route?.route ?? endpoint.route ?? Self.pathOnly(endpoint.path))", path: endpoint.path,
                p50Ms: load.latency.p50Ms, holdsThreads: Self.holdsThreads(route?.findings ?? []),
                answeredAll: load.latency.count > 0 && load.errors.total == 0 && load.summary.non2xx3xx == 0
            )
        }
        var harms: [Int: PoolHarm] = [:]
        for index in candidates.indices where candidates[index].holdsThreads {
            guard stop.interruptedBy == nil, let control = Self.control(for: index, among: candidates) else { break }
            progress("Timing \(candidates[control].name) while GET \(candidates[index].path) is loaded: do the threads it holds slow the others?")
            harms[index] = await measureHarm(
                of: (index, candidates[index].path), control: (control, candidates[control].name, candidates[control].path), base: base, run: run
            )
            // Its requests still running would slow the next check or a profile.
            await drain(reader, run: run, endpoint: index, path: candidates[index].path)
        }
        return harms
    }
}
