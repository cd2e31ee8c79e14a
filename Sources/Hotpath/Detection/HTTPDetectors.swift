/// The outbound-call detectors: pure functions over one request's `.http` events, no
/// knowledge of the client that made them.
public enum HTTPDetectors {
    public static func findings(in request: CompletedRequest, thresholds: HTTPCallThresholds = HTTPCallThresholds()) -> [Finding] {
        guard request.timing.httpCallCount > 1 else { return [] }
        let calls = request.events.filter { $0.kind == .http }.map(HTTPCall.init).sorted { $0.start < $1.start }
        guard calls.count > 1 else { return [] }
        var findings = sequentialCalls(calls, request: request, thresholds: thresholds)
        findings += repeatedCalls(calls, thresholds: thresholds)
        return findings.sorted { $0.estimatedSavingNanoseconds > $1.estimatedSavingNanoseconds }
    }

    // MARK: - Sequential calls

    /// Runs of calls awaited one after another (no overlap, small gaps), split where a call
    /// visibly needs an earlier one's result; every group that could run concurrently and
    /// would save enough is a finding.
    static func sequentialCalls(_ calls: [HTTPCall], request: CompletedRequest, thresholds: HTTPCallThresholds) -> [Finding] {
        var findings: [Finding] = []
        for group in independentGroups(calls, maximumGap: thresholds.maximumGapNanoseconds) {
            guard group.count >= max(2, thresholds.minimumSequentialCalls),
                let first = group.first, let last = group.last
            else { continue }
            let inSequence = last.end &- first.start
            let longest = group.map(\.duration).max() ?? 0
            let saving = inSequence > longest ? inSequence &- longest : 0
            guard isWorthReporting(saving, of: request.timing.totalNanoseconds, thresholds) else { continue }
            findings.append(sequentialFinding(group, inSequence: inSequence, longest: longest, saving: saving, request: request))
        }
        return findings
    }

    /// Splits the calls into groups each of which could have run concurrently, as far as can
    /// be seen: consecutive, not overlapping, gaps within bounds, and no call using a word
    /// that an earlier call of its group returned (nor repeating an earlier GET, which is
    /// the repeated-calls finding's business).
    static func independentGroups(_ calls: [HTTPCall], maximumGap: UInt64) -> [[HTTPCall]] {
        var groups: [[HTTPCall]] = []
        var group: [HTTPCall] = []
        var latestEnd: UInt64 = 0
        for call in calls {
            let sequential = !group.isEmpty && call.start >= latestEnd && call.start &- latestEnd <= maximumGap
            if !sequential || group.contains(where: { call.dependsOn($0) || call.repeats($0) }) {
                if group.count > 1 { groups.append(group) }
                group = []
            }
            group.append(call)
            latestEnd = max(latestEnd, call.end)
        }
        if group.count > 1 { groups.append(group) }
        return groups
    }

    static func isWorthReporting(_ saving: UInt64, of total: UInt64, _ thresholds: HTTPCallThresholds) -> Bool {
        guard saving >= thresholds.smallestSavingNanoseconds else { return false }
        if saving >= thresholds.minimumSavingNanoseconds { return true }
        return total > 0 && Double(saving) >= Double(total) * thresholds.minimumSavingShare
    }

    static func sequentialFinding(
        _ group: [HTTPCall], inSequence: UInt64, longest: UInt64, saving: UInt64, request: CompletedRequest
    ) -> Finding {
        let total = request.timing.totalNanoseconds
        let share = total > 0 ? Int((Double(saving) / Double(total) * 100).rounded()) : 0
        let site = QueryDetectors.mostCommonCallSite(group.map(\.event))
        var evidence = waterfall(group)
        evidence.append("in sequence: \(ms(inSequence)); concurrently: about \(ms(longest)) (the longest call)")
        evidence.append("saving: about \(ms(saving)), \(share)% of the request (\(ms(total)))")
        evidence.append("independent as far as can be seen: no call's URL or body uses a word an earlier one returned")
        let sites = Set(group.compactMap(\.event.callSite))
        if sites.count > 1 { evidence.append("called from \(sites.sorted().joined(separator: ", "))") }
        return Finding(
            kind: .sequentialCalls,
            title: "Sequential calls: \(group.count) independent calls awaited one after another\(site.map { " from \($0)" } ?? "") (could save \(ms(saving)))",
            evidence: evidence,
            fix: "Start them together and await them once: `async let a = client.get(…); async let b = client.get(…); let (x, y) = try await (a, b)`, or `withThrowingTaskGroup` for a list of calls. The request then waits for the slowest call, not the sum.",
            estimatedSavingNanoseconds: saving,
            callSite: site,
            fingerprint: group.map(\.event.name).joined(separator: " → "),
            count: group.count
        )
    }

