import Hotpath

/// Every fix found, in the diagnosis' one ranking (its first row is "Fix this first"), and the
/// method's cheap wins that apply, in the diagnosis' order: nothing is re-sorted here.
enum FixesSection {
    static func render(_ diagnosis: Diagnosis, anchors: EndpointAnchors) -> String {
        var html = "<section class=\"fixes\" id=\"fixes\"><h2>Fixes <small>endpoints over budget or at its line first, then the biggest saving, with what held threads cost the other endpoints</small></h2>"
        let fixes = diagnosis.fixes
        if fixes.isEmpty {
            html += "<p class=\"empty\">No fix was found.</p>"
        } else {
            html += "<table class=\"fix-table\"><thead><tr><th class=\"num\">#</th><th>What to change</th><th>Endpoint</th>"
            html += "<th class=\"num\">Saves / request</th><th>Effort</th></tr></thead><tbody>"
            for (index, fix) in fixes.enumerated() {
                html += "<tr><td class=\"num\">\(index + 1)</td><td><b>\(HTMLText.prose(FindingText.title(fix.finding)))</b><br>\(HTMLText.fix(fix.fix))"
                if let site = fix.callSite, site.isKnown { html += "<br><small>at <code>\(HTMLText.escape(site.chain()))</code></small>" }
                html += "</td><td>\(anchors.link(fix.endpoint))</td><td class=\"num\">\(HTMLText.ms(fix.savingMs))"
                if fix.harmToOthersMs > 0 { html += "<br><small>+\(HTMLText.ms(fix.harmToOthersMs)) on other endpoints</small>" }
                html += "</td>"
                html += "<td>\(Badges.effort(fix.effort))</td></tr>"
            }
            html += "</tbody></table>"
        }
        html += "<h2>Cheap wins <small>common changes that apply here</small></h2>"
        let wins = diagnosis.cheapWins
        if wins.isEmpty {
            html += "<p class=\"empty\">None of the cheap wins applies.</p>"
        } else {
            html += "<div class=\"wins\">"
            for win in wins {
                html += "<article class=\"win\"><h4>\(HTMLText.escape(win.title))</h4><p>\(HTMLText.escape(win.detail))</p>"
                html += "<p class=\"meta\">Saves about <b>\(HTMLText.ms(win.savingMs))</b> per request · \(Badges.effort(win.effort))</p>"
                if !win.endpoints.isEmpty {
                    html += "<p class=\"meta\">On " + win.endpoints.map(anchors.link).joined(separator: ", ") + "</p>"
                }
                html += "</article>"
            }
            html += "</div>"
        }
        return html + "</section>"
    }
}
