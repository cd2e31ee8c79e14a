import Hotpath

/// The plot area of an SVG chart inside its view box, and the mapping of data onto it.
///
/// Charts use a fixed view box and scale with the page (`width: 100%`), so all positions are
/// in view-box units and text keeps its proportions.
struct ChartFrame {
    var width: Double
    var height: Double
    var left: Double
    var right: Double
    var top: Double
    var bottom: Double

    var plotLeft: Double { left }
    var plotRight: Double { width - right }
    var plotTop: Double { top }
    var plotBottom: Double { height - bottom }
    var plotWidth: Double { max(plotRight - plotLeft, 1) }
    var plotHeight: Double { max(plotBottom - plotTop, 1) }

    /// Data `x` in `domain` to a horizontal position, clamped to the plot so a stray value
    /// cannot draw outside it.
    func x(_ value: Double, in domain: ClosedRange<Double>) -> Double {
        plotLeft + Self.fraction(value, domain) * plotWidth
    }

    /// Data `y` in `domain` to a vertical position (up is larger).
    func y(_ value: Double, in domain: ClosedRange<Double>) -> Double {
        plotBottom - Self.fraction(value, domain) * plotHeight
    }

    private static func fraction(_ value: Double, _ domain: ClosedRange<Double>) -> Double {
        let span = domain.upperBound - domain.lowerBound
        guard value.isFinite, span > 0, span.isFinite else { return 0 }
        return min(max((value - domain.lowerBound) / span, 0), 1)
    }

    /// The opening tag: a view box that scales, and a label for screen readers.
    func open(class name: String, label: String) -> String {
        "<svg class=\"chart \(name)\" viewBox=\"0 0 \(HTMLText.coordinate(width)) \(HTMLText.coordinate(height))\" "
            + "role=\"img\" aria-label=\"\(HTMLText.escape(label))\" xmlns=\"http://www.w3.org/2000/svg\">"
    }
}

/// Round axis steps (1, 2 or 5 times a power of ten), so gridlines fall on numbers people
/// read at a glance.
struct NiceScale {
    var maximum: Double
    var step: Double

    /// An axis from 0 that covers `value` with about `ticks` gridlines. Zero, negative and
    /// non-finite maxima get an axis of 0…1 so an empty chart still draws.
    init(covering value: Double, ticks: Int = 5) {
        let top = value.isFinite && value > 0 ? value : 1
        let rough = top / Double(max(ticks, 1))
        let power = Self.powerOfTen(rough)
        let residual = rough / power
        let unit: Double = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10
        step = unit * power
        maximum = max((top / step).rounded(.up) * step, step)
    }

    var domain: ClosedRange<Double> { 0...maximum }

    /// The gridline values from 0 to the maximum.
    var ticks: [Double] {
        let count = Int((maximum / step).rounded())
        return (0...max(count, 0)).map { Double($0) * step }
    }

    private static func powerOfTen(_ value: Double) -> Double {
        var power = 1.0
        if value >= 1 {
            while power * 10 <= value { power *= 10 }
        } else {
            while power > value, power > 1e-12 { power /= 10 }
        }
        return power
    }
}

/// SVG pieces the charts share.
enum SVGParts {
    /// Horizontal gridlines with their labels on the left.
    static func horizontalGrid(_ frame: ChartFrame, scale: NiceScale, label: (Double) -> String) -> String {
        var svg = "<g class=\"grid\">"
        for tick in scale.ticks {
            let y = HTMLText.coordinate(frame.y(tick, in: scale.domain))
            svg += "<line x1=\"\(HTMLText.coordinate(frame.plotLeft))\" x2=\"\(HTMLText.coordinate(frame.plotRight))\" y1=\"\(y)\" y2=\"\(y)\"/>"
            svg += "<text class=\"tick y\" x=\"\(HTMLText.coordinate(frame.plotLeft - 6))\" y=\"\(y)\">\(HTMLText.escape(label(tick)))</text>"
        }
        return svg + "</g>"
    }

    /// A vertical gridline with its label under the plot.
    static func verticalTick(_ frame: ChartFrame, x: Double, label: String) -> String {
        let position = HTMLText.coordinate(x)
        return "<line class=\"vgrid\" x1=\"\(position)\" x2=\"\(position)\" y1=\"\(HTMLText.coordinate(frame.plotTop))\" "
            + "y2=\"\(HTMLText.coordinate(frame.plotBottom))\"/>"
            + "<text class=\"tick x\" x=\"\(position)\" y=\"\(HTMLText.coordinate(frame.plotBottom + 15))\">\(HTMLText.escape(label))</text>"
    }

    /// The frame's bottom and left edges.
    static func axes(_ frame: ChartFrame) -> String {
        let left = HTMLText.coordinate(frame.plotLeft), right = HTMLText.coordinate(frame.plotRight)
        let top = HTMLText.coordinate(frame.plotTop), bottom = HTMLText.coordinate(frame.plotBottom)
        return "<path class=\"axis\" d=\"M\(left) \(top)V\(bottom)H\(right)\"/>"
    }

    /// Points joined by straight segments.
    static func path(_ points: [(x: Double, y: Double)]) -> String {
        var d = ""
        for (index, point) in points.enumerated() {
            d += (index == 0 ? "M" : "L") + HTMLText.coordinate(point.x) + " " + HTMLText.coordinate(point.y)
        }
        return d
    }

    /// Short number labels for axes: `1.5`, `20`, `1,000`, `12k`.
    static func axisNumber(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        if value.magnitude >= 10_000 { return HTMLText.grouped(value / 1_000) + "k" }
        if value.magnitude >= 10 || value == value.rounded() { return HTMLText.grouped(value) }
        var text = DecimalText.fixed(value, fractionDigits: value.magnitude >= 1 ? 1 : 3)
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
