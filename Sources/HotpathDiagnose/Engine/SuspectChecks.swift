import Hotpath
import HotpathLoad

/// The method's suspects, checked in its order on one endpoint, from what was seen: the
/// server's findings and averages (inside view), what its Hotpath can see (the manifest), the
/// ramp's plateau and the profile. A suspect is clear only when what would show it was there.
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

    /// One line each on how to let the server's Hotpath see a suspect.
    static let enableQueries = "wrap the database: HotpathSQLDatabase (SQLKit), HotpathPostgresClient, or .hotpath(…) around a Fluent configuration (HotpathFluent)"
    static let enableCalls = "record outbound calls: HotpathHTTPClient around the HTTPClient, or HotpathTracer as AsyncHTTPClient's tracer"
    static let enableWatchdog = "start a Watchdog(recorder:) (HotpathWatchdog) to see threads held by blocking or computing requests"
    static let enableProfile = "give the middleware a RequestProfiling (?profile=1), or start a Watchdog(recorder:)"

    static func check(
        findings: [Finding], breakdown: TimeBreakdown?, plateau: RampPlateau?, profile: ProfileSummary?, bytesPerResponse: Double,
        manifest: InstrumentationManifest?
    ) -> [SuspectCheck] {
        SuspectCheck.Suspect.allCases.map { suspect in
            let found = findings.filter { kinds[suspect]?.contains($0.kind) == true }
            if !found.isEmpty {
                let summary = found.map { FindingText.title($0).description }.joined(separator: "; ")
                return SuspectCheck(suspect: suspect, status: .found, summary: summary, findingKinds: found.map(\.kind))
            }
            return clearOrUnknown(suspect, breakdown: breakdown, plateau: plateau, profile: profile, bytesPerResponse: bytesPerResponse, manifest: manifest)
        }
    }

    private static func clearOrUnknown(
        _ suspect: SuspectCheck.Suspect, breakdown: TimeBreakdown?, plateau: RampPlateau?, profile: ProfileSummary?,
        bytesPerResponse: Double, manifest: InstrumentationManifest?
    ) -> SuspectCheck {
        let outside = SuspectCheck(suspect: suspect, status: .unknown, summary: "not visible from the outside", unseen: .outsideView)
        switch suspect {
        case .database:
            guard let manifest, let breakdown else { return outside }
            guard manifest.queries.installed else {
                return SuspectCheck(suspect: suspect, status: .unknown, summary: "no SQL capture installed: queries, if any, were not seen", unseen: .captureMissing, enable: enableQueries)
            }
            if breakdown.queries == 0 { return SuspectCheck(suspect: suspect, status: .clear, summary: "no queries") }
            return SuspectCheck(suspect: suspect, status: .clear, summary: "\(counted(breakdown.queries, "query", "queries")), \(ms(breakdown.databaseMs)) per request: no problem shape")
        case .externalHTTP:
            guard let manifest, let breakdown else { return outside }
            guard manifest.calls.installed else {
                return SuspectCheck(suspect: suspect, status: .unknown, summary: "no outbound-call capture installed: calls, if any, were not seen", unseen: .captureMissing, enable: enableCalls)
            }
            if breakdown.httpCalls == 0 { return SuspectCheck(suspect: suspect, status: .clear, summary: "no outbound calls") }
            return SuspectCheck(suspect: suspect, status: .clear, summary: "\(counted(breakdown.httpCalls, "call", "calls")), \(ms(breakdown.httpMs)) per request, concurrent or dependent")
        case .blocking:
            if let plateau, plateau.cause == .waiting {
                return SuspectCheck(suspect: suspect, status: .found, summary: plateau.message)
            }
            guard let manifest else {
                return SuspectCheck(suspect: suspect, status: .unknown, summary: plateau == nil ? "no plateau seen; blocked threads are not visible from the outside" : "not visible from the outside", unseen: .outsideView)
            }
            guard manifest.stalls.installed, let threshold = manifest.stallThresholdMilliseconds else {
                return SuspectCheck(suspect: suspect, status: .unknown, summary: "no watchdog running: blocked threads were not looked for", unseen: .captureMissing, enable: enableWatchdog)
            }
            return SuspectCheck(suspect: suspect, status: .clear, summary: "no worker thread held for \(number(threshold)) ms or more")
        case .cpu:
            if let plateau, plateau.cause == .cpuBound {
                return SuspectCheck(suspect: suspect, status: .found, summary: plateau.message)
            }
            guard let manifest, let breakdown else { return outside }
            var seen: [String] = []
            if manifest.stalls.installed, let threshold = manifest.stallThresholdMilliseconds {
                seen.append("no thread computing for \(number(threshold)) ms or more")
            }
            if let top = profile?.hottest.first(where: { !$0.isLibrary }) ?? profile?.hottest.first {
                seen.append("hottest in the profile: \(top.name) (\(Int(saturating: top.selfPercent.rounded()))% self)")
            }
            guard !seen.isEmpty else {
                return SuspectCheck(
                    suspect: suspect, status: .unknown,
                    summary: "app time \(ms(breakdown.appMs)) per request; no watchdog and no profile to tell computing from waiting",
                    unseen: .captureMissing, enable: enableProfile
                )
            }
            return SuspectCheck(suspect: suspect, status: .clear, summary: "app time \(ms(breakdown.appMs)) per request, " + seen.joined(separator: "; "))
        case .response:
            let size = ByteText.format(Int(saturating: bytesPerResponse))
            return SuspectCheck(suspect: suspect, status: .clear, summary: "\(size) per response as sent")
        }
    }

    static func ms(_ value: Double) -> String { DurationText.format(nanoseconds: value * 1e6) }
    /// "1 query", "2.5 queries".
    static func counted(_ value: Double, _ one: String, _ many: String) -> String {
        "\(number(value)) \(value == 1 ? one : many)"
    }
    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(saturating: value)) : DecimalText.fixed(value, fractionDigits: 1)
    }
}
