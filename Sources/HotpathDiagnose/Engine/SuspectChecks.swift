import Hotpath
import HotpathLoad

/// The method's suspects, checked in its order on one endpoint, from what was seen: the
/// server's findings and averages (inside view), the ramp's plateau and the profile.
enum SuspectChecks {
    static let kinds: [SuspectCheck.Suspect: [Finding.Kind]] = [
        .database: [.nPlusOne, .missingIndex, .selectStar, .manySmallQueries, .duplicateQueries, .slowQuery],
        .externalHTTP: [.sequentialCalls, .repeatedCalls],
        .blocking: [.blockingCall],
        .cpu: [.cpuStall],
        .response: [.uncompressedResponse],
    ]

    static func suspect(of kind: Finding.Kind) -> SuspectCheck.Suspect {
        kinds.first { $0.value.contains(kind) }?.key ?? .cpu
    }

    static func check(
        findings: [Finding], breakdown: TimeBreakdown?, plateau: RampPlateau?, profile: ProfileSummary?, bytesPerResponse: Double,
        inside: Bool
    ) -> [SuspectCheck] {
        SuspectCheck.Suspect.allCases.map { suspect in
            let found = findings.filter { kinds[suspect]?.contains($0.kind) == true }
            if !found.isEmpty {
                let summary = found.map(\.title).joined(separator: "; ")
                return SuspectCheck(suspect: suspect, status: .found, summary: summary, findingKinds: found.map(\.kind))
            }
            return clearOrUnknown(suspect, breakdown: breakdown, plateau: plateau, profile: profile, bytesPerResponse: bytesPerResponse, inside: inside)
        }
    }

    private static func clearOrUnknown(
        _ suspect: SuspectCheck.Suspect, breakdown: TimeBreakdown?, plateau: RampPlateau?, profile: ProfileSummary?,
        bytesPerResponse: Double, inside: Bool
    ) -> SuspectCheck {
        switch suspect {
        case .database:
            guard inside, let breakdown else { return SuspectCheck(suspect: suspect, status: .unknown, summary: "not visible from the outside") }
            if breakdown.queries == 0 { return SuspectCheck(suspect: suspect, status: .clear, summary: "no queries") }
            return SuspectCheck(suspect: suspect, status: .clear, summary: "\(counted(breakdown.queries, "query", "queries")), \(ms(breakdown.databaseMs)) per request: no problem shape")
        case .externalHTTP:
            guard inside, let breakdown else { return SuspectCheck(suspect: suspect, status: .unknown, summary: "not visible from the outside") }
            if breakdown.httpCalls == 0 { return SuspectCheck(suspect: suspect, status: .clear, summary: "no outbound calls") }
            return SuspectCheck(suspect: suspect, status: .clear, summary: "\(counted(breakdown.httpCalls, "call", "calls")), \(ms(breakdown.httpMs)) per request, concurrent or dependent")
        case .blocking:
            if let plateau, plateau.cause == .waiting {
                return SuspectCheck(suspect: suspect, status: .found, summary: plateau.message)
            }
            guard inside else {
                return SuspectCheck(suspect: suspect, status: .unknown, summary: plateau == nil ? "no plateau seen; blocked threads are not visible from the outside" : "not visible from the outside")
            }
            return SuspectCheck(suspect: suspect, status: .clear, summary: "no worker thread held for 20 ms or more")
        case .cpu:
            if let plateau, plateau.cause == .cpuBound {
                return SuspectCheck(suspect: suspect, status: .found, summary: plateau.message)
            }
            guard inside, let breakdown else { return SuspectCheck(suspect: suspect, status: .unknown, summary: "not visible from the outside") }
            var summary = "app time \(ms(breakdown.appMs)) per request, no thread computing for 20 ms or more"
            if let top = profile?.hottest.first(where: { !$0.isLibrary }) ?? profile?.hottest.first {
                summary += "; hottest in the profile: \(top.name) (\(Int(top.selfPercent.rounded()))% self)"
            }
            return SuspectCheck(suspect: suspect, status: .clear, summary: summary)
        case .response:
            let size = ByteText.format(Int(bytesPerResponse))
            return SuspectCheck(suspect: suspect, status: .clear, summary: "\(size) per response as sent")
        }
    }

    static func ms(_ value: Double) -> String { DurationText.format(nanoseconds: value * 1e6) }
    /// "1 query", "2.5 queries".
    static func counted(_ value: Double, _ one: String, _ many: String) -> String {
        "\(number(value)) \(value == 1 ? one : many)"
    }
    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : DecimalText.fixed(value, fractionDigits: 1)
    }
}
