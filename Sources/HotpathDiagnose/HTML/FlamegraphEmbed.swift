import HotpathProfiler

/// The profile of one request: its hottest functions as a table, and the interactive
/// flamegraph page embedded whole.
///
/// The flamegraph is the profiler's own page inside an `<iframe srcdoc>`: the report stays one
/// file, and the page's script and CSS run isolated (a sandbox without same-origin) so they
/// cannot clash with, or reach into, the report.
enum FlamegraphEmbed {
    static let height = 420

    static func render(_ summary: ProfileSummary) -> String {
        var html = "<p>One request profiled for \(HTMLText.ms(summary.durationMs)), \(HTMLText.count(summary.sampleCount)) samples"
        if let location = summary.location { html += " · kept by the server at <code>\(HTMLText.escape(location))</code>" }
        html += ". <b>Self</b> is time spent in the function itself; <b>total</b> includes what it called.</p>"
        html += hottest(summary.hottest)
        let tree = CallTree(summary.profile, options: HTMLFlamegraphRenderer.flamegraphTreeOptions)
        let page = HTMLFlamegraphRenderer().render(tree, profile: summary.profile)
        html += "<p class=\"hint\">Flamegraph: each box is a function, as wide as its share of the time; callees hang below their callers. "
        html += "Click a box to zoom, hover for details.</p>"
        html += "<iframe class=\"flamegraph\" title=\"flamegraph of the profiled request\" sandbox=\"allow-scripts\" "
        html += "style=\"height:\(height)px\" srcdoc=\"\(HTMLText.escape(page))\"></iframe>"
        return html
    }

    static func hottest(_ functions: [HotFunction]) -> String {
        guard !functions.isEmpty else { return "<p class=\"empty\">No function stood out in the samples.</p>" }
        var html = "<table class=\"hottest\"><thead><tr><th>Function</th><th>Where</th><th class=\"num\">Self</th>"
        html += "<th class=\"num\">Total</th><th></th></tr></thead><tbody>"
        for function in functions {
            html += "<tr><td class=\"fn\">\(HTMLText.escape(function.name))</td><td>\(HTMLText.escape(function.location ?? ""))</td>"
            html += "<td class=\"num\">\(percentBar(function.selfPercent))</td><td class=\"num\">\(HTMLText.percent(function.totalPercent))</td>"
            html += "<td>\(function.isLibrary ? "<span class=\"tag\">library</span>" : "<span class=\"tag app\">your code</span>")</td></tr>"
        }
        return html + "</tbody></table>"
    }

    /// The share as text with a small bar behind it, so the heavy rows stand out.
    private static func percentBar(_ value: Double) -> String {
        let width = value.isFinite ? min(max(value, 0), 100) : 0
        return "<span class=\"pct\"><span style=\"width:\(HTMLText.coordinate(width))%\"></span>\(HTMLText.percent(value))</span>"
    }
}
