import Foundation
import Hotpath

/// One detector finding as a card: what it is, the facts behind it, what to change, and
/// what changing it should save.
enum FindingCard {
    static func render(_ finding: Finding) -> String {
        var html = "<article class=\"finding \(HTMLText.escape(finding.kind.rawValue))\">"
        html += "<header><span class=\"kind\">\(HTMLText.escape(label(finding.kind)))</span> "
        html += "<h4>\(HTMLText.escape(finding.title))</h4></header>"
        html += "<p class=\"saving\">Fixing it should save about <b>\(DurationText.format(nanoseconds: Double(finding.estimatedSavingNanoseconds)))</b> per request"
        if finding.count > 1 { html += " · covers \(HTMLText.count(finding.count)) records" }
        if let site = finding.callSite { html += " · at <code>\(HTMLText.escape(site))</code>" }
        html += "</p>"
        if !finding.evidence.isEmpty {
            html += "<ul class=\"evidence\">"
            for line in finding.evidence {
                // The detectors draw little text waterfalls with block characters: they only
                // line up in a monospaced font with spaces kept.
                html += line.contains("█") || line.contains("░") ? "<li class=\"bars\">\(HTMLText.escape(line))</li>" : "<li>\(HTMLText.escape(line))</li>"
            }
            html += "</ul>"
        }
        html += "<p class=\"fix\"><b>Fix:</b> \(HTMLText.withCode(finding.fix))</p>"
        if let fingerprint = finding.fingerprint, !fingerprint.isEmpty {
            html += "<details><summary>Statement or call shape</summary><pre>\(HTMLText.escape(fingerprint))</pre></details>"
        }
        if let plan = finding.plan, !plan.isEmpty {
            html += "<div class=\"plan\"><b>Query plan</b><pre>\(HTMLText.escape(plan.joined(separator: "\n")))</pre></div>"
        }
        return html + "</article>"
    }

    /// Plain words for the kind, for readers who do not know the detectors' identifiers. A
    /// table rather than a switch: a kind added later still prints (its identifier, spaced).
    static func label(_ kind: Finding.Kind) -> String {
        labels[kind] ?? kind.rawValue.replacingOccurrences(of: "-", with: " ")
    }

    private static let labels: [Finding.Kind: String] = [
        .nPlusOne: "N+1 queries", .duplicateQueries: "duplicate queries", .manySmallQueries: "many small queries",
        .slowQuery: "slow query", .selectStar: "SELECT *", .missingIndex: "missing index", .sequentialCalls: "sequential calls",
        .repeatedCalls: "repeated calls", .blockingCall: "blocking call", .cpuStall: "CPU stall",
    ]
}
