/// The blocking calls a function was caught in, across the requests a report judges. The
/// watchdog sees one call per look (whichever the thread is in then), so a handler that reads a
/// file and then sleeps shows the read in some requests and the sleep in others; the finding
/// names both, so the fix covers every call to move off the pool.
struct BlockingCallsSeen {
    /// Per finding key: each call with how often it was caught, in first-seen order.
    private var calls: [String: [(call: String, times: Int)]] = [:]
    static let kept = 8

    mutating func add(_ finding: Finding) {
        guard case .blockingCall(let evidence) = finding.evidence else { return }
        for call in evidence.blockingCalls ?? evidence.leaf.map({ [$0] }) ?? [] {
            var known = calls[finding.key, default: []]
            if let index = known.firstIndex(where: { $0.call == call }) {
                known[index].times += 1
            } else if known.count < Self.kept {
                known.append((call, 1))
            }
            calls[finding.key] = known
        }
    }

    /// The finding with every blocking call seen for its key, most often caught first.
    func named(_ finding: Finding) -> Finding {
        guard case .blockingCall(var evidence) = finding.evidence, let seen = calls[finding.key], !seen.isEmpty else { return finding }
        let ordered = seen.enumerated().sorted { ($0.element.times, $1.offset) > ($1.element.times, $0.offset) }.map(\.element.call)
        evidence.blockingCalls = ordered
        var named = finding
        named.evidence = .blockingCall(evidence)
        return named
    }
}
