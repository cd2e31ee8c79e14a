import Foundation
import Testing
@testable import HotpathProfiler

@Suite("HTML flamegraph renderer")
struct HTMLFlamegraphRendererTests {
    private func page(_ profile: Profile, options: CallTreeOptions = HTMLFlamegraphRenderer.flamegraphTreeOptions) -> String {
        HTMLFlamegraphRenderer().render(CallTree(profile, options: options), profile: profile)
    }

    /// The embedded JSON, parsed back.
    private func embedded(_ html: String) throws -> [String: Any] {
        let start = try #require(html.range(of: "<script type=\"application/json\" id=\"profile-data\">"))
        let rest = html[start.upperBound...]
        let end = try #require(rest.range(of: "</script>"))
        let json = try JSONSerialization.jsonObject(with: Data(rest[..<end.lowerBound].utf8))
        return try #require(json as? [String: Any])
    }

    @Test func selfContained() {
        let html = page(Fixtures.seventyThirty())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("http://"))
        #expect(!html.contains("https://"))
        #expect(!html.contains("<script src"))
        #expect(!html.contains("<link"))
        #expect(html.contains("<title>Hotpath profile · GET /orders</title>"))
        #expect(html.contains("id=\"search\""))
        #expect(html.contains("id=\"reset\""))
        #expect(html.contains("Hottest functions"))
    }

    @Test func embedsTreeAndHottestFunctions() throws {
        let data = try embedded(page(Fixtures.seventyThirty()))
        #expect(data["total"] as? Int == 1_000_000_000)
        #expect(data["samples"] as? Int == 100)
        let nodes = try #require(data["nodes"] as? [[Any]])
        #expect(nodes.map { $0[0] as? String } == ["all threads", "main", "OrderController.list(request:)", "render()"])
        #expect(nodes[2][1] as? String == "Sources/SlowShop/OrderController.swift:42")
        #expect(nodes[2][2] as? Int == 700_000_000)
        #expect(nodes[2][4] as? Int == 1)
        #expect(nodes[0][4] as? Int == -1)
        let functions = try #require(data["functions"] as? [[Any]])
        #expect(functions.first?[0] as? String == "OrderController.list(request:)")
        #expect(functions.first?[2] as? Int == 700_000_000)
    }

    @Test func hostileNamesCannotEscape() throws {
        let html = page(Fixtures.hostile(), options: .showAll)
        // Exactly the two script elements we wrote, and no raw markup from names.
        #expect(html.components(separatedBy: "<script").count == 3)
        #expect(html.components(separatedBy: "</script>").count == 3)
        #expect(!html.contains("<!--"))
        #expect(!html.contains("<b>"))
        #expect(!html.contains("\u{1B}"))
        #expect(html.contains("<title>Hotpath profile · &lt;b&gt;label&lt;/b&gt; &amp; &quot;quotes&quot;</title>"))
        // The names survive the round trip exactly.
        let data = try embedded(html)
        let nodes = try #require(data["nodes"] as? [[Any]])
        let names = Set(nodes.compactMap { $0[0] as? String })
        for name in Fixtures.hostileNames {
            #expect(names.contains(name), "missing \(name.debugDescription)")
        }
        #expect(data["label"] as? String == "<b>label</b> & \"quotes\"")
    }

    @Test func emptyProfile() throws {
        let html = page(Fixtures.empty())
        let data = try embedded(html)
        #expect(data["total"] as? Int == 0)
        #expect((data["nodes"] as? [[Any]])?.count == 1)
        #expect((data["functions"] as? [[Any]])?.isEmpty == true)
    }

    @Test func jsonStringEscaping() {
        #expect(EmbeddedText.jsonString("</script>") == #""\u003c/script\u003e""#)
        #expect(EmbeddedText.jsonString("a\"b\\c\n\u{2028}") == #""a\"b\\c\n\u2028""#)
        #expect(EmbeddedText.html("<a href='x'>&</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;")
    }

    /// Chromium logs every console message and uncaught exception to stderr as
    /// `…:CONSOLE(line)] "message"`; the page writes none when all is well.
    private func expectQuietConsole(_ log: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let messages = log.split(separator: "\n").filter { $0.contains(":CONSOLE") || $0.contains("Uncaught") }
        #expect(messages.isEmpty, "console: \(messages.joined(separator: "\n"))", sourceLocation: sourceLocation)
    }

    /// Loads the page in headless Chromium: no console errors, boxes drawn, search and zoom
    /// work (driven through the page's `#focus=…&search=…` hash).
    @Test(.enabled(if: ExternalTools.chromium != nil, "chromium is not installed"))
    func rendersInHeadlessChromium() async throws {
        let browser = try #require(ExternalTools.chromium)
        let directory = try ExternalTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var profile = Fixtures.withLibraries()
        // 10 more samples of 1 ms, one per hostile name: 60 of 110 ms are in sort.
        for name in Fixtures.hostileNames {
            profile.frames.append(ProfileFrame(function: name))
            profile.samples.append(ProfileSample(
                stack: [0, Int32(profile.frames.count - 1)], thread: 1, timestampNanoseconds: 0, weightNanoseconds: 1_000_000
            ))
        }
        let file = directory.appendingPathComponent("flame.html")
        try Data(page(profile).utf8).write(to: file)

        let emptyFile = directory.appendingPathComponent("empty.html")
        try Data(page(Fixtures.empty()).utf8).write(to: emptyFile)

        func load(_ hash: String, page: URL? = nil) async throws -> (dom: String, log: String) {
            let result = try #require(await ExternalTools.runOffPool([
                browser, "--headless", "--disable-gpu", "--no-sandbox", "--enable-logging=stderr", "--v=0",
                "--user-data-dir=\(directory.appendingPathComponent("chrome").path)",
                "--window-size=1200,800", "--virtual-time-budget=3000", "--dump-dom", (page ?? file).absoluteString + hash,
            ]))
            #expect(result.status == 0, "chromium failed: \(result.stderr.suffix(2000))")
            return (result.stdout, result.stderr)
        }

        let plain = try await load("")
        #expect(plain.dom.contains("data-rendered=\""))
        #expect(!plain.dom.contains("data-rendered=\"0\""))
        #expect(plain.dom.contains("class=\"box\""))
        #expect(plain.dom.contains("<td class=\"fn\">Array.sort(by:)</td>") || plain.dom.contains("_merge(low:mid:high:buffer:by:)"))
        expectQuietConsole(plain.log)
        // The hostile names are text, not elements.
        #expect(!plain.dom.contains("<script>alert"))
        #expect(plain.dom.contains("&lt;script&gt;alert"))

        let searched = try await load("#search=sort")
        #expect(searched.dom.contains("matched 54.5% of the total"))
        #expect(searched.dom.contains("box match"))
        expectQuietConsole(searched.log)

        let empty = try await load("", page: emptyFile)
        #expect(empty.dom.contains("No samples."))
        expectQuietConsole(empty.log)

        let zoomed = try await load("#focus=5")
        #expect(zoomed.dom.contains("box ancestor"))
        expectQuietConsole(zoomed.log)
    }
}
