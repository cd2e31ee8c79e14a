/// Renders a ``RecorderReport`` as one self-contained HTML page (no scripts, no network):
/// which routes are slow at a glance, then the slowest requests as waterfalls.
///
/// Renders only; every number comes from the report.
public enum ReportHTML {
    public static func render(_ report: RecorderReport) -> String {
        var html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Hotpath report</title>
        <style>\(style)</style></head><body>
        <h1>Hotpath <small>\(escape(report.tool)) · up \(seconds(report.uptimeSeconds)) · budget \(escape(report.budget))</small></h1>
        """
        html += routesSection(report)
        html += findingsSection(report)
        html += slowestSection(report)
        html += recentSection(report)
        html += "<footer>schema \(escape(report.schema)) · JSON at <code>report.json</code> · times in ms</footer></body></html>\n"
        return html
    }

    private static func routesSection(_ report: RecorderReport) -> String {
        guard !report.routes.isEmpty else {
            return "<p class=empty>No requests recorded yet.</p>"
        }
        let slowest = report.routes.map(\.latencyMs.p95).max() ?? 0
        var html = "<h2>Routes <small>slowest p95 first</small></h2><table><thead><tr>"
        html += "<th>Route</th><th>Requests</th><th>p50</th><th>p95</th><th>p99</th><th>max</th><th>Feel (p95)</th>"
        html += "<th>Budget</th><th>Where the time goes (avg)</th><th>Queries/req</th><th>Status</th></tr></thead><tbody>"
        for route in report.routes.sorted(by: { $0.latencyMs.p95 > $1.latencyMs.p95 }) {
            let feel = route.feel.p95
            let failed = route.budget.filter { !$0.passed }.map { "\($0.clause) (\($0.measured))" }
            let budgetCell = route.budgetPassed
                ? "<span class=pass>✓ met</span>"
                : "<span class=fail>✗ \(escape(failed.joined(separator: ", ")))</span>"
            let total = max(route.avgDatabaseMs + route.avgHttpMs + route.avgAppMs, 0.000_001)
            let barWidth = slowest > 0 ? max(route.latencyMs.p95 / slowest * 100, 2) : 2
            let split = """
            <div class=split style="width:\(number(barWidth))%">\
            <span class=db style="width:\(number(route.avgDatabaseMs / total * 100))%"></span>\
            <span class=http style="width:\(number(route.avgHttpMs / total * 100))%"></span>\
            <span class=app style="width:\(number(route.avgAppMs / total * 100))%"></span></div>\
            <small>db \(ms(route.avgDatabaseMs)) · http \(ms(route.avgHttpMs)) · app \(ms(route.avgAppMs))</small>
            """
            let statuses = route.statusClasses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: " · ")
            html += "<tr><td><code>\(escape(route.method)) \(escape(route.route))</code></td><td>\(route.count)</td>"
            html += "<td>\(ms(route.latencyMs.p50))</td><td>\(ms(route.latencyMs.p95))</td><td>\(ms(route.latencyMs.p99))</td><td>\(ms(route.latencyMs.max))</td>"
            html += "<td><span class=\"feel \(feel.rawValue)\">\(feel.rawValue)</span></td><td>\(budgetCell)</td><td>\(split)</td>"
            html += "<td>\(number(route.avgQueries)) (max \(route.maxQueries))</td><td>\(escape(statuses))</td></tr>"
        }
        return html + "</tbody></table><p class=legend><span class=db></span> database <span class=http></span> outbound HTTP <span class=app></span> app code</p>"
    }

    private static func findingsSection(_ report: RecorderReport) -> String {
        let all = report.routes.flatMap { route in route.findings.map { (route, $0) } }
            .sorted { $0.1.estimatedSavingNanoseconds > $1.1.estimatedSavingNanoseconds }
        guard !all.isEmpty else { return "" }
        var html = "<h2>Findings <small>biggest expected saving first</small></h2>"
        for (route, finding) in all {
            html += "<section class=finding><h3><span class=kind>\(escape(finding.kind.rawValue))</span> \(HTMLEscaping.prose(FindingText.title(finding)))</h3>"
            html += "<p><code>\(escape(route.method)) \(escape(route.route))</code> · saves about \(ms(Double(finding.estimatedSavingNanoseconds) / 1e6)) per request</p><ul>"
            if case .sequentialCalls(let evidence) = finding.evidence {
                // Text bars line up only in a monospaced font.
                for line in FindingText.waterfall(evidence) { html += "<li class=bars>\(escape(line))</li>" }
            }
            for line in FindingText.evidence(finding) { html += "<li>\(HTMLEscaping.prose(line))</li>" }
            html += "</ul><p class=fix><b>Fix:</b> \(escape(finding.fix.summary))</p>"
            for snippet in finding.fix.snippets { html += "<pre>\(escape(snippet.code))</pre>" }
            if case .missingIndex(let evidence) = finding.evidence, !evidence.advice.plan.isEmpty {
                html += "<details><summary>Query plan</summary><pre>\(escape(evidence.advice.plan.joined(separator: "\n")))</pre></details>"
            }
            html += "</section>"
        }
        return html
    }

    private static func slowestSection(_ report: RecorderReport) -> String {
        let examples = report.routes.compactMap { route in route.slowest.first.map { (route, $0) } }
            .sorted { $0.1.durationMs > $1.1.durationMs }
        guard !examples.isEmpty else { return "" }
        var html = "<h2>Slowest request of each route</h2>"
        for (route, request) in examples {
            html += "<section class=request><h3><code>\(escape(route.method)) \(escape(request.path))</code> "
            html += "<small>\(escape(route.route)) · \(request.status) · \(ms(request.durationMs)) · "
            html += "\(request.queries) queries · \(request.httpCalls) calls</small></h3>"
            html += waterfall(request)
            html += "</section>"
        }
        return html
    }

    static func waterfall(_ request: RequestReport) -> String {
        guard !request.events.isEmpty else { return "<p class=empty>No events recorded inside this request.</p>" }
        let total = max(request.durationMs, 0.001)
        var html = "<div class=waterfall>"
        for event in request.events.sorted(by: { $0.startMs < $1.startMs }) {
            let left = min(event.startMs / total * 100, 100)
            let width = max(min(event.durationMs / total * 100, 100 - left), 0.3)
            let site = event.callSite.flatMap { $0.isKnown ? " <small>\(escape($0.description))</small>" : nil } ?? ""
            html += "<div class=row title=\"\(escape(FindingText.clip(event.label, to: 400)))\"><span class=label>\(escape(event.kind.rawValue)) \(escape(FindingText.clip(event.label, to: 120)))\(site)</span>"
            html += "<span class=track><span class=\"bar \(event.kind.rawValue)\" style=\"left:\(number(left))%;width:\(number(width))%\"></span></span>"
            html += "<span class=dur>\(ms(event.durationMs))</span></div>"
        }
        if request.droppedEvents > 0 {
            html += "<p class=empty>… and \(request.droppedEvents) more events (over the per-request cap)</p>"
        }
        return html + "</div>"
    }

    private static func recentSection(_ report: RecorderReport) -> String {
        guard !report.recent.isEmpty else { return "" }
        var html = "<h2>Recent requests <small>newest first</small></h2><table><thead><tr>"
        html += "<th>#</th><th>Request</th><th>Route</th><th>Status</th><th>Total</th><th>db</th><th>http</th><th>app</th><th>Queries</th></tr></thead><tbody>"
        for request in report.recent {
            html += "<tr><td>\(request.id)</td><td><code>\(escape(request.method)) \(escape(request.path))</code></td>"
            html += "<td><code>\(escape(request.route))</code></td><td>\(request.status)</td><td>\(ms(request.durationMs))</td>"
            html += "<td>\(ms(request.databaseMs))</td><td>\(ms(request.httpMs))</td><td>\(ms(request.appMs))</td><td>\(request.queries)</td></tr>"
        }
        return html + "</tbody></table>"
    }

    // MARK: - Formatting

    static func escape(_ text: String) -> String { HTMLEscaping.text(text) }

    static func ms(_ value: Double) -> String {
        if value <= 0 { return "0ms" }
        if value < 0.1 { return "\(max(Int((value * 1000).rounded()), 1))µs" }
        return value >= 100 ? "\(Int(value.rounded()))ms" : "\(number(value))ms"
    }

    /// One or two decimals, without Foundation.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let hundredths = Int((value * 100).rounded())
        let whole = hundredths / 100
        let fraction = abs(hundredths % 100)
        return fraction == 0 ? "\(whole)" : "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    static func seconds(_ value: Double) -> String {
        value < 120 ? "\(Int(value))s" : value < 7200 ? "\(Int(value / 60))m" : "\(Int(value / 3600))h"
    }

    static let style = """
    body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
    h1{font-size:22px}h1 small,h2 small,h3 small{color:#667;font-weight:normal;font-size:13px}
    h2{font-size:17px;margin-top:28px}h3{font-size:14px;margin:0 0 8px}
    table{border-collapse:collapse;width:100%;background:#fff}th,td{padding:6px 8px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
    th{font-size:12px;color:#556;text-transform:uppercase;letter-spacing:.03em}
    code{font:12px ui-monospace,monospace}
    .feel{padding:1px 7px;border-radius:9px;font-size:12px;color:#fff}
    .instant{background:#2f9e44}.snappy{background:#74b816}.noticeable{background:#f59f00}.slow{background:#e8590c}.broken{background:#c92a2a}
    .pass{color:#2f9e44}.fail{color:#c92a2a;font-weight:600}
    .split{display:flex;height:10px;border-radius:3px;overflow:hidden;background:#eee;min-width:4px}
    .split span,.legend span{display:inline-block;height:10px}.legend span{width:12px;margin-left:12px;vertical-align:middle}
    .db,.query{background:#4263eb}.http,.call{background:#ae3ec9}.app{background:#adb5bd}.span{background:#20c997}.stall{background:#c92a2a}
    .request{background:#fff;border:1px solid #e3e6ea;border-radius:6px;padding:12px;margin:10px 0}
    .waterfall .row{display:grid;grid-template-columns:minmax(200px,40%) 1fr 70px;gap:8px;align-items:center;font-size:12px;padding:2px 0}
    .label{overflow:hidden;white-space:nowrap;text-overflow:ellipsis;font-family:ui-monospace,monospace}
    .track{position:relative;height:10px;background:#f1f3f5;border-radius:2px}.bar{position:absolute;top:0;height:10px;border-radius:2px}
    .finding{background:#fff;border-left:4px solid #e8590c;padding:8px 12px;margin:10px 0}.finding h3{font-size:14px}.bars{font:12px ui-monospace,monospace;white-space:pre}
    .kind{font:11px ui-monospace,monospace;background:#fff4e6;color:#d9480f;padding:1px 6px;border-radius:4px}.fix{margin:6px 0 0}
    .dur{text-align:right}.empty{color:#667}footer{margin-top:28px;color:#889;font-size:12px}
    """
}
