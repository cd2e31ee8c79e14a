/// CPU stalls of one loop, caught in different functions. The watchdog sees the thread where
/// it is at one instant: in the hot loop's function in one request, in a small helper it calls
/// in the next, back in the route's closure in a third (`Roster.doubleBookingsComparingEveryPair()`,
/// `Booking.overlaps(_:)`, `closure #1 in ScheduleRoutes.register(on:)`). Separate findings
/// would split the requests between them (each then looks rare to the recurrence rule) and the
/// ranking would count one problem several times.
///
/// Stalls whose functions all lie on one stack (each is the caller of the other) are one
/// family, named after the function it was caught in most often (the deeper one on a tie),
/// counted over the window's sample as well as its slowest requests: in ClinicDesk the loop
/// (about half the requests), not its helper nor the closure (a quarter each, a share that
/// varies from run to run). Stalls on different branches (two hot functions the closure
/// calls) stay apart. Stalls on
/// different branches (two hot functions the closure calls) stay apart.
enum StallFamilies {
    /// The app functions of a CPU stall's call site, innermost first.
    static func chain(of finding: Finding) -> [String] {
        guard finding.kind == .cpuStall else { return [] }
        return finding.callSite?.frames.compactMap(\.function) ?? []
    }

    /// One was caught inside the other (the same stack, at different depths).
    static func nested(_ a: Finding, _ b: Finding) -> Bool {
        let (first, second) = (chain(of: a), chain(of: b))
        guard let innerA = first.first, let innerB = second.first else { return false }
        return second.contains(innerA) || first.contains(innerB)
    }

    /// The key a finding seen in one request counts under among a route's `findings` (already
    /// merged): the CPU-stall finding on the same stack as it, or its own.
    static func key(of finding: Finding, among findings: [Finding]) -> String {
        guard finding.kind == .cpuStall, !findings.contains(where: { $0.key == finding.key }) else { return finding.key }
        return findings.first { $0.kind == .cpuStall && nested($0, finding) }?.key ?? finding.key
    }

    /// `findings` with each family of CPU stalls made one finding: the member seen in the most
    /// requests, with the largest saving and the slowest examples of all.
    /// - Parameter seenIn: per finding key, the requests it was seen in.
    static func merged(_ findings: [Finding], seenIn: [String: Int]) -> [Finding] {
        let stalls = findings.indices.filter { findings[$0].kind == .cpuStall && !chain(of: findings[$0]).isEmpty }
        // Families: stalls joined while every pair is nested; a stall nested with two that are
        // not nested with each other (the closure above two hot functions) joins none.
        var families: [[Int]] = []
        for index in stalls {
            let joinable = families.indices.filter { family in families[family].allSatisfy { nested(findings[$0], findings[index]) } }
            let touching = families.indices.filter { family in families[family].contains { nested(findings[$0], findings[index]) } }
            if joinable.count == 1, touching.count == 1 {
                families[joinable[0]].append(index)
            } else if touching.isEmpty {
                families.append([index])
            } else {
                families.append([index])  // ambiguous: stays on its own
            }
        }
        var merged = findings
        var dropped = Set<Int>()
        for family in families where family.count > 1 {
            let head = family.max { a, b in
                let (seenA, seenB) = (seenIn[findings[a].key] ?? 0, seenIn[findings[b].key] ?? 0)
                if seenA != seenB { return seenA < seenB }
                let (depthA, depthB) = (chain(of: findings[a]).count, chain(of: findings[b]).count)
                if depthA != depthB { return depthA < depthB }
                return findings[a].key > findings[b].key
            } ?? family[0]
            for member in family where member != head {
                merged[head].estimatedSavingNanoseconds = max(merged[head].estimatedSavingNanoseconds, findings[member].estimatedSavingNanoseconds)
                var seen = Set(merged[head].examples.map(\.request))
                for example in findings[member].examples where seen.insert(example.request).inserted { merged[head].examples.append(example) }
                dropped.insert(member)
            }
            merged[head].examples = Array(merged[head].examples.sorted { $0.durationNanoseconds > $1.durationNanoseconds }.prefix(5))
        }
        return merged.indices.filter { !dropped.contains($0) }.map { merged[$0] }
    }
}
