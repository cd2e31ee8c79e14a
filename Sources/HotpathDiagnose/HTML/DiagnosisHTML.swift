import Hotpath

/// The diagnosis as one self-contained HTML page: inline CSS and SVG, no script of its own
/// and nothing fetched, so it can be mailed, archived or opened offline.
///
/// The page lays out what the ``Diagnosis`` says and computes no finding; only chart
/// coordinates are worked out here. Every text from the model (routes, SQL, function names)
/// is escaped, so hostile names stay text.
///
/// ```swift
/// let html = DiagnosisHTML.render(diagnosis, comparison: changes)
/// try html.write(to: URL(fileURLWithPath: "diagnosis.html"), atomically: true, encoding: .utf8)
/// ```
public enum DiagnosisHTML {
    /// The whole page.
    ///
    /// - Parameters:
    ///   - diagnosis: what was measured and found.
    ///   - comparison: with a before/after run ("measure again"), each endpoint's change; the
    ///     page then shows it right after the summary.
    public static func render(_ diagnosis: Diagnosis, comparison: [EndpointComparison]? = nil) -> String {
        let anchors = EndpointAnchors(diagnosis.endpoints)
        let limits = BudgetLimit.parse(diagnosis.budget)
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        html += "<title>Performance diagnosis · \(HTMLText.escape(diagnosis.target))</title>\n"
        html += "<style>\(DiagnosisHTMLStyle.css)</style>\n</head><body><main>\n"
        html += SummarySection.render(diagnosis, anchors: anchors)
        if let comparison { html += ComparisonSection.render(comparison, anchors: anchors) }
        html += FixesSection.render(diagnosis, anchors: anchors)
        for (endpoint, id) in zip(diagnosis.endpoints, anchors.ids) {
            html += EndpointSection.render(endpoint, id: id, limits: limits, budget: diagnosis.budget)
        }
        html += "<footer>Schema <code>\(HTMLText.escape(diagnosis.schema))</code> · made by \(HTMLText.escape(diagnosis.tool)) · "
        html += "latencies in milliseconds unless marked</footer>\n"
        return html + "</main></body></html>\n"
    }
}
