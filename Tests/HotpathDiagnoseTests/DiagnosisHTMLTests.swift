import Foundation
import Hotpath
import HotpathLoad
import HotpathProfiler
import HotpathTestSupport
import Testing
@testable import HotpathDiagnose

@Suite("Diagnosis HTML report")
struct DiagnosisHTMLTests {
    /// How often `needle` occurs in `text`.
    private func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func summaryComesFirstWithEveryEndpoint() throws {
        let diagnosis = try DiagnosisFixtures.diagnosis()
        let html = DiagnosisHTML.render(diagnosis)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<code>http://127.0.0.1:8080</code>"))
        #expect(html.contains("Budget <code>p95&lt;200ms</code>"))
        #expect(html.contains("✗ 2 of 4 endpoints are over the budget."))
        #expect(html.contains("Inside view:"))
        #expect(!html.contains("class=\"blind-spots\""), "no blind spot inside")
        // "Fix this first" is the biggest saving, linked to its endpoint's section.
        let fixFirst = try #require(html.range(of: "<section class=\"fix-first\">"))
        let afterFixFirst = html[fixFirst.upperBound...]
        #expect(afterFixFirst.hasPrefix("<h2>Fix this first</h2><p class=\"what\"><a href=\"#endpoint-1\"><code>GET /orders</code></a>: <b>N+1 queries: 24 × <code>select * from items where order_id = ?</code> from Shop/OrderController.swift:42</b>"))
        #expect(afterFixFirst.contains("<pre class=\"snippet sql\"><code>SELECT … FROM items WHERE order_id IN (…)</code></pre>"), "the fix's code as code")
        #expect(afterFixFirst.contains("<dt>fluent</dt><dd>Eager-load the relation"), "and per framework")
        #expect(afterFixFirst.contains("Saves about <b>180 ms</b> per request"))
        // One table row per endpoint, each linking to a section that exists.
        for (index, endpoint) in diagnosis.endpoints.enumerated() {
            let id = "endpoint-\(index + 1)"
            #expect(html.contains("<tr><td><a href=\"#\(id)\"><code>\(HTMLText.escape(endpoint.name))</code></a></td>"))
            #expect(occurrences(of: "<section class=\"endpoint\" id=\"\(id)\">", in: html) == 1)
        }
        #expect(html.contains("<td class=\"num\"><b>n/a</b></td>"), "no request completed: no p95")
        #expect(html.contains("<span class=\"feel noticeable\""))
        #expect(html.contains("Server process <code>Shop</code> (pid 4242)"))
        // The summary, then fixes, then the endpoints.
        let summary = try #require(html.range(of: "id=\"summary\""))
        let fixes = try #require(html.range(of: "id=\"fixes\""))
        let first = try #require(html.range(of: "id=\"endpoint-1\""))
        #expect(summary.lowerBound < fixes.lowerBound && fixes.lowerBound < first.lowerBound)
    }

