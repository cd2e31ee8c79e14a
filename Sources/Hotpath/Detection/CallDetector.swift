/// The outbound-call detectors over one request: independent calls awaited one after another,
/// and the same read made more than once. Pure functions over the request's calls, with no
/// knowledge of the client that made them.
public struct CallDetector: RequestDetector {
    public init() {}

    public func findings(in request: CompletedRequest, context: DetectionContext) -> [Finding] {
        guard request.timing.httpCallCount > 1 else { return [] }
        let calls = request.calls.map { Call(event: $0.event, detail: $0.call) }.sorted { $0.start < $1.start }
        guard calls.count > 1 else { return [] }
        var findings = sequentialCalls(calls, request: request, thresholds: context.callThresholds)
        findings += repeatedCalls(calls, thresholds: context.callThresholds)
        return findings.sorted { $0.estimatedSavingNanoseconds > $1.estimatedSavingNanoseconds }
    }

    struct Call {
        var event: RequestEvent
        var detail: CallDetail
        var start: UInt64 { event.startNanoseconds }
        var duration: UInt64 { event.durationNanoseconds }
        var end: UInt64 { event.endNanoseconds }

        /// True when this call's URL or body holds a word that `earlier` returned and did not
        /// merely echo from its own request (an id it was asked about is not news).
        func dependsOn(_ earlier: Call) -> Bool {
            detail.requestTokens.hashes.contains { hash in
                earlier.detail.responseTokens.contains(hash) && !earlier.detail.requestTokens.contains(hash)
            }
        }

        /// The same read again.
        func repeats(_ earlier: Call) -> Bool {
            detail.isRead && earlier.detail.isRead && detail.target != nil && detail.target == earlier.detail.target
        }
    }

    // MARK: - Sequential calls

    /// Runs of calls awaited one after another (no overlap, small gaps), split where a call
    /// visibly needs an earlier one's result; every group that could run concurrently and
    /// would save enough is a finding.
    func sequentialCalls(_ calls: [Call], request: CompletedRequest, thresholds: HTTPCallThresholds) -> [Finding] {
        var findings: [Finding] = []
        for group in Self.independentGroups(calls, maximumGap: thresholds.maximumGapNanoseconds) {
            guard group.count >= max(2, thresholds.minimumSequentialCalls), let first = group.first, let last = group.last else { continue }
            let inSequence = last.end &- first.start
            let longest = group.map(\.duration).max() ?? 0
            let saving = inSequence > longest ? inSequence &- longest : 0
            guard Self.isWorthReporting(saving, of: request.timing.totalNanoseconds, thresholds) else { continue }
            let evidence = SequentialCallsEvidence(
                calls: group.map { CallTiming(call: $0.detail.label, offsetNanoseconds: $0.start &- first.start, durationNanoseconds: $0.duration, callSite: $0.event.callSite) },
                inSequenceNanoseconds: inSequence, longestNanoseconds: longest, requestNanoseconds: request.timing.totalNanoseconds
            )
            findings.append(Finding(
                evidence: .sequentialCalls(evidence), fix: FixAdvice.runConcurrently, estimatedSavingNanoseconds: saving,
                callSite: QueryDetector.mostCommonCallSite(group.map(\.event)),
                subject: group.map(\.detail.label).joined(separator: " → "), count: group.count
            ))
        }
        return findings
    }

    /// Splits the calls into groups each of which could have run concurrently, as far as can
    /// be seen: consecutive, not overlapping, gaps within bounds, and no call using a word
    /// that an earlier call of its group returned (nor repeating an earlier read, which is
    /// the repeated-calls finding's business).
    static func independentGroups(_ calls: [Call], maximumGap: UInt64) -> [[Call]] {
        var groups: [[Call]] = []
        var group: [Call] = []
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

    // MARK: - Repeated calls

    /// The same read of the same URL more than once in one request.
    func repeatedCalls(_ calls: [Call], thresholds: HTTPCallThresholds) -> [Finding] {
        let reads = calls.filter { $0.detail.isRead && $0.detail.target != nil }
        let groups = Dictionary(grouping: reads) { $0.detail.target ?? 0 }
        return groups.values.compactMap { group -> Finding? in
            guard group.count >= max(2, thresholds.repeatedMinimumCount), let first = group.first else { return nil }
            // Every run after the first could have reused the first one's result.
            let wasted = group.dropFirst().reduce(UInt64(0)) { $0 &+ $1.duration }
            let total = group.reduce(UInt64(0)) { $0 &+ $1.duration }
            return Finding(
                evidence: .repeatedCalls(RepeatedCallsEvidence(call: first.detail.label, runs: group.count, totalNanoseconds: total, wastedNanoseconds: wasted)),
                fix: FixAdvice.reuseCallResult, estimatedSavingNanoseconds: wasted,
                callSite: QueryDetector.mostCommonCallSite(group.map(\.event)), subject: first.detail.label, count: group.count
            )
        }
    }
}

/// The same read fetched across many requests of one route: a cache would remove most calls.
///
/// Only repeats that the route's own traffic makes count: when every request that made the
/// call had the same inbound URL (a load test replaying one request), the upstream is asked
/// the same question because the route is asked the same question, which says nothing about
/// real traffic; the finding is then not raised.
public struct RepeatedReadsAcrossRequestsDetector: RouteDetector {
    public init() {}

    public func findings(in window: RouteWindow, context: DetectionContext) -> [Finding] {
        let thresholds = context.callThresholds
        return window.repeatedReads.compactMap { read -> Finding? in
            guard read.calls >= UInt64(max(2, thresholds.acrossRequestsMinimumCount)), read.requests >= 2,
                read.distinctInboundTargets >= thresholds.acrossRequestsMinimumInboundTargets
            else { return nil }
            let observed = max(read.observedNanoseconds, 1_000_000_000)
            let perSecond = Double(read.calls) / (Double(observed) / 1e9)
            let average = read.totalNanoseconds / max(read.calls, 1)
            let perRequest = Double(read.calls) / Double(max(read.requests, 1))
            let evidence = RepeatedCallsEvidence(
                call: read.call, runs: Int(clamping: read.calls), totalNanoseconds: read.totalNanoseconds, wastedNanoseconds: read.totalNanoseconds,
                acrossRequests: .init(
                    requests: Int(clamping: read.requests), windowSeconds: read.windowSeconds, perSecond: perSecond,
                    averageNanoseconds: average, perRequest: perRequest, distinctInboundTargets: read.distinctInboundTargets
                )
            )
            return Finding(
                evidence: .repeatedCalls(evidence), fix: FixAdvice.cacheAcrossRequests(perSecond: perSecond),
                estimatedSavingNanoseconds: UInt64(Double(average) * perRequest), callSite: read.callSite,
                subject: read.call + " (across requests)", count: Int(clamping: read.calls)
            )
        }
    }
}
