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
        if let incomplete = diagnosis.incomplete {
            out.append("  ⚠ Incomplete: \(incomplete.detail)")
            if !incomplete.notMeasured.isEmpty { out.append("    not measured: \(incomplete.notMeasured.joined(separator: ", "))") }
        }
        out.append("")
        if let first = diagnosis.fixFirst {
            out.append("Fix this first: \(first.endpoint): \(FindingText.title(first.finding))")
            out.append("  → \(FindingText.fix(first.finding))")
            let site = first.callSite.flatMap { $0.isKnown ? " (\($0.chain()))" : nil } ?? ""
            out.append("  saves about \(ms(first.savingMs)) per request" + site)
            if first.harmToOthersMs > 0 { out.append("  and about \(ms(first.harmToOthersMs)) on each request of the other endpoints while it runs (threads it holds)") }
        } else if diagnosis.view == .inside {
            let unseen = unseenSuspects(diagnosis)
            if unseen.isEmpty {
                out.append("Nothing to fix: no suspect found on any endpoint.")
            } else {
                out.append("No finding, but the server's Hotpath could not see everything:")
                for (suspect, enable) in unseen { out.append("  ? \(suspect.title): \(enable)") }
            }
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

    /// One finding: its title, evidence (and waterfall), where, the fix with its code, the saving.
    static func findingLines(_ finding: Finding, evidenceLines: Int) -> [String] {
        var lines = ["       \(FindingText.title(finding))"]
        if case .sequentialCalls(let evidence) = finding.evidence {
            for line in FindingText.waterfall(evidence) { lines.append("         · \(line)") }
        }
        for line in FindingText.evidence(finding).prefix(evidenceLines) { lines.append("         · \(line)") }
        if case .missingIndex(let evidence) = finding.evidence, let first = evidence.advice.plan.first { lines.append("         · plan: \(first)") }
        if let site = finding.callSite, site.isKnown { lines.append("         · at \(site.chain())") }
        lines.append("       fix: \(FindingText.fix(finding))")
        for snippet in finding.fix.snippets.dropFirst(finding.fix.snippets.first?.code.contains("\n") == false ? 1 : 0) {
            for codeLine in snippet.code.split(separator: "\n", omittingEmptySubsequences: false) { lines.append("           \(codeLine)") }
        }
        lines.append("       saves about \(ms(finding.savingMs)) per request")
        return lines
    }

    /// Suspects no endpoint could see because a capture is missing, with how to enable each.
    static func unseenSuspects(_ diagnosis: Diagnosis) -> [(SuspectCheck.Suspect, String)] {
        var seen: Set<SuspectCheck.Suspect> = []
        var unseen: [(SuspectCheck.Suspect, String)] = []
        for endpoint in diagnosis.endpoints {
            for check in endpoint.suspects where check.unseen == .captureMissing {
                guard let enable = check.enable, seen.insert(check.suspect).inserted else { continue }
                unseen.append((check.suspect, enable))
            }
        }
        return unseen
    }

    static func endpointTable(_ endpoints: [EndpointDiagnosis]) -> [String] {
        let width = max(endpoints.map(\.name.count).max() ?? 8, 8)
        var lines = ["  " + pad("endpoint", width, left: true) + pad("p50", 10) + pad("p95", 10) + pad("p99", 10) + pad("req/s", 9) + pad("errors", 8) + "   " + pad("feel (p95)", 12, left: true) + "budget  findings"]
        for endpoint in endpoints {
            let latency = endpoint.load.latency
            // Nothing answered: no latency to show, and never "instant".
            let answered = latency.count > 0
            let percentile = { (value: Double) in answered ? ms(value) : "-" }
            lines.append(
                "  " + pad(endpoint.name, width, left: true) + pad(percentile(latency.p50Ms), 10) + pad(percentile(latency.p95Ms), 10)
                    + pad(percentile(latency.p99Ms), 10) + pad(DecimalText.fixed(endpoint.load.summary.requestsPerSecond, fractionDigits: 1), 9)
                    + pad(errorShare(endpoint.load.summary), 8)
                    + "   " + pad(answered ? endpoint.feel.rawValue : "no answer", 12, left: true) + pad(budgetMark(endpoint.standing), 6, left: true) + "  "
                    + (endpoint.findings.isEmpty ? "-" : endpoint.findings.map(\.kind.rawValue).joined(separator: ", "))
            )
        }
        return lines
    }

    /// `ok`, `line` (passes, within ``BudgetStanding/lineMargin`` of a ceiling), `OVER`.
    static func budgetMark(_ standing: BudgetStanding) -> String {
        switch standing {
        case .within: "ok"
        case .atTheLine: "line"
        case .over: "OVER"
        }
    }

    /// Failed share of the endpoint's attempts (socket errors, timeouts, statuses outside
    /// 2xx/3xx): `0%` when none failed, never hidden.
    static func errorShare(_ summary: LoadReport.Summary) -> String {
        let failed = summary.socketErrors + summary.non2xx3xx
        guard failed > 0 else { return "0%" }
        let percent = summary.errorRate * 100
        return (percent >= 10 ? DecimalText.fixed(percent, fractionDigits: 0) : DecimalText.fixed(percent, fractionDigits: 1)) + "%"
    }

    static func section(_ endpoint: EndpointDiagnosis, evidenceLines: Int) -> [String] {
        let verdict = endpoint.budgetPassed ? "within budget" : "OVER budget"
        let load = endpoint.load
        let latencyText = load.latency.count > 0
            ? "p95 \(ms(load.latency.p95Ms)) (\(endpoint.feel.meaning))"
            : "no request answered in \(DurationText.format(nanoseconds: load.summary.elapsedS * 1e9)) or within the \(DurationText.format(nanoseconds: load.config.timeoutS * 1e9)) timeout (\(load.summary.socketErrors) failed)"
        var lines = [
            "\(endpoint.name) (\(endpoint.path)): \(verdict), \(latencyText), \(DecimalText.fixed(load.summary.requestsPerSecond, fractionDigits: 1)) req/s at \(load.config.connections) connections",
        ]
        let failed = load.summary.socketErrors + load.summary.non2xx3xx
        if failed > 0 {
            let statuses = load.statusCodes.filter { (Int($0.key) ?? 200) >= 400 || (Int($0.key) ?? 200) < 200 }
                .sorted { $0.key < $1.key }.map { "\($0.value)× \($0.key)" }
            var parts = statuses
            if load.summary.socketErrors > 0 { parts.append("\(load.summary.socketErrors) socket errors or timeouts") }
            lines.append("  failed: \(errorShare(load.summary)) of its requests (\(parts.joined(separator: ", ")))")
        }
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
            if let enable = check.enable { lines.append("       to see it: \(enable)") }
            for finding in endpoint.findings where check.findingKinds.contains(finding.kind) {
                lines += findingLines(finding, evidenceLines: evidenceLines)
            }
        }
        if let harm = endpoint.harm {
            lines.append("  holds threads the others wait for: \(harm.control) took \(ms(harm.aloneMs)) alone, \(ms(harm.underLoadMs)) while this endpoint was loaded (+\(ms(harm.harmMs)) a request)")
        }
        for oneOff in endpoint.oneOffs {
            // Tail evidence: seen in the slowest requests, too rarely to be the endpoint's problem.
            let seen = oneOff.recurrence.map { " (in \($0.requests) of \($0.of) sampled requests)" } ?? ""
            let why = oneOff.recurrence?.waitedForHeldThreads == true ? "waited for threads a stall held, not a finding" : "one-off, not a finding"
            lines.append("  \(why)\(seen): \(FindingText.title(oneOff))" + (oneOff.examples.first.map { ", \(ms(Double($0.durationNanoseconds) / 1e6)) request" } ?? ""))
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
            let steps = ramp.map { "\($0.connections) conn: \(DecimalText.fixed($0.requestsPerSecond, fractionDigits: 1)) req/s, p99 \(ms($0.p99Ms))" + ($0.serverCPUPercent.map { ", CPU \(Int(saturating: $0.rounded()))%" } ?? "") }
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
            let bytes = ByteText.format(Int(saturating: comparison.bytesPerResponseBefore)) + " → " + ByteText.format(Int(saturating: comparison.bytesPerResponseAfter))
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
