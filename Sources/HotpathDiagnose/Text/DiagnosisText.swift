import Hotpath
import HotpathLoad

/// The diagnosis as plain text for a terminal: the fix to make first, every endpoint against
/// the budget, then per endpoint over budget (or with findings) the suspects in the method's
/// order with evidence and fixes, then the cheap wins.
public enum DiagnosisText {
    public static func render(_ diagnosis: Diagnosis, evidenceLines: Int = 4) -> String {
        var out: [String] = []
        let over = diagnosis.endpoints.filter { !$0.budgetPassed }.count
        out.append("Hotpath diagnosis of \(diagnosis.target): \(diagnosis.endpoints.count) endpoints, budget \(diagnosis.budget), \(over) over budget")
        for spot in diagnosis.blindSpots { out.append("  ! \(spot)") }
        out.append("")
        if let first = diagnosis.fixFirst {
            out.append("Fix this first: \(first.endpoint): \(first.title)")
            out.append("  → \(first.fix)")
            out.append("  saves about \(ms(first.savingMs)) per request" + (first.callSite.map { " (\($0))" } ?? ""))
        } else if diagnosis.view == .inside {
            out.append("Nothing to fix: no suspect found on any endpoint.")
        }
        out.append("")
        out += endpointTable(diagnosis.endpoints)

        for endpoint in diagnosis.endpoints where !endpoint.budgetPassed || !endpoint.findings.isEmpty || endpoint.plateau != nil {
            out.append("")
            out += section(endpoint, evidenceLines: evidenceLines)
        }

        if !diagnosis.cheapWins.isEmpty {
            out.append("")
            out.append("Cheap wins, by expected impact per effort:")
            for (index, win) in diagnosis.cheapWins.enumerated() {
                out.append("  \(index + 1). \(win.title) (\(win.effort.rawValue) effort, about \(ms(win.savingMs)) per request): \(win.endpoints.joined(separator: ", "))")
                out.append("     \(win.detail)")
            }
        }
        out.append("")
        if diagnosis.budgetPassed {
            out.append("Budget \(diagnosis.budget): met by every endpoint.")
        } else {
            out.append("Budget \(diagnosis.budget): FAILED by \(over) of \(diagnosis.endpoints.count) endpoints.")
        }
        out.append("Diagnosed in \(DecimalText.fixed(diagnosis.elapsedSeconds, fractionDigits: 1)) s.")
        return out.joined(separator: "\n") + "\n"
    }

    static func endpointTable(_ endpoints: [EndpointDiagnosis]) -> [String] {
        let width = max(endpoints.map(\.name.count).max() ?? 8, 8)
        var lines = ["  " + pad("endpoint", width, left: true) + pad("p50", 10) + pad("p95", 10) + pad("p99", 10) + pad("req/s", 9) + "   " + pad("feel (p95)", 12, left: true) + "budget  findings"]
        for endpoint in endpoints {
            let latency = endpoint.load.latency.percentilesMs
            lines.append(
                "  " + pad(endpoint.name, width, left: true) + pad(ms(latency["p50"] ?? 0), 10) + pad(ms(latency["p95"] ?? 0), 10)
                    + pad(ms(latency["p99"] ?? 0), 10) + pad(DecimalText.fixed(endpoint.load.summary.requestsPerSecond, fractionDigits: 1), 9)
                    + "   " + pad(endpoint.feel.rawValue, 12, left: true) + pad(endpoint.budgetPassed ? "ok" : "OVER", 6, left: true) + "  "
                    + (endpoint.findings.isEmpty ? "-" : endpoint.findings.map(\.kind.rawValue).joined(separator: ", "))
            )
        }
        return lines
    }

