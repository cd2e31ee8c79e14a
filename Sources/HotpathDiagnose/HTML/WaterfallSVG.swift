import Hotpath

/// One request's events on a time axis: what ran when, and for how long. Queries in a
/// staircase are an N+1; calls one after another that could overlap are sequential calls.
enum WaterfallSVG {
    /// Past this many events the rest are counted, not drawn: an N+1 of 500 queries reads
    /// as well from its first rows, and the page stays short.
    static let maximumRows = 60
    static let labelCharacters = 44

    static func render(_ request: RequestReport) -> String {
        // Non-finite times are left out before sorting: NaN would break the order.
        let events = request.events.filter { $0.startMs.isFinite && $0.durationMs.isFinite }.enumerated()
            .sorted { ($0.element.startMs, $0.offset) < ($1.element.startMs, $1.offset) }
            .map(\.element)
        var html = "<p class=\"request-line\"><code>\(HTMLText.escape(request.method)) \(HTMLText.escape(request.path))</code> "
        html += "→ \(request.status) in <b>\(HTMLText.ms(request.durationMs))</b> · \(HTMLText.count(request.queries)) queries · "
        html += "\(HTMLText.count(request.httpCalls)) outbound calls</p>"
        guard !events.isEmpty else {
            return html + "<p class=\"empty\">No events were recorded inside this request: its time is the app's own code.</p>"
        }
        let shown = Array(events.prefix(maximumRows))
        // An event that ends after the response (a detached task) still fits on the axis.
        let latestEnd = events.map { max($0.startMs, 0) + max($0.durationMs, 0) }.max() ?? 0
        let total = max(request.durationMs.isFinite ? request.durationMs : 0, latestEnd, 0.001)
        let rowHeight = 20.0
        let frame = ChartFrame(
            width: 960, height: 34 + rowHeight * Double(shown.count + 1) + 8,
            left: 330, right: 80, top: 30, bottom: 8
        )
        let scale = NiceScale(covering: total, ticks: 6)
        let domain = 0...total
        html += frame.open(class: "waterfall", label: "timeline of the events inside one request")
        for tick in scale.ticks where tick <= total + 1e-9 {
            let x = HTMLText.coordinate(frame.x(tick, in: domain))
            html += "<line class=\"vgrid\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(HTMLText.coordinate(frame.plotTop - 4))\" y2=\"\(HTMLText.coordinate(frame.plotBottom))\"/>"
            html += "<text class=\"tick x\" x=\"\(x)\" y=\"\(HTMLText.coordinate(frame.plotTop - 10))\">\(SVGParts.axisNumber(tick)) ms</text>"
        }
        html += row(
            index: 0, frame: frame, rowHeight: rowHeight, domain: domain, kind: "request",
            label: "whole request", tooltip: "\(request.method) \(request.path)", start: 0, duration: request.durationMs
        )
        for (index, event) in shown.enumerated() {
            var tooltip = event.kind.rawValue + ": " + HTMLText.truncated(event.label, to: 600)
            if let site = event.callSite, site.isKnown { tooltip += "\nfrom " + site.chain() }
            let facts = Self.facts(event.detail)
            if !facts.isEmpty { tooltip += "\n" + facts.joined(separator: " · ") }
            html += row(
                index: index + 1, frame: frame, rowHeight: rowHeight, domain: domain, kind: event.kind.rawValue,
                label: event.label, tooltip: tooltip, start: event.startMs, duration: event.durationMs
            )
        }
        html += "</svg>"
        html += legend()
        let hidden = events.count - shown.count
        if hidden > 0 || request.droppedEvents > 0 {
            var notes: [String] = []
            if hidden > 0 { notes.append("\(HTMLText.count(hidden)) more events not drawn") }
            if request.droppedEvents > 0 { notes.append("\(HTMLText.count(request.droppedEvents)) events past the recorder's per-request cap (counted in the totals, not kept)") }
            html += "<p class=\"note\">… " + notes.joined(separator: "; ") + ".</p>"
        }
        return html
    }

    private static func row(
        index: Int, frame: ChartFrame, rowHeight: Double, domain: ClosedRange<Double>, kind: String,
        label: String, tooltip: String, start: Double, duration: Double
    ) -> String {
        let top = frame.plotTop + Double(index) * rowHeight
        let left = frame.x(max(start, 0), in: domain)
        let right = frame.x(max(start, 0) + max(duration, 0), in: domain)
        // Sub-pixel events still show as a sliver.
        let width = max(right - left, 1.5)
        let middle = HTMLText.coordinate(top + rowHeight / 2 + 4)
        var svg = "<g class=\"row \(kind)\"><title>\(HTMLText.escape(tooltip))</title>"
        if index % 2 == 0 {
            svg += "<rect class=\"stripe\" x=\"0\" y=\"\(HTMLText.coordinate(top))\" width=\"\(HTMLText.coordinate(frame.width))\" height=\"\(HTMLText.coordinate(rowHeight))\"/>"
        }
        svg += "<rect class=\"chip \(kind)\" x=\"4\" y=\"\(HTMLText.coordinate(top + 5))\" width=\"8\" height=\"10\" rx=\"2\"/>"
        svg += "<text class=\"label\" x=\"18\" y=\"\(middle)\">\(HTMLText.escape(HTMLText.truncated(label, to: labelCharacters)))</text>"
        svg += "<rect class=\"bar \(kind)\" x=\"\(HTMLText.coordinate(min(left, frame.plotRight - 1.5)))\" y=\"\(HTMLText.coordinate(top + 4))\" "
        svg += "width=\"\(HTMLText.coordinate(width))\" height=\"\(HTMLText.coordinate(rowHeight - 8))\" rx=\"2\"/>"
        svg += "<text class=\"duration\" x=\"\(HTMLText.coordinate(frame.width - 6))\" y=\"\(middle)\">\(HTMLText.ms(duration))</text></g>"
        return svg
    }

    static func legend() -> String {
        let kinds: [(String, String)] = [
            ("database", "database query"), ("http", "outbound HTTP call"), ("stall", "thread blocked (stall)"), ("span", "span marked by the app"),
        ]
        return "<div class=\"legend\">" + kinds.map { "<span class=\"swatch \($0.0)\"></span>\($0.1)" }.joined(separator: " ") + "</div>"
    }

    /// A few facts of an event for its tooltip.
    static func facts(_ detail: EventDetail) -> [String] {
        switch detail {
        case .query(let query):
            var facts: [String] = []
            if let rows = query.rows { facts.append("\(rows) rows") }
            if let columns = query.columns { facts.append("\(columns.count) columns") }
            if query.failed { facts.append("failed") }
            return facts
        case .call(let call):
            var facts: [String] = []
            if let status = call.status { facts.append("status \(status)") }
            if let bytes = call.responseBytes { facts.append(HTMLText.bytes(Double(bytes))) }
            if call.failed { facts.append("failed") }
            return facts
        case .stall(let stall):
            return ["\(stall.kind.rawValue) on \(stall.threadName)", "CPU \(HTMLText.ms(Double(stall.cpuNanoseconds) / 1e6))"]
        case .span:
            return []
        }
    }
}
