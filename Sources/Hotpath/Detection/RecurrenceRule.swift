/// When a pattern seen in a window's slowest requests is a finding: it must recur in a
/// meaningful share of the window's requests. A single 165 ms query on a route whose p99 is
/// 11 ms is a one-off (a checkpoint, a lock, a cold cache): it is shown as the route's tail
/// evidence, not as something to fix.
///
/// The share is judged on a uniform sample of the window's requests (``MeasuredWindows``),
/// with the same detectors that found the pattern, so "the same pattern" means the same
/// finding key.
///
/// ```swift
/// var configuration = Recorder.Configuration()
/// configuration.recurrence = RecurrenceRule(minimumShare: 0.1)   // in 10 % of requests or more
/// ```
public struct RecurrenceRule: Sendable, Equatable {
    /// Share of the sampled requests the pattern must be seen in.
    public var minimumShare: Double
    /// …and at least this many of them (fewer when the sample is smaller).
    public var minimumRequests: Int

    public init(minimumShare: Double = 0.05, minimumRequests: Int = 2) {
        self.minimumShare = min(max(minimumShare, 0), 1)
        self.minimumRequests = max(1, minimumRequests)
    }

    /// How many of `sampled` requests must show the pattern.
    public func required(of sampled: Int) -> Int {
        guard sampled > 0 else { return 1 }
        let byShare = Int((minimumShare * Double(sampled)).rounded(.up))
        return min(max(byShare, minimumRequests), sampled)
    }

    /// Splits the findings of a window's slowest requests into those that recur in `sample`
    /// (each with its ``Finding/recurrence``) and the one-offs (with theirs).
    func judge(
        _ findings: [Finding], sample: [CompletedRequest], detectors: [any RequestDetector], context: DetectionContext
    ) -> (recurring: [Finding], oneOffs: [Finding]) {
        guard !findings.isEmpty, !sample.isEmpty else { return (findings, []) }
        var seen: [String: Int] = [:]
        var blocking = BlockingCallsSeen()
        for finding in findings { blocking.add(finding) }
        for request in sample {
            var keys = Set<String>()
            for detector in detectors {
                for finding in detector.findings(in: request, context: context) {
                    // A stall caught in a helper counts for its caller's finding (StallFamilies).
                    keys.insert(StallFamilies.key(of: finding, among: findings))
                    blocking.add(finding)
                }
            }
            for key in keys { seen[key, default: 0] += 1 }
        }
        let required = required(of: sample.count)
        var recurring: [Finding] = []
        var oneOffs: [Finding] = []
        for finding in findings {
            var judged = blocking.named(finding)
            let count = seen[finding.key] ?? 0
            judged.recurrence = Recurrence(requests: count, of: sample.count)
            if count >= required { recurring.append(judged) } else { oneOffs.append(judged) }
        }
        return (recurring, oneOffs)
    }
}

extension RecurrenceRule {
    /// While a window's own requests hold pool threads (a recurring blocking call or CPU
    /// stall), its queries wait for a thread to resume on: their time is the stall's, not the
    /// database's. Their slow-query findings go with the one-offs; the stall is the fix, and a
    /// query still slow once it is gone shows in the next measurement.
    static func slowQueriesExplainedByStalls(_ judged: (recurring: [Finding], oneOffs: [Finding])) -> (recurring: [Finding], oneOffs: [Finding]) {
        guard judged.recurring.contains(where: { $0.kind == .blockingCall || $0.kind == .cpuStall }) else { return judged }
        let kept = judged.recurring.filter { $0.kind != .slowQuery }
        let waited = judged.recurring.filter { $0.kind == .slowQuery }.map { finding in
            var setAside = finding
            setAside.recurrence?.waitedForHeldThreads = true
            return setAside
        }
        return (kept, judged.oneOffs + waited)
    }
}