    /// One line per call: offset from the first call, duration, a text bar, name, call site.
    static func waterfall(_ group: [HTTPCall]) -> [String] {
        guard let first = group.first, let last = group.last else { return [] }
        let span = max(last.end &- first.start, 1)
        let width = 30
        return group.map { call in
            let offset = call.start &- first.start
            let lead = Int(Double(offset) / Double(span) * Double(width))
            let length = max(1, Int((Double(call.duration) / Double(span) * Double(width)).rounded()))
            let bar = String(repeating: " ", count: min(lead, width - 1)) + String(repeating: "█", count: min(length, width - min(lead, width - 1)))
            let padded = bar + String(repeating: " ", count: max(0, width - bar.count))
            let site = call.event.callSite.map { " (\($0))" } ?? ""
            // Fixed-width columns so the bars line up in a monospaced report.
            let start = "+" + (offset == 0 ? "0ms" : ms(offset))
            let duration = ms(call.duration)
            let columns = start + String(repeating: " ", count: max(1, 10 - start.count))
                + String(repeating: " ", count: max(0, 9 - duration.count)) + duration
            return "\(columns) |\(padded)| \(call.event.name)\(site)"
        }
    }

    // MARK: - Repeated calls

    /// The same GET to the same URL more than once in one request.
    static func repeatedCalls(_ calls: [HTTPCall], thresholds: HTTPCallThresholds) -> [Finding] {
        let gets = calls.filter { $0.method == "GET" && $0.urlHash != nil }
        let groups = Dictionary(grouping: gets) { $0.urlHash ?? "" }
        return groups.values.compactMap { group -> Finding? in
            guard group.count >= max(2, thresholds.repeatedMinimumCount), let first = group.first else { return nil }
            let extra = group.count - 1
            // Every run after the first could have reused the first one's result.
            let wasted = group.dropFirst().reduce(UInt64(0)) { $0 &+ $1.duration }
            let total = group.reduce(UInt64(0)) { $0 &+ $1.duration }
            let site = QueryDetectors.mostCommonCallSite(group.map(\.event))
            return Finding(
                kind: .repeatedCalls,
                title: "Repeated call: `\(first.event.name)` ran \(group.count) times in one request (\(extra) extra)",
                evidence: [
                    "the same URL (query included) fetched \(group.count) times, \(ms(total)) in total",
                    "\(ms(wasted)) spent on the repeats",
                ],
                fix: "Fetch it once and reuse the result within the request (pass it down, or memoise it for the request); if it changes rarely, cache it for a few seconds across requests.",
                estimatedSavingNanoseconds: wasted,
                callSite: site,
                fingerprint: first.event.name,
                count: group.count
            )
        }
    }

    static func ms(_ nanoseconds: UInt64) -> String { DurationText.format(nanoseconds: Double(nanoseconds)) }
}

/// A `.http` event with the attributes the detectors read, decoded once.
struct HTTPCall {
    var event: RequestEvent
    var start: UInt64 { event.startNanoseconds }
    var duration: UInt64 { event.durationNanoseconds }
    var end: UInt64 { event.startNanoseconds &+ event.durationNanoseconds }
    var method: String
    var urlHash: String?
    var requestTokens: HTTPTokenSet
    var responseTokens: HTTPTokenSet

    init(_ event: RequestEvent) {
        self.event = event
        let attributes = event.attributes
        method = attributes?[HTTPCallAttributes.method]
            ?? event.name.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
        urlHash = attributes?[HTTPCallAttributes.urlHash]
        requestTokens = attributes?[HTTPCallAttributes.requestTokens].map(HTTPTokenSet.init(encoded:)) ?? HTTPTokenSet()
        responseTokens = attributes?[HTTPCallAttributes.responseTokens].map(HTTPTokenSet.init(encoded:)) ?? HTTPTokenSet()
    }

    /// True when this call's URL or body holds a word that `earlier` returned and did not
    /// merely echo from its own request (an id it was asked about is not news).
    func dependsOn(_ earlier: HTTPCall) -> Bool {
        requestTokens.hashes.contains { hash in
            earlier.responseTokens.contains(hash) && !earlier.requestTokens.contains(hash)
        }
    }

    /// The same GET again.
    func repeats(_ earlier: HTTPCall) -> Bool {
        method == "GET" && earlier.method == "GET" && urlHash != nil && urlHash == earlier.urlHash
    }
}