    @Test func fixesAndWinsShowInTheDiagnosisOrder() throws {
        let diagnosis = try DiagnosisFixtures.diagnosis()
        let html = DiagnosisHTML.render(diagnosis)
        let table = try #require(html.range(of: "<table class=\"fix-table\">"))
        let rest = String(html[table.lowerBound...])
        // The renderer keeps the ranking it is given (row 1 is "Fix this first"): 180, 120, 60, 35 ms.
        let order = ["N+1 queries: 24 ×", "Missing index on items (order_id)", "Sequential calls: 2 independent calls", "CPU-heavy work held a thread"]
        let positions = try order.map { try #require(rest.range(of: $0)).lowerBound }
        #expect(positions == positions.sorted())
        // Cheap wins in the diagnosis' order too, each with its endpoints linked.
        let wins = try #require(html.range(of: "<div class=\"wins\">"))
        let winsText = String(html[wins.lowerBound...])
        let titles = try diagnosis.cheapWins.map { try #require(winsText.range(of: $0.title)).lowerBound }
        #expect(titles == titles.sorted())
        #expect(winsText.contains("<a href=\"#endpoint-2\"><code>GET /search/&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</code></a>"))
    }

    @Test func drawsTheCharts() throws {
        let diagnosis = try DiagnosisFixtures.diagnosis()
        let html = DiagnosisHTML.render(diagnosis)
        // A percentile curve for each endpoint that completed requests; none for the empty one.
        #expect(occurrences(of: "<svg class=\"chart percentile-curve\"", in: html) == 3)
        #expect(html.contains("No request completed, so there is no latency curve to draw."))
        // The HdrHistogram-style axis and the budget as a dashed line at 200 ms.
        for tick in [">0%<", ">90%<", ">99%<", ">99.9%<", ">99.99%<"] {
            #expect(html.contains("<text class=\"tick x\"") && html.contains(tick), "tick \(tick)")
        }
        #expect(occurrences(of: "<g class=\"budget\">", in: html) == 3)
        #expect(occurrences(of: "budget p95&lt;200ms</text>", in: html) == 2)
        // /health answers in a millisecond: 200 ms would flatten its curve, so it is named only.
        #expect(occurrences(of: "budget p95&lt;200ms (far above this chart)</text>", in: html) == 1)
        #expect(occurrences(of: "<circle class=\"budget-ring\"", in: html) == 2)
        #expect(html.contains(">p99 "))
        // Two timeline charts per endpoint with a timeline (3 of 4).
        #expect(occurrences(of: "<svg class=\"chart timeline-svg\"", in: html) == 6)
        #expect(html.contains("No per-second timeline was recorded for this run."))
        // Few points get dots: /health has one second, /search two.
        #expect(html.contains("<circle class=\"dot rps\""))
        #expect(html.contains("<line class=\"error-tick\""), "the second with errors is marked")
        // The waterfall: the request row plus its 29 events, each kind with its colour.
        #expect(occurrences(of: "<svg class=\"chart waterfall\"", in: html) == 1)
        #expect(occurrences(of: "<g class=\"row ", in: html) == 30)
        for kind in ["query", "call", "stall", "span"] {
            #expect(html.contains("<rect class=\"bar \(kind)\""), "bar \(kind)")
        }
        #expect(html.contains("No events were recorded inside this request"))
        // The long SQL is cut in the label and complete in the tooltip.
        #expect(html.contains("SELECT * FROM orders WHERE customer_id = $1…"))
        #expect(html.contains("<title>query: SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20</title>"))
        #expect(html.contains("3 rows · 3 columns"))
        // The time split and the ramp.
        #expect(html.contains("<span class=\"database\" style=\"width:61.2%\""))
        #expect(html.contains("<tr class=\"plateau\"><td class=\"num\">4 ◀ plateau</td>"))
        #expect(html.contains("<b>Throughput plateau.</b> Throughput stopped growing at 4 connections"))
        // The four suspects in order, and the finding cards.
        let suspects = ["Database queries", "External HTTP calls", "Blocking work in async code", "CPU-heavy code"]
        let section = String(html[try #require(html.range(of: "id=\"endpoint-1\"")).lowerBound...])
        let positions = try suspects.map { try #require(section.range(of: "<b>\($0)</b>")).lowerBound }
        #expect(positions == positions.sorted())
        #expect(section.contains("<li class=\"suspect found\">"))
        #expect(section.contains("<li class=\"suspect unknown\">"))
        #expect(occurrences(of: "<article class=\"finding ", in: html) == 4)
        #expect(html.contains("<div class=\"plan\"><b>Query plan</b><pre>SCAN items\n  USE TEMP B-TREE FOR ORDER BY</pre></div>"))
        #expect(html.contains("<li class=\"bars\">+0ms        31.00ms |███████████████"), "the calls' waterfall")
        #expect(html.contains("Fixing it should save about <b>180 ms</b> per request"))
    }

    @Test func embedsTheFlamegraphIsolated() throws {
        let diagnosis = try DiagnosisFixtures.diagnosis()
        let html = DiagnosisHTML.render(diagnosis)
        #expect(occurrences(of: "<iframe class=\"flamegraph\"", in: html) == 1)
        #expect(html.contains("sandbox=\"allow-scripts\""))
        #expect(html.contains("<td class=\"fn\">OrderController.items(for:)</td>"))
        // The srcdoc, unescaped, is exactly the profiler's own page.
        let start = try #require(html.range(of: "srcdoc=\""))
        let end = try #require(html[start.upperBound...].range(of: "\""))
        let attribute = String(html[start.upperBound..<end.lowerBound])
        let unescaped = attribute
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
        let profile = try #require(diagnosis.endpoints.first?.profile?.profile)
        let expected = HTMLFlamegraphRenderer().render(
            CallTree(profile, options: HTMLFlamegraphRenderer.flamegraphTreeOptions), profile: profile
        )
        #expect(unescaped == expected)
    }

    @Test func hostileTextStaysText() throws {
        let html = DiagnosisHTML.render(try DiagnosisFixtures.diagnosis(), comparison: DiagnosisFixtures.comparison())
        // The page has no script of its own; the flamegraph's are inside the escaped srcdoc.
        #expect(!html.contains("<script"))
        #expect(!html.contains("</script"))
        #expect(!html.contains("alert(1)</"))
        #expect(!html.contains(DiagnosisFixtures.ampersand))
        #expect(!html.contains(DiagnosisFixtures.quoted))
        #expect(!html.contains("<Search>") && !html.contains("<Render>") && !html.contains("<24>"))
        #expect(html.contains("<span class=\"route\">/search/&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</span>"))
        #expect(html.contains("<h4>CPU-heavy work held a thread for 35.00ms in Render.&lt;script&gt;alert(1)&lt;/script&gt;(_:) from Shop/&lt;Search&gt;.swift:9 (Render.&lt;script&gt;alert(1)&lt;/script&gt;(_:))</h4>"))
        #expect(html.contains("<li>thread a &amp; b then &quot;quoted&quot; was held for 35.00ms"))
        #expect(html.contains("<span class=\"fix-summary\">Move &lt;script&gt;alert(1)&lt;/script&gt; off the event loop (a &amp; b).</span><pre class=\"snippet swift\"><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></pre>"))
        #expect(html.contains("<td class=\"fn\">Render.&lt;script&gt;alert(1)&lt;/script&gt;(_:)</td>"))
        #expect(html.contains("Loaded as <code>/search/%3C/script%3E?q=a &amp; b</code>"))
        // Tags in the page are only ours: every "<" opens a known element.
        let tags = Set(html.components(separatedBy: "<").dropFirst().compactMap { part in
            part.split(whereSeparator: { " >/\n".contains($0) }).first.map(String.init)
        })
        let allowed: Set<String> = [
            "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3", "h4", "small", "code",
            "p", "b", "br", "section", "a", "table", "thead", "tbody", "tr", "th", "td", "span", "div", "article", "ul", "ol", "li",
            "pre", "details", "summary", "svg", "g", "line", "text", "path", "circle", "rect", "figure", "figcaption",
            "iframe", "footer", "aside", "dl", "dt", "dd",
        ]
        #expect(tags.subtracting(allowed).isEmpty, "unexpected tags: \(tags.subtracting(allowed).sorted())")
    }

    @Test func measureAgainTable() throws {
        let comparison = DiagnosisFixtures.comparison()
        let html = DiagnosisHTML.render(try DiagnosisFixtures.diagnosis(), comparison: comparison)
        let start = try #require(html.range(of: "<section class=\"comparison\" id=\"measure-again\">"))
        let end = try #require(html[start.upperBound...].range(of: "</section>"))
        let section = String(html[start.lowerBound..<end.upperBound])
        #expect(section.contains("<h2>Measure again <small>before → after</small></h2>"))
        #expect(occurrences(of: "<tr class=\"first\">", in: section) == 3)
        #expect(section.contains("<a href=\"#endpoint-1\"><code>GET /orders</code></a><br><span class=\"verdict-badge improved\">improved</span>"))
        #expect(section.contains("<span class=\"verdict-badge regressed\">regressed</span>"))
        #expect(section.contains("<span class=\"verdict-badge unchanged\">unchanged</span>"))
        for metric in ["p50", "p95", "p99", "req/s", "bytes/response"] {
            #expect(occurrences(of: "<td>\(metric)</td>", in: section) == 3, "\(metric) per endpoint")
        }
        #expect(section.contains("48.2 KB</td><td class=\"arrow\">→</td><td class=\"num\"><b>9.1 KB</b>"))
        #expect(section.contains("too little data"), "one second of throughput has no interval")
        let orders = try #require(comparison.first?.change("p95"))
        let interval = try #require(orders.intervalPercent)
        #expect(section.contains("\(HTMLText.change(interval.lowerBound)) … \(HTMLText.change(interval.upperBound))"))
        #expect(section.contains("<td class=\"num change improved\">−"))
        // Without a comparison there is no such section.
        #expect(!DiagnosisHTML.render(try DiagnosisFixtures.diagnosis()).contains("measure-again"))
    }

    @Test func outsideViewShowsBlindSpotsFirst() throws {
        let html = DiagnosisHTML.render(try DiagnosisFixtures.outsideDiagnosis())
        let blind = try #require(html.range(of: "<aside class=\"blind-spots\"><h2>What this diagnosis could not see</h2>"))
        let fixFirst = try #require(html.range(of: "class=\"fix-first"))
        #expect(blind.lowerBound < fixFirst.lowerBound)
        #expect(html.contains("are invisible &lt;here&gt;."))
        #expect(html.contains("Outside view:"))
        #expect(html.contains("Nothing: no fix was found."))
        #expect(html.contains("Not known: the server's own records of this endpoint were not available"))
        #expect(occurrences(of: "<li class=\"suspect unknown\">", in: html) == SuspectCheck.Suspect.allCases.count)
    }

    @Test func emptyDiagnosisRenders() {
        let html = DiagnosisHTML.render(DiagnosisFixtures.emptyDiagnosis(), comparison: [])
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.hasSuffix("</html>\n"))
        #expect(html.contains("No endpoint was measured."))
        #expect(html.contains("There are no endpoints to show."))
        #expect(html.contains("No endpoint was compared."))
        #expect(html.contains("No fix was found."))
        #expect(!html.contains("<svg"))
        #expect(!html.contains("<section class=\"endpoint\""))
    }

    @Test func nonFiniteNumbersRenderAsText() throws {
        let html = DiagnosisHTML.render(try DiagnosisFixtures.nonFiniteDiagnosis())
        // As words: "dominant-baseline" in the CSS holds "nan" too.
        #expect(html.firstMatch(of: /\b(nan|NaN|inf|-inf|Infinity)\b/) == nil)
        #expect(!html.contains("=\"-"), "no negative sizes or positions")
        #expect(html.contains("n/a"))
        #expect(occurrences(of: "<svg class=\"chart percentile-curve\"", in: html) == 1)
        #expect(!html.contains("<g class=\"budget\">"), "an unparsable budget draws no line")
        #expect(occurrences(of: "<svg class=\"chart waterfall\"", in: html) == 1)
    }

    @Test func helpers() {
        #expect(HTMLText.escape("<a href='x'>\"&\"</a>") == "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;")
        #expect(HTMLText.prose("use \(code: "async let") & \(code: "x<y") and ` b") == "use <code>async let</code> &amp; <code>x&lt;y</code> and ` b")
        #expect(HTMLText.truncated("abcdef", to: 4) == "abc…")
        #expect(HTMLText.truncated("line1\nline2", to: 40) == "line1 line2")
        #expect(HTMLText.ms(0.4213) == "0.42 ms")
        #expect(HTMLText.ms(41.23) == "41.2 ms")
        #expect(HTMLText.ms(1_412.4) == "1,412 ms")
        #expect(HTMLText.ms(12_345) == "12.3 s")
        #expect(HTMLText.ms(.nan) == "n/a")
        #expect(HTMLText.change(-3) == "−3.0%")
        #expect(HTMLText.coordinate(.infinity) == "0")
        #expect(PercentileCurveSVG.decades(0) == 0)
        #expect(abs(PercentileCurveSVG.decades(99) - 2) < 1e-9)
        #expect(PercentileCurveSVG.decades(100) == .infinity)
        #expect((0...5).map(PercentileCurveSVG.tickLabel) == ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"])
        let scale = NiceScale(covering: 1_430)
        #expect(scale.step == 500 && scale.maximum == 1_500)
        #expect(NiceScale(covering: .nan).maximum == 1)
        #expect(NiceScale(covering: 0.42).ticks.count >= 3)
        #expect(BudgetLimit.parse("p95<200ms, errors<1%, max<2s").map(\.milliseconds) == [200, 2_000])
        #expect(BudgetLimit.parse("p95 < fast").isEmpty)
    }

    // MARK: - JSON

    @Test func jsonRoundTripKeepsTheModel() throws {
        let diagnosis = try DiagnosisFixtures.diagnosis()
        let decoded = try DiagnosisJSON.decode(try DiagnosisJSON.encode(diagnosis))
        #expect(decoded.schema == Diagnosis.schemaName)
        #expect(decoded.budget == diagnosis.budget)
        #expect(decoded.view == diagnosis.view)
        #expect(decoded.fixes == diagnosis.fixes)
        #expect(decoded.fixFirst == diagnosis.fixFirst)
        #expect(decoded.cheapWins == diagnosis.cheapWins)
        #expect(decoded.server == diagnosis.server)
        #expect(decoded.endpoints.count == diagnosis.endpoints.count)
        for (after, before) in zip(decoded.endpoints, diagnosis.endpoints) {
            #expect(after.name == before.name)
            #expect(after.path == before.path)
            #expect(after.feel == before.feel)
            #expect(after.budgetPassed == before.budgetPassed)
            #expect(after.findings == before.findings)
            #expect(after.suspects == before.suspects)
            #expect(after.breakdown == before.breakdown)
            // Ramp steps and plateaus keep the server's CPU (a CodingKey spells it for snake_case).
            #expect(after.ramp == before.ramp, "ramp of \(before.name)")
            #expect(after.plateau == before.plateau, "plateau of \(before.name)")
            #expect(after.ramp?.map(\.requestsPerSecond) == before.ramp?.map(\.requestsPerSecond))
            #expect(after.plateau?.message == before.plateau?.message)
            #expect(after.exampleRequest == before.exampleRequest, "example request of \(before.name)")
            #expect(after.bytesPerResponse == before.bytesPerResponse)
            #expect(after.load.latency.histogram == before.load.latency.histogram)
            #expect(after.load.latency.percentilesMs == before.load.latency.percentilesMs)
            #expect(after.load.latency.feel == before.load.latency.feel)
            #expect(after.load.latency.curve.map(\.ms) == before.load.latency.curve.map(\.ms))
            #expect(after.load.timeline.map(\.p99Ms) == before.load.timeline.map(\.p99Ms))
            #expect(after.load.statusCodes == before.load.statusCodes)
            #expect(after.load.budget.map(\.clause) == before.load.budget.map(\.clause))
            #expect(after.profile?.sampleCount == before.profile?.sampleCount)
            #expect(after.profile?.hottest == before.profile?.hottest)
            #expect(after.profile?.profile.samples == before.profile?.profile.samples)
            #expect(after.profile?.profile.frames == before.profile?.profile.frames)
        }
        // The rendered page is the same from the decoded model (the ramps' CPU put back, see above).
        var restored = decoded
        for index in restored.endpoints.indices {
            restored.endpoints[index].ramp = diagnosis.endpoints[index].ramp
            restored.endpoints[index].plateau = diagnosis.endpoints[index].plateau
        }
        #expect(DiagnosisHTML.render(restored) == DiagnosisHTML.render(diagnosis))
        let comparison = DiagnosisFixtures.comparison()
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        #expect(try decoder.decode([EndpointComparison].self, from: encoder.encode(comparison)) == comparison)
    }

    // MARK: - In a browser

    /// Loads the page in headless Chromium: no console message (errors in the flamegraph's
    /// script inside the iframe included), and a screenshot that is not blank.
    @Test(.enabled(if: Browser.chromium != nil, "chromium is not installed"))
    func rendersInHeadlessChromium() async throws {
        let browser = try #require(Browser.chromium)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-diagnosis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        func load(_ html: String, name: String, screenshot: Bool = false) async throws -> (dom: String, log: String, png: URL) {
            let file = directory.appendingPathComponent("\(name).html")
            try Data(html.utf8).write(to: file)
            let png = directory.appendingPathComponent("\(name).png")
            var arguments = [
                browser, "--headless", "--disable-gpu", "--no-sandbox", "--enable-logging=stderr", "--v=0",
                "--user-data-dir=\(directory.appendingPathComponent("chrome-\(name)").path)", "--hide-scrollbars",
                "--window-size=1280,2000", "--virtual-time-budget=3000",
            ]
            arguments += screenshot ? ["--screenshot=\(png.path)", file.absoluteString] : ["--dump-dom", file.absoluteString]
            let result = try #require(await Browser.runOffPool(arguments))
            #expect(result.status == 0, "chromium failed: \(result.stderr.suffix(2000))")
            return (result.stdout, result.stderr, png)
        }

        let html = DiagnosisHTML.render(try DiagnosisFixtures.diagnosis(), comparison: DiagnosisFixtures.comparison())
        let page = try await load(html, name: "report")
        Browser.expectQuietConsole(page.log)
        #expect(page.dom.contains("<svg class=\"chart percentile-curve\""))
        #expect(page.dom.contains("<iframe class=\"flamegraph\""))
        #expect(!page.dom.contains("<script>alert"))

        for (name, diagnosis) in [("empty", DiagnosisFixtures.emptyDiagnosis()), ("non-finite", try DiagnosisFixtures.nonFiniteDiagnosis()),
                                  ("outside", try DiagnosisFixtures.outsideDiagnosis())] {
            let edgeHTML = DiagnosisHTML.render(diagnosis)
            if let keep = ProcessInfo.processInfo.environment["HOTPATH_KEEP_SCREENSHOT"] {
                try Data(edgeHTML.utf8).write(to: URL(fileURLWithPath: keep + "-\(name).html"))
            }
            let edge = try await load(edgeHTML, name: name)
            Browser.expectQuietConsole(edge.log)
            #expect(edge.dom.contains("</main>"), "\(name) rendered")
        }

        let shot = try await load(html, name: "report", screenshot: true)
        Browser.expectQuietConsole(shot.log)
        let blank = try await load("<!DOCTYPE html><html><body></body></html>", name: "blank", screenshot: true)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: shot.png.path)[.size] as? Int)
        let blankSize = try #require(try FileManager.default.attributesOfItem(atPath: blank.png.path)[.size] as? Int)
        #expect(size > 30_000, "the screenshot is \(size) bytes")
        #expect(size > blankSize * 5, "the screenshot (\(size) bytes) is not much bigger than a blank page's (\(blankSize))")
        // Kept for a person to look at (HOTPATH_KEEP_SCREENSHOT=/tmp/report.png).
        if let keep = ProcessInfo.processInfo.environment["HOTPATH_KEEP_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: shot.png, to: URL(fileURLWithPath: keep))
            try Data(html.utf8).write(to: URL(fileURLWithPath: keep + ".html"))
        }
    }
}

/// Headless Chromium for the browser test. A small copy of HotpathProfilerTests'
/// `ExternalTools`: that target does not depend on HotpathTestSupport, so the helper cannot
/// be shared without changing Package.swift.
enum Browser {
    typealias Result = ExternalProgram.Outcome

    static let chromium: String? = {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            if run(["sh", "-c", "command -v \(name)"])?.status == 0 { return name }
        }
        print("note: chromium not found; skipping the headless diagnosis report check")
        return nil
    }()

    /// ``run(_:)`` on a thread of its own: a browser takes seconds, and a test holding one of
    /// the cooperative pool's few threads that long starves every other suite.
    static func runOffPool(_ arguments: [String]) async -> Result? {
        await ExternalProgram.runOffPool("/usr/bin/env", arguments)
    }

    /// Runs `arguments` through `/usr/bin/env`; output goes through files so a large DOM
    /// cannot fill a pipe and block the child.
    static func run(_ arguments: [String]) -> Result? {
        ExternalProgram.run("/usr/bin/env", arguments)
    }

    /// Chromium logs every console message and uncaught exception to stderr as
    /// `…:CONSOLE(line)] "message"`; the page writes none when all is well.
    static func expectQuietConsole(_ log: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let messages = log.split(separator: "\n").filter { $0.contains(":CONSOLE") || $0.contains("Uncaught") }
        #expect(messages.isEmpty, "console: \(messages.joined(separator: "\n"))", sourceLocation: sourceLocation)
    }
}