    static func section(_ endpoint: EndpointDiagnosis, evidenceLines: Int) -> [String] {
        let latency = endpoint.load.latency.percentilesMs
        let verdict = endpoint.budgetPassed ? "within budget" : "OVER budget"
        var lines = [
            "\(endpoint.name) (\(endpoint.path)): \(verdict), p95 \(ms(latency["p95"] ?? 0)) (\(endpoint.feel.meaning)), \(DecimalText.fixed(endpoint.load.summary.requestsPerSecond, fractionDigits: 1)) req/s at \(endpoint.load.config.connections) connections",
        ]
        if let breakdown = endpoint.breakdown {
            lines.append("  where the time goes (average): database \(ms(breakdown.databaseMs)) in \(SuspectChecks.counted(breakdown.queries, "query", "queries")), outbound HTTP \(ms(breakdown.httpMs)) in \(SuspectChecks.counted(breakdown.httpCalls, "call", "calls")), app \(ms(breakdown.appMs))")
        }
        for (index, check) in endpoint.suspects.enumerated() {
            let mark = switch check.status {
            case .found: "FOUND"
            case .clear: "clear"
            case .unknown: "  ?  "
            }
            lines.append("  \(index + 1). \(pad(check.suspect.title, 28, left: true)) \(mark)  \(check.status == .found && !check.findingKinds.isEmpty ? "" : check.summary)")
            for finding in endpoint.findings where check.findingKinds.contains(finding.kind) {
                lines.append("       \(finding.title)")
                for line in finding.evidence.prefix(evidenceLines) { lines.append("         · \(line)") }
                if let plan = finding.plan, let first = plan.first { lines.append("         · plan: \(first)") }
                if let site = finding.callSite { lines.append("         · at \(site)") }
                lines.append("       fix: \(finding.fix)")
                lines.append("       saves about \(ms(FixRanking.savingMs(finding, p95Ms: latency["p95"] ?? 0))) per request")
            }
        }
        if let profile = endpoint.profile, !profile.hottest.isEmpty {
            lines.append("  profile of one request (\(ms(profile.durationMs)), of which \(ms(profile.cpuMs)) on CPU; \(profile.sampleCount) samples\(profile.location.map { ", \($0)" } ?? "")): hottest functions")
            for function in profile.hottest.prefix(5) {
                lines.append("    \(pad(DecimalText.fixed(function.selfPercent, fractionDigits: 1) + "%", 7)) self \(pad(DecimalText.fixed(function.totalPercent, fractionDigits: 1) + "%", 7)) total  \(function.name)" + (function.location.map { "  \($0)" } ?? ""))
            }
        }
        if let reason = endpoint.profileNotTaken {
            lines.append("  profile not taken: \(reason)")
        }
        if let ramp = endpoint.ramp, !ramp.isEmpty {
            let steps = ramp.map { "\($0.connections) conn: \(DecimalText.fixed($0.requestsPerSecond, fractionDigits: 1)) req/s, p99 \(ms($0.p99Ms))" + ($0.serverCPUPercent.map { ", CPU \(Int($0.rounded()))%" } ?? "") }
            lines.append("  ramp: " + steps.joined(separator: " → "))
            if let plateau = endpoint.plateau { lines.append("    \(plateau.message)") }
        }
        return lines
    }

    /// The "measure again" table: p95 and p99 before → after per endpoint, with verdicts.
    public static func renderComparison(_ comparisons: [EndpointComparison], title: String = "Measure again: before → after") -> String {
        let width = max(comparisons.map(\.endpoint.count).max() ?? 8, 8)
        var lines = [title, "  " + pad("endpoint", width, left: true) + pad("p95 before", 12) + pad("after", 10) + pad("change", 9) + pad("req/s before", 14) + pad("after", 9) + pad("bytes/resp", 22) + "   verdict"]
        for comparison in comparisons {
            let p95 = comparison.change("p95")
            let rate = comparison.change("req/s")
            let bytes = ByteText.format(Int(comparison.bytesPerResponseBefore)) + " → " + ByteText.format(Int(comparison.bytesPerResponseAfter))
            lines.append(
                "  " + pad(comparison.endpoint, width, left: true) + pad(ms(p95?.before ?? 0), 12) + pad(ms(p95?.after ?? 0), 10)
                    + pad(p95.map { percent($0.changePercent) } ?? "-", 9)
                    + pad(DecimalText.fixed(rate?.before ?? 0, fractionDigits: 1), 14) + pad(DecimalText.fixed(rate?.after ?? 0, fractionDigits: 1), 9)
                    + pad(bytes, 22) + "   " + comparison.verdict.rawValue
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// "+12.3%" / "-4.0%".
    public static func percent(_ value: Double) -> String {
        (value >= 0 ? "+" : "") + DecimalText.fixed(value, fractionDigits: 1) + "%"
    }

    static func ms(_ value: Double) -> String {
        value >= 1000 ? DecimalText.fixed(value / 1000, fractionDigits: 2) + " s"
            : value >= 100 ? DecimalText.fixed(value, fractionDigits: 0) + " ms"
            : DecimalText.fixed(value, fractionDigits: 1) + " ms"
    }

    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(width - text.count, 0))
        return left ? text + padding : padding + text
    }
}
