import Hotpath

/// "Measure again": each endpoint before and after a change, with the 95 % interval that
/// says whether a difference is more than run-to-run noise.
enum ComparisonSection {
    static func render(_ comparisons: [EndpointComparison], anchors: EndpointAnchors) -> String {
        var html = "<section class=\"comparison\" id=\"measure-again\"><h2>Measure again <small>before → after</small></h2>"
        guard !comparisons.isEmpty else {
            return html + "<p class=\"empty\">No endpoint was compared.</p></section>"
        }
        html += "<p class=\"hint\">A change counts only when its 95% interval excludes zero: otherwise it is within the noise "
        html += "between two runs of the same code.</p>"
        html += "<table class=\"compare\"><thead><tr><th>Endpoint</th><th>Metric</th><th class=\"num\">Before</th><th></th>"
        html += "<th class=\"num\">After</th><th class=\"num\">Change</th><th class=\"num\">95% interval</th><th>Verdict</th></tr></thead><tbody>"
        for comparison in comparisons {
            var rows: [String] = comparison.changes.map { change in
                let isRate = change.metric == "req/s"
                func value(_ number: Double) -> String { isRate ? HTMLText.rate(number) : HTMLText.ms(number) }
                let interval = change.intervalPercent.map { "\(HTMLText.change($0.lowerBound)) … \(HTMLText.change($0.upperBound))" }
                return "<td>\(HTMLText.escape(change.metric))</td><td class=\"num\">\(value(change.before))</td><td class=\"arrow\">→</td>"
                    + "<td class=\"num\"><b>\(value(change.after))</b></td><td class=\"num change \(change.verdict.rawValue)\">\(HTMLText.change(change.changePercent))</td>"
                    + "<td class=\"num\">\(interval ?? "too little data")</td><td>\(Badges.verdict(change.verdict))</td>"
            }
            rows.append(
                "<td>bytes/response</td><td class=\"num\">\(HTMLText.bytes(comparison.bytesPerResponseBefore))</td><td class=\"arrow\">→</td>"
                    + "<td class=\"num\"><b>\(HTMLText.bytes(comparison.bytesPerResponseAfter))</b></td><td colspan=\"3\"></td>"
            )
            for (index, row) in rows.enumerated() {
                html += index == 0
                    ? "<tr class=\"first\"><td rowspan=\"\(rows.count)\">\(anchors.link(comparison.endpoint))<br>\(Badges.verdict(comparison.verdict))</td>"
                    : "<tr>"
                html += row + "</tr>"
            }
        }
        return html + "</tbody></table></section>"
    }
}
