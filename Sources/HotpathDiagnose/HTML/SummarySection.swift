import Hotpath

/// The ids of the endpoint sections, so every table can link to them. Ids come from the
/// position, never from the route: a route can hold any character.
struct EndpointAnchors {
    private var byName: [String: String] = [:]
    let ids: [String]

    init(_ endpoints: [EndpointDiagnosis]) {
        ids = endpoints.indices.map { "endpoint-\($0 + 1)" }
        for (endpoint, id) in zip(endpoints, ids) where byName[endpoint.name] == nil {
            byName[endpoint.name] = id
        }
    }

    /// "GET /orders" as a link to its section, or as plain text when no section has that name.
    func link(_ name: String) -> String {
        guard let id = byName[name] else { return "<code>\(HTMLText.escape(name))</code>" }
        return "<a href=\"#\(id)\"><code>\(HTMLText.escape(name))</code></a>"
    }
}

/// The top of the page: what was measured, whether it passed, the one fix to make first, and
/// every endpoint in one table.
enum SummarySection {
    static func render(_ diagnosis: Diagnosis, anchors: EndpointAnchors) -> String {
        var html = "<header class=\"summary\" id=\"summary\">"
        html += "<h1>Performance diagnosis <small>of <code>\(HTMLText.escape(diagnosis.target))</code></small></h1>"
        html += "<p class=\"meta\">Budget <code>\(HTMLText.escape(diagnosis.budget))</code> · started \(HTMLText.escape(diagnosis.startedAt))"
        html += " · took \(HTMLText.decimal(diagnosis.elapsedSeconds, digits: 0)) s · \(HTMLText.escape(diagnosis.tool))</p>"
        html += "<p class=\"meta\">" + viewExplanation(diagnosis.view) + "</p>"
        if let server = diagnosis.server {
            html += "<p class=\"meta\">Server process <code>\(HTMLText.escape(server.name))</code> (pid \(server.pid)) used "
            html += "\(HTMLText.percent(server.cpuPercent)) CPU during the run (100% is one full core; the machine has \(server.cores)).</p>"
        }
        html += overall(diagnosis)
        html += "</header>"
        if !diagnosis.blindSpots.isEmpty {
            html += "<aside class=\"blind-spots\"><h2>What this diagnosis could not see</h2><ul>"
            html += diagnosis.blindSpots.map { "<li>\(HTMLText.escape($0))</li>" }.joined()
            html += "</ul></aside>"
        }
        if let incomplete = diagnosis.incomplete {
            html += "<aside class=\"blind-spots incomplete\"><h2>Incomplete</h2><p>\(HTMLText.escape(incomplete.detail))</p>"
            if !incomplete.notMeasured.isEmpty {
                html += "<p>Not measured: " + incomplete.notMeasured.map { "<code>\(HTMLText.escape($0))</code>" }.joined(separator: ", ") + "</p>"
            }
            html += "</aside>"
        }
        html += fixFirst(diagnosis.fixFirst, anchors: anchors)
        html += endpointTable(diagnosis.endpoints, anchors: anchors)
        return html
    }

    static func viewExplanation(_ view: Diagnosis.View) -> String {
        switch view {
        case .inside:
            "<b>Inside view:</b> the server's own Hotpath records were read, so its queries, outbound calls, "
                + "blocked threads and profiles are known."
        case .outside:
            "<b>Outside view:</b> only what a client sees was measured (latency, throughput, errors); "
                + "the causes inside the server are not known."
        }
    }

    static func overall(_ diagnosis: Diagnosis) -> String {
        if diagnosis.endpoints.isEmpty {
            return "<p class=\"overall none\">No endpoint was measured.</p>"
        }
        if diagnosis.budgetPassed {
            return "<p class=\"overall pass\">✓ Every endpoint is within the budget.</p>"
        }
        let over = diagnosis.endpoints.filter { !$0.budgetPassed }.count
        return "<p class=\"overall fail\">✗ \(over) of \(diagnosis.endpoints.count) endpoints \(over == 1 ? "is" : "are") over the budget.</p>"
    }

    static func fixFirst(_ fix: RankedFix?, anchors: EndpointAnchors) -> String {
        guard let fix else {
            return "<section class=\"fix-first none\"><h2>Fix this first</h2><p>Nothing: no fix was found.</p></section>"
        }
        var html = "<section class=\"fix-first\"><h2>Fix this first</h2>"
        html += "<p class=\"what\">\(anchors.link(fix.endpoint)): <b>\(HTMLText.prose(FindingText.title(fix.finding)))</b></p>"
        html += "<div>\(HTMLText.fix(fix.fix))</div>"
        html += "<p class=\"meta\">Saves about <b>\(HTMLText.ms(fix.savingMs))</b> per request · \(Badges.effort(fix.effort))"
        if let site = fix.callSite, site.isKnown { html += " · at <code>\(HTMLText.escape(site.chain()))</code>" }
        return html + "</p></section>"
    }

    static func endpointTable(_ endpoints: [EndpointDiagnosis], anchors: EndpointAnchors) -> String {
        guard !endpoints.isEmpty else { return "<p class=\"empty\">There are no endpoints to show.</p>" }
        var html = "<h2>Endpoints <small>worst first</small></h2>"
        html += "<table class=\"endpoints\"><thead><tr><th>Endpoint</th><th class=\"num\">p50</th><th class=\"num\">p95</th>"
        html += "<th class=\"num\">p99</th><th class=\"num\">req/s</th><th>Feel (p95)</th><th>Budget</th><th class=\"num\">Findings</th></tr></thead><tbody>"
        for (endpoint, id) in zip(endpoints, anchors.ids) {
            let latency = endpoint.load.latency
            func cell(_ key: String) -> String {
                latency.count == 0 ? "n/a" : HTMLText.ms(latency.percentilesMs[key] ?? .nan)
            }
            html += "<tr><td><a href=\"#\(id)\"><code>\(HTMLText.escape(endpoint.name))</code></a></td>"
            html += "<td class=\"num\">\(cell("p50"))</td><td class=\"num\"><b>\(cell("p95"))</b></td><td class=\"num\">\(cell("p99"))</td>"
            html += "<td class=\"num\">\(HTMLText.rate(endpoint.load.summary.requestsPerSecond))</td>"
            html += "<td>\(Badges.feel(endpoint.feel))</td>"
            html += "<td>\(endpoint.budgetPassed ? "<span class=\"pass\">✓</span>" : "<span class=\"fail\">✗</span>")</td>"
            html += "<td class=\"num\">\(endpoint.findings.count)</td></tr>"
        }
        html += "</tbody></table>"
        html += "<div class=\"legend feel-legend\"><span>p50, p95, p99: half, 95 in 100, 99 in 100 requests were faster than this.</span>"
        html += "<span>Feel of a wait:</span>"
        html += Feel.allCases.map { "<span>\(Badges.feel($0)) \(HTMLText.escape($0.range))</span>" }.joined()
        return html + "</div>"
    }
}
