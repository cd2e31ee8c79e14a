import Hotpath
import HotpathLoad

/// Turns findings into one ranking of fixes, and gathers the method's cheap wins that apply.
///
/// The ranking is the method's "fix the biggest cost first", with the budget in charge: fixes
/// on endpoints over budget (or at its line, ``BudgetStanding``) come before fixes on endpoints
/// within it, then the biggest credit per request (the saving, plus what a held thread costs
/// the other endpoints), then the lower effort; "Fix this first" is its first row by
/// construction.
enum FixRanking {
    static func effort(of kind: Finding.Kind) -> Effort {
        switch kind {
        case .missingIndex, .selectStar, .uncompressedResponse: .low
        case .nPlusOne, .duplicateQueries, .manySmallQueries, .slowQuery, .sequentialCalls, .repeatedCalls, .blockingCall: .medium
        case .cpuStall: .high
        }
    }

    /// The saving a fix can bring to this endpoint's typical slow request, computed once (the
    /// diagnosis stores it in the finding, and every renderer shows that): a finding's estimate
    /// comes from the slowest request it was seen in, so it is capped at the endpoint's p95.
    /// Transfer time (compression) is not in the measured latency and is not capped.
    static func capped(_ finding: Finding, p95Ms: Double) -> Finding {
        guard finding.kind != .uncompressedResponse, p95Ms.isFinite, p95Ms >= 0 else { return finding }
        var kept = finding
        kept.estimatedSavingNanoseconds = min(finding.estimatedSavingNanoseconds, UInt64(p95Ms * 1e6))
        return kept
    }

    static func fixes(for endpoints: [EndpointDiagnosis]) -> [RankedFix] {
        var fixes: [RankedFix] = []
        for endpoint in endpoints {
            let harm = harmShares(endpoint)
            for finding in endpoint.findings {
                fixes.append(RankedFix(
                    endpoint: endpoint.name, finding: finding, savingMs: finding.savingMs, effort: effort(of: finding.kind),
                    endpointOverBudget: !endpoint.budgetPassed, harmToOthersMs: harm[finding.key] ?? 0, endpointStanding: endpoint.standing
                ))
            }
        }
        return fixes.sorted(by: ranksBefore)
    }

    /// The harm an endpoint's held threads do the others, shared among the findings that hold
    /// them (blocking calls, CPU stalls) by their own savings: each is credited with its part.
    static func harmShares(_ endpoint: EndpointDiagnosis) -> [String: Double] {
        guard let harm = endpoint.harm?.harmMs, harm > 0 else { return [:] }
        let holding = endpoint.findings.filter { $0.kind == .blockingCall || $0.kind == .cpuStall }
        let total = holding.reduce(0) { $0 + max($1.savingMs, 0) }
        var shares: [String: Double] = [:]
        for finding in holding {
            shares[finding.key, default: 0] += total > 0 ? harm * max(finding.savingMs, 0) / total : harm / Double(holding.count)
        }
        return shares
    }

    /// The one order of fixes: endpoints over budget or at its line first, then the credit
    /// (saving plus the harm to other endpoints), then effort; endpoint and finding key make it
    /// total, so two runs that find the same things rank them the same.
    static func ranksBefore(_ a: RankedFix, _ b: RankedFix) -> Bool {
        if a.endpointStanding.atRisk != b.endpointStanding.atRisk { return a.endpointStanding.atRisk }
        if a.creditMs != b.creditMs { return a.creditMs > b.creditMs }
        if a.effort.weight != b.effort.weight { return a.effort.weight < b.effort.weight }
        return (a.endpoint, a.finding.key) < (b.endpoint, b.finding.key)
    }

    struct WinTemplate {
        var kind: Fix.Kind
        var title: String
        var detail: String
        var effort: Effort
    }

