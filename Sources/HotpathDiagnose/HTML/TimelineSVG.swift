import HotpathLoad

/// Throughput and tail latency second by second: two small line charts side by side, so a
/// warm-up, a slow drift or a stall during the run shows at a glance.
enum TimelineSVG {
    /// One line of a chart.
    struct Series {
        var name: String
        /// CSS class: its colour.
        var style: String
        var points: [(x: Double, y: Double)]
    }

    static func render(_ timeline: [LoadReport.TimelinePoint]) -> String {
        let usable = timeline.filter { $0.second.isFinite }
        guard !usable.isEmpty else {
            return "<p class=\"empty\">No per-second timeline was recorded for this run.</p>"
        }
        let throughput = Series(
            name: "req/s", style: "rps",
            points: usable.compactMap { $0.rps.isFinite ? (x: $0.second, y: $0.rps) : nil }
        )
        // A second in which nothing completed has no latency: a gap, not a zero.
        let answered = usable.filter { $0.requests > 0 }
        let p99 = Series(name: "p99", style: "p99", points: answered.compactMap { $0.p99Ms.isFinite ? (x: $0.second, y: $0.p99Ms) : nil })
        let p50 = Series(name: "p50", style: "p50", points: answered.compactMap { $0.p50Ms.isFinite ? (x: $0.second, y: $0.p50Ms) : nil })
        guard !(throughput.points.isEmpty && p99.points.isEmpty && p50.points.isEmpty) else {
            return "<p class=\"empty\">The per-second timeline holds no usable number.</p>"
        }
        let start = min(0, usable.map { $0.second - max($0.intervalS.isFinite ? $0.intervalS : 0, 0) }.min() ?? 0)
        let end = max(usable.map(\.second).max() ?? 1, start + 1)
        let errorSeconds = usable.filter { $0.errors > 0 || $0.non2xx3xx > 0 }.map(\.second)
        var html = "<div class=\"timeline\">"
        html += chart(title: "Throughput (requests per second)", series: [throughput], xDomain: start...end, unit: "", errors: errorSeconds)
        html += chart(title: "Latency per second: p99 and p50 (ms)", series: [p99, p50], xDomain: start...end, unit: "ms", errors: [])
        return html + "</div>"
    }

    static func chart(title: String, series: [Series], xDomain: ClosedRange<Double>, unit: String, errors: [Double]) -> String {
        let frame = ChartFrame(width: 380, height: 210, left: 48, right: 14, top: 14, bottom: 36)
        let highest = series.flatMap(\.points).map(\.y).max() ?? 0
        let yScale = NiceScale(covering: highest * 1.08, ticks: 4)
        let xScale = NiceScale(covering: xDomain.upperBound, ticks: 6)
        var html = "<figure class=\"timeline-chart\"><figcaption>\(HTMLText.escape(title))</figcaption>"
        html += frame.open(class: "timeline-svg", label: title)
        html += SVGParts.horizontalGrid(frame, scale: yScale) { SVGParts.axisNumber($0) }
        for tick in xScale.ticks where tick >= xDomain.lowerBound && tick <= xDomain.upperBound {
            html += SVGParts.verticalTick(frame, x: frame.x(tick, in: xDomain), label: SVGParts.axisNumber(tick) + "s")
        }
        html += SVGParts.axes(frame)
        for second in errors {
            let x = HTMLText.coordinate(frame.x(second, in: xDomain))
            html += "<line class=\"error-tick\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(HTMLText.coordinate(frame.plotBottom - 8))\" "
            html += "y2=\"\(HTMLText.coordinate(frame.plotBottom))\"><title>errors in this second</title></line>"
        }
        for line in series where !line.points.isEmpty {
            let placed = line.points.map { (x: frame.x($0.x, in: xDomain), y: frame.y($0.y, in: yScale.domain)) }
            if placed.count > 1 {
                html += "<path class=\"series \(line.style)\" d=\"\(SVGParts.path(placed))\"/>"
            }
            // With few points a line says little: dots make each second visible.
            if line.points.count <= 20 {
                let radius = line.points.count <= 3 ? 4.0 : 2.5
                for (point, value) in zip(placed, line.points) {
                    html += "<circle class=\"dot \(line.style)\" cx=\"\(HTMLText.coordinate(point.x))\" cy=\"\(HTMLText.coordinate(point.y))\" "
                    html += "r=\"\(HTMLText.coordinate(radius))\"><title>\(HTMLText.escape(line.name)) at \(SVGParts.axisNumber(value.x))s: "
                    html += "\(unit == "ms" ? HTMLText.ms(value.y) : HTMLText.rate(value.y))</title></circle>"
                }
            }
        }
        html += "</svg>"
        if series.count > 1 {
            html += "<div class=\"legend\">" + series.map { "<span class=\"swatch \($0.style)\"></span>\(HTMLText.escape($0.name))" }.joined(separator: " ") + "</div>"
        }
        return html + "</figure>"
    }
}
