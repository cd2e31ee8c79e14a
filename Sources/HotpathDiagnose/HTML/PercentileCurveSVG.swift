import Foundation
import HotpathLoad

/// The latency percentile spectrum, plotted the way HdrHistogram plots it: the horizontal
/// axis is log10(1 / (1 − p)), so 90 %, 99 %, 99.9 % and 99.99 % sit one step apart and the
/// rare slow requests get as much room as the typical ones.
enum PercentileCurveSVG {
    /// The percentiles marked on the curve, when the run is deep enough to have them.
    static let marked: [(key: String, percentile: Double)] = [("p50", 50), ("p95", 95), ("p99", 99)]

    static func render(_ latency: LoadReport.Latency, limits: [BudgetLimit]) -> String {
        let points = latency.curve.filter { $0.percentile.isFinite && $0.ms.isFinite && $0.percentile >= 0 && $0.ms >= 0 }
        guard latency.count > 0, !points.isEmpty else {
            return "<p class=\"empty\">No request completed, so there is no latency curve to draw.</p>"
        }
        let frame = ChartFrame(width: 760, height: 300, left: 64, right: 28, top: 20, bottom: 50)
        // Deep enough for the four ticks people look for; deeper only when the run has the data.
        let deepest = points.filter { $0.percentile < 100 }.map { decades($0.percentile) }.max() ?? 0
        let axisDecades = min(max(4, deepest.rounded(.up)), 6)
        let xDomain = 0...axisDecades
        let slowest = points.map(\.ms).max() ?? 0
        // A budget far above a fast endpoint would squash its curve flat at the bottom: such a
        // budget is named in the legend but left off the scale.
        let drawn = limits.filter { $0.milliseconds <= max(slowest, 0.001) * 3 }
        let highest = max(slowest, drawn.map(\.milliseconds).max() ?? 0)
        // Headroom for the budget legend in the top-left corner.
        let yScale = NiceScale(covering: highest * 1.12)
        func x(_ percentile: Double) -> Double { frame.x(min(decades(percentile), axisDecades), in: xDomain) }
        func y(_ ms: Double) -> Double { frame.y(ms, in: yScale.domain) }

        var svg = frame.open(class: "percentile-curve", label: "latency by percentile, log scale")
        svg += SVGParts.horizontalGrid(frame, scale: yScale) { SVGParts.axisNumber($0) }
        for decade in 0...Int(axisDecades) {
            svg += SVGParts.verticalTick(frame, x: frame.x(Double(decade), in: xDomain), label: tickLabel(decade))
        }
        svg += SVGParts.axes(frame)
        svg += "<text class=\"axis-title\" x=\"\(HTMLText.coordinate(frame.plotLeft + frame.plotWidth / 2))\" "
        svg += "y=\"\(HTMLText.coordinate(frame.height - 8))\">percentile of requests (log scale: each step right is 10× rarer)</text>"
        svg += "<text class=\"axis-title vertical\" transform=\"translate(14 \(HTMLText.coordinate(frame.plotTop + frame.plotHeight / 2))) rotate(-90)\">latency (ms)</text>"

        let line = points.map { (x: x($0.percentile), y: y($0.ms)) }
        if let first = line.first, let last = line.last {
            let bottom = HTMLText.coordinate(frame.plotBottom)
            svg += "<path class=\"curve-area\" d=\"\(SVGParts.path(line))L\(HTMLText.coordinate(last.x)) \(bottom)"
            svg += "L\(HTMLText.coordinate(first.x)) \(bottom)Z\"/>"
        }
        svg += "<path class=\"curve\" d=\"\(SVGParts.path(line))\"/>"
        if line.count <= 3 {
            for point in line { svg += circle(point.x, point.y, class: "curve-dot", radius: 3.5) }
        }

        for (index, limit) in limits.enumerated() {
            svg += budgetLine(limit, index: index, onScale: drawn.contains { $0.label == limit.label }, frame: frame, x: x, y: y)
        }

        for mark in marked where decades(mark.percentile) <= deepest + 1e-9 || mark.percentile <= 50 {
            guard let ms = latency.percentilesMs[mark.key], ms.isFinite else { continue }
            svg += marker(x: x(mark.percentile), y: y(ms), text: "\(mark.key) \(HTMLText.ms(ms))", frame: frame)
        }
        if latency.maxMs.isFinite {
            let px = frame.plotRight, py = y(latency.maxMs)
            svg += circle(px, py, class: "max-dot", radius: 3.5)
            // Under the curve's last, flat stretch: nothing else is drawn there.
            let below = py + 18 <= frame.plotBottom - 4
            svg += "<text class=\"marker-label end\" x=\"\(HTMLText.coordinate(px - 7))\" y=\"\(HTMLText.coordinate(below ? py + 16 : py - 8))\">"
            svg += "max \(HTMLText.ms(latency.maxMs))</text>"
        }
        return svg + "</svg>"
    }

