import Foundation
import Hotpath

/// One detector finding as a card: what it is, the facts behind it, what to change, and
/// what changing it should save.
enum FindingCard {
    static func render(_ finding: Finding, savingMs: Double) -> String {
        var html = "<article class=\"finding \(HTMLText.escape(finding.kind.rawValue))\">"
        html += "<header><span class=\"kind\">\(HTMLText.escape(label(finding.kind)))</span> "
        html += "<h4>\(HTMLText.prose(FindingText.title(finding)))</h4></header>"
        html += "<p class=\"saving\">Fixing it should save about <b>\(HTMLText.ms(savingMs))</b> per request"
        if finding.count > 1 { html += " · covers \(HTMLText.count(finding.count)) records" }
        if let site = finding.callSite, site.isKnown { html += " · at <code>\(HTMLText.escape(site.chain()))</code>" }
        html += "</p><ul class=\"evidence\">"
        if case .sequentialCalls(let evidence) = finding.evidence {
            // Text bars line up only in a monospaced font with spaces kept.
            for line in FindingText.waterfall(evidence) { html += "<li class=\"bars\">\(HTMLText.escape(line))</li>" }
        }
        for line in FindingText.evidence(finding) { html += "<li>\(HTMLText.prose(line))</li>" }
        html += "</ul>"
        html += "<div class=\"fix\"><b>Fix:</b> \(HTMLText.fix(finding.fix))</div>"
        if !finding.subject.isEmpty {
            html += "<details><summary>Statement or call shape</summary><pre>\(HTMLText.escape(finding.subject))</pre></details>"
        }
        if case .missingIndex(let evidence) = finding.evidence, !evidence.advice.plan.isEmpty {
            html += "<div class=\"plan\"><b>Query plan</b><pre>\(HTMLText.escape(evidence.advice.plan.joined(separator: "\n")))</pre></div>"
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
        .slowQuery: "slow query", .selectStar: "loading too much", .missingIndex: "missing index", .sequentialCalls: "sequential calls",
        .repeatedCalls: "repeated calls", .blockingCall: "blocking call", .cpuStall: "CPU stall", .uncompressedResponse: "uncompressed response",
    ]
}