    static let templates: [Finding.Kind: WinTemplate] = [
        .missingIndex: WinTemplate(kind: .addIndex, title: "Add the missing index", detail: "One CREATE INDEX turns a scan of the table into a lookup; the statement is in the finding.", effort: .low),
        .selectStar: WinTemplate(kind: .fewerColumns, title: "Select only the columns you use", detail: "Name the columns (or the model's fields) instead of loading every one: less to read, send and decode.", effort: .low),
        .uncompressedResponse: WinTemplate(kind: .compressResponses, title: "Compress large responses", detail: "gzip or brotli for clients that accept it: JSON shrinks to a fifth or less on the wire.", effort: .low),
        .nPlusOne: WinTemplate(kind: .eagerLoad, title: "Load related rows together (eager loading)", detail: "A JOIN or one IN (…) query instead of one query per row.", effort: .medium),
        .manySmallQueries: WinTemplate(kind: .batchQueries, title: "Fewer, bigger queries", detail: batchDetail, effort: .medium),
        .duplicateQueries: WinTemplate(kind: .batchQueries, title: "Fewer, bigger queries", detail: batchDetail, effort: .medium),
        .slowQuery: WinTemplate(kind: .examinePlan, title: "Look at the slow statement's plan", detail: "EXPLAIN shows whether it scans a table an index would spare, or reads more than it needs.", effort: .medium),
        .sequentialCalls: WinTemplate(kind: .runConcurrently, title: "Run independent calls concurrently", detail: "async let or a task group: the request waits for the slowest call, not the sum.", effort: .medium),
        .repeatedCalls: WinTemplate(kind: .cache, title: "Cache repeated reads", detail: "Keep the answer of a repeated GET for its useful lifetime instead of asking again.", effort: .medium),
        .blockingCall: WinTemplate(kind: .offThePool, title: "Move blocking work off the async threads", detail: "Run synchronous I/O on an NIOThreadPool (runIfActive) or use its async API; the cooperative pool has one thread per core.", effort: .medium),
        .cpuStall: WinTemplate(kind: .fasterAlgorithm, title: "Make the hot computation cheaper", detail: "The profile names the function: a better algorithm, a cache of its result, or work moved out of the request.", effort: .high),
    ]

    static let batchDetail = "Fewer round trips: GROUP BY, JOINs and IN (…) lists instead of one query per number or row, and each identical query once per request."

    static func cheapWins(for endpoints: [EndpointDiagnosis], cores: Int) -> [CheapWin] {
        var wins: [Fix.Kind: CheapWin] = [:]
        // Per win and endpoint, the largest saving: two findings on one endpoint that the same
        // change fixes (a GET repeated within and across requests) save it once.
        var savings: [Fix.Kind: [String: Double]] = [:]
        func add(_ template: WinTemplate, endpoint: String, savingMs: Double) {
            var win = wins[template.kind] ?? CheapWin(kind: template.kind, title: template.title, detail: template.detail, endpoints: [], savingMs: 0, effort: template.effort)
            if !win.endpoints.contains(endpoint) { win.endpoints.append(endpoint) }
            savings[template.kind, default: [:]][endpoint] = max(savings[template.kind]?[endpoint] ?? 0, savingMs)
            win.savingMs = savings[template.kind]?.values.reduce(0, +) ?? 0
            wins[template.kind] = win
        }
        for endpoint in endpoints {
            let p95 = endpoint.load.latency.p95Ms
            for finding in endpoint.findings {
                guard let template = templates[finding.kind] else { continue }
                add(template, endpoint: endpoint.name, savingMs: finding.savingMs)
            }
            // Encoding that shows in the profile: a faster encoder, or less to encode.
            if let encoding = endpoint.profile?.hottest.filter({ isJSONEncoding($0.name) }).map(\.totalPercent).max(), encoding >= 15 {
                add(WinTemplate(
                    kind: .fasterJSON, title: "A faster JSON encoder, or less to encode",
                    detail: "JSON encoding took \(Int(saturating: encoding.rounded()))% of the profiled request: encode fewer fields, page the list, or use a faster encoder for hot responses.",
                    effort: .medium
                ), endpoint: endpoint.name, savingMs: p95 * encoding / 100 / 2)
            }
            // CPU-bound while one core does the work: more event-loop threads.
            if let plateau = endpoint.plateau, plateau.cause == .cpuBound, let cpu = plateau.serverCPUPercent, cores > 1, cpu < 130 {
                add(WinTemplate(
                    kind: .moreEventLoops, title: "Use every core",
                    detail: "The server stayed near one core (\(Int(saturating: cpu.rounded()))% of \(cores * 100)%) while throughput stopped growing: give it more event-loop threads or run more instances.",
                    effort: .low
                ), endpoint: endpoint.name, savingMs: p95 / 2)
            }
        }
        return wins.values.sorted { ($0.impactPerEffort, $0.savingMs) > ($1.impactPerEffort, $1.savingMs) }
    }

    static func isJSONEncoding(_ name: String) -> Bool {
        name.contains("JSONEncoder") || name.contains("JSONSerialization") || name.contains("JSONWriter")
            || name.contains("__JSONEncoder") || name.contains("JSONEncoding")
    }
}