    /// How many "nines" deep a percentile is: 0 for 0 %, 1 for 90 %, 2 for 99 %.
    static func decades(_ percentile: Double) -> Double {
        guard percentile < 100 else { return .infinity }
        return log10(1 / (1 - max(percentile, 0) / 100))
    }

    /// 0 %, 90 %, 99 %, 99.9 %, …
    static func tickLabel(_ decade: Int) -> String {
        guard decade > 0 else { return "0%" }
        guard decade > 2 else { return decade == 1 ? "90%" : "99%" }
        return "99." + String(repeating: "9", count: decade - 2) + "%"
    }

    private static func circle(_ x: Double, _ y: Double, class name: String, radius: Double) -> String {
        "<circle class=\"\(name)\" cx=\"\(HTMLText.coordinate(x))\" cy=\"\(HTMLText.coordinate(y))\" r=\"\(HTMLText.coordinate(radius))\"/>"
    }

    private static func marker(x: Double, y: Double, text: String, frame: ChartFrame) -> String {
        // The curve only rises to the right, so below-right and above-left of a point are free
        // of it: below-right first, above-left near the bottom or the right edge.
        let roomBelow = y + 18 <= frame.plotBottom - 4
        let roomRight = x + 110 <= frame.plotRight
        let roomLeft = x - 110 >= frame.plotLeft
        let (lx, ly, end): (Double, Double, Bool) =
            roomBelow && roomRight ? (x + 7, y + 16, false) : roomLeft ? (x - 7, y - 8, true) : (x + 7, y - 8, false)
        var svg = circle(x, y, class: "marker", radius: 3.5)
        svg += "<text class=\"marker-label\(end ? " end" : "")\" x=\"\(HTMLText.coordinate(lx))\" "
        svg += "y=\"\(HTMLText.coordinate(ly))\">\(HTMLText.escape(text))</text>"
        return svg
    }

    private static func budgetLine(
        _ limit: BudgetLimit, index: Int, onScale: Bool, frame: ChartFrame, x: (Double) -> Double, y: (Double) -> Double
    ) -> String {
        let ly = HTMLText.coordinate(y(limit.milliseconds))
        var svg = "<g class=\"budget\">"
        if onScale {
            svg += "<line x1=\"\(HTMLText.coordinate(frame.plotLeft))\" x2=\"\(HTMLText.coordinate(frame.plotRight))\" y1=\"\(ly)\" y2=\"\(ly)\"/>"
        }
        if onScale, let percentile = limit.percentile, percentile < 100 {
            // Where the budget is checked: the curve passing above this ring means over budget.
            let px = HTMLText.coordinate(x(percentile))
            svg += "<line class=\"budget-drop\" x1=\"\(px)\" x2=\"\(px)\" y1=\"\(ly)\" y2=\"\(HTMLText.coordinate(frame.plotBottom))\"/>"
            svg += "<circle class=\"budget-ring\" cx=\"\(px)\" cy=\"\(ly)\" r=\"5\"/>"
        }
        // Named in a legend in the top-left corner, which a rising curve leaves empty; a label
        // on the line itself would cross the curve wherever the two meet.
        let legendY = frame.plotTop + 14 + Double(index) * 16
        let legendX = frame.plotLeft + 10
        svg += "<line class=\"budget-key\" x1=\"\(HTMLText.coordinate(legendX))\" x2=\"\(HTMLText.coordinate(legendX + 26))\" "
        svg += "y1=\"\(HTMLText.coordinate(legendY - 4))\" y2=\"\(HTMLText.coordinate(legendY - 4))\"/>"
        svg += "<text class=\"budget-label\" x=\"\(HTMLText.coordinate(legendX + 32))\" y=\"\(HTMLText.coordinate(legendY))\">"
        svg += "budget \(HTMLText.escape(limit.label))\(onScale ? "" : " (far above this chart)")</text></g>"
        return svg
    }
}
