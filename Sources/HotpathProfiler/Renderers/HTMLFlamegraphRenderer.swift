/// One self-contained HTML page (inline CSS and JavaScript, nothing fetched) with an
/// interactive icicle graph of the call tree: click a box to zoom, "Reset" to go back, a
/// search box that highlights matching functions and shows their share, a tooltip with
/// function, file:line, total and self time, and a "hottest functions" table.
///
/// The tree's nodes and the per-function totals are embedded as JSON inside
/// `<script type="application/json">`, escaped so no name can close the script or inject
/// markup; the script only ever puts names into the page as text.
///
/// Boxes are laid out from the tree's totals; nothing is recomputed. For a flame graph a
/// tree with library frames kept and a small threshold reads best (``flamegraphTreeOptions``).
///
/// ```swift
/// let tree = CallTree(profile, options: HTMLFlamegraphRenderer.flamegraphTreeOptions)
/// let html = HTMLFlamegraphRenderer().render(tree, profile: profile)
/// ```
public struct HTMLFlamegraphRenderer: Sendable {
    /// The "hottest functions" table holds the heaviest this many by self time and by total
    /// time (the page orders by either).
    public var hottestFunctionCount: Int

    public init(hottestFunctionCount: Int = 30) {
        self.hottestFunctionCount = hottestFunctionCount
    }

    /// Library frames visible (zooming makes them readable) and nodes under 0.1 % hidden, which
    /// keeps the page small for long profiles while anything a click could reveal stays in.
    public static let flamegraphTreeOptions = CallTreeOptions(foldLibraryFrames: false, minimumShare: 0.001)

    public func render(_ tree: CallTree, profile: Profile) -> String {
        let title = "Hotpath profile" + (profile.label.map { " · " + $0 } ?? "")
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        html += "<title>\(EmbeddedText.html(title))</title>\n<style>\(FlamegraphPage.css)</style>\n</head><body>\n"
        html += "<header><h1>\(EmbeddedText.html(title))</h1><p id=\"summary\"></p>\n"
        html += "<div id=\"controls\"><button id=\"reset\" type=\"button\">Reset zoom</button> "
        html += "<input id=\"search\" type=\"search\" placeholder=\"Search functions\" autocomplete=\"off\"> "
        html += "<span id=\"matched\"></span></div></header>\n"
        html += "<main><div id=\"graph\" role=\"img\" aria-label=\"icicle graph of the call tree\"></div>\n"
        html += "<div id=\"tip\" hidden></div>\n"
        html += "<h2>Hottest functions</h2><table id=\"hottest\"><thead><tr><th>Self</th><th>Self %</th>"
        html += "<th>Total</th><th>Total %</th><th>Function</th><th>Location</th></tr></thead><tbody></tbody></table></main>\n"
        html += "<script type=\"application/json\" id=\"profile-data\">\(data(tree, profile: profile))</script>\n"
        html += "<script>\(FlamegraphPage.script)</script>\n</body></html>\n"
        return html
    }

    /// The embedded JSON: `nodes` in preorder as `[name, location, total, self, parent, kind,
    /// hidden]` (kind 0 root, 1 thread, 2 app, 3 library, 4 folded library run) and
    /// `functions` as `[name, file or module, self, total]`.
    func data(_ tree: CallTree, profile: Profile) -> String {
        var json = "{\"label\":" + (profile.label.map(EmbeddedText.jsonString) ?? "null")
        json += ",\"total\":\(tree.totalNanoseconds),\"samples\":\(tree.sampleCount)"
        json += ",\"recorded\":\(profile.samples.count),\"dropped\":\(profile.droppedSamples)"
        json += ",\"duration\":\(profile.durationNanoseconds),\"interval\":\(profile.intervalNanoseconds)"
        json += ",\"showing\":" + EmbeddedText.jsonString(tree.options.filter.describe(in: profile))
        json += ",\"nodes\":["
        for node in tree.nodes {
            if node.id > 0 { json += "," }
            let kind = switch node.kind {
            case .root: 0
            case .thread: 1
            case .frame(let frame): frame.isLibrary ? 3 : 2
            case .libraryFold: 4
            }
            json += "[" + EmbeddedText.jsonString(node.name) + ","
            json += (node.frame.flatMap(Self.location).map(EmbeddedText.jsonString) ?? "null")
            json += ",\(node.totalNanoseconds),\(node.selfNanoseconds),\(node.parent ?? -1),\(kind),\(node.hiddenNanoseconds)]"
        }
        json += "],\"functions\":["
        for (position, function) in hottest(tree.functions).enumerated() {
            if position > 0 { json += "," }
            json += "[" + EmbeddedText.jsonString(function.name) + ","
            // The file only: a function spans lines, and the first one seen is arbitrary.
            json += ((function.function.file ?? function.function.module).map(EmbeddedText.jsonString) ?? "null")
            json += ",\(function.selfNanoseconds),\(function.totalNanoseconds)]"
        }
        return json + "]}"
    }

    /// The table's rows: the heaviest by self time and the heaviest by total time (the page
    /// orders by either), in self-time order.
    func hottest(_ functions: [FunctionTotal]) -> [FunctionTotal] {
        let count = max(0, hottestFunctionCount)
        let bySelf = functions.prefix(count)
        let byTotal = functions.sorted { $0.totalNanoseconds > $1.totalNanoseconds }.prefix(count)
        let chosen = Set(bySelf.map(\.function)).union(byTotal.map(\.function))
        return functions.filter { chosen.contains($0.function) }
    }

    /// "Sources/App/OrderController.swift:42" (the full path: the tooltip has room), or the
    /// module for frames without a file.
    static func location(_ frame: ProfileFrame) -> String? {
        guard let file = frame.file else { return frame.module }
        return frame.line.map { "\(file):\($0)" } ?? file
    }
}
