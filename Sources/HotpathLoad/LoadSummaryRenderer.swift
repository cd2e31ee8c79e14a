import Foundation
import Hotpath

/// Renders a run as text, in wrk's layout where wrk has one (so habits and scripts that
/// grep `Requests/sec:` keep working), plus feel, warnings and the budget.
public struct LoadSummaryRenderer: Sendable {
    /// Adds wrk2 -L's percentile table and the detailed HdrHistogram spectrum.
    public var showLatencyDistribution = false
    /// ANSI colour (for a terminal).
    public var color = false

    /// Adds the per-second timeline (requests, target rate in an open model, p50, p99).
    public var showTimeline = false

    public init(showLatencyDistribution: Bool = false, color: Bool = false, showTimeline: Bool = false) {
        self.showLatencyDistribution = showLatencyDistribution
        self.color = color
        self.showTimeline = showTimeline
    }

    public func header(for configuration: LoadConfiguration) -> String {
        var length: String
        if let duration = configuration.effectiveDuration {
            length = DurationText.formatCompact(nanoseconds: duration.nanosecondsValue)
            if let requests = configuration.requests { length += " (or \(requests) requests)" }
        } else {
            length = "\(configuration.requests ?? 0) requests"
        }
        var mode = configuration.rate.map { "at \(Self.number($0)) req/s, latency from each intended send (corrected)" }
            ?? "closed loop, latency from each actual send"
        if !configuration.stages.isEmpty {
            mode = "arrival-rate stages \(LoadStage.text(configuration.stages)), latency from each intended send (corrected)"
        }
        let mix = configuration.requestMix
        let place = mix.isEmpty ? "\(configuration.target)" : "\(configuration.target.origin) (\(mix.count) requests from --urls, \(configuration.order.rawValue) order)"
        var text = "Running \(length) test @ \(place)\n"
        var connections = "\(configuration.connections) connections"
        if configuration.http2 {
            connections += " over \(configuration.protocolName), \(configuration.streamsPerConnection) stream\(configuration.streamsPerConnection == 1 ? "" : "s") each"
        }
        text += "  \(configuration.threads) threads and \(connections), \(mode)\n"
        if configuration.warmup > .zero { text += "  warming up for \(DurationText.formatCompact(nanoseconds: configuration.warmup.nanosecondsValue)) first (not counted)\n" }
        return text
    }

    public func render(_ result: LoadResult, verdicts: [BudgetVerdict]) -> String {
        var out = ""
        let latency = result.latency
        let format = { (nanoseconds: Double) in DurationText.format(nanoseconds: nanoseconds) }
        if latency.count > 0 {
            let withinStdev = latency.fraction(atOrBelowNanoseconds: latency.mean + latency.standardDeviation)
                - latency.fraction(atOrBelowNanoseconds: max(latency.mean - latency.standardDeviation, 0))
            out += "  Latency      avg \(format(latency.mean))   stdev \(format(latency.standardDeviation))   max \(format(latency.max))   +/- stdev \(Self.percent(withinStdev * 100))\n"
            var line = "  Percentiles "
            for (key, value) in LoadReport.reportedPercentiles.prefix(6) { line += " \(key) \(format(latency.percentile(value)))" }
            out += line + "\n"
            let feels = [("p50", 50.0), ("p95", 95.0), ("p99", 99.0)].map { key, value in
                let feel = Feel(nanoseconds: latency.percentile(value))
                return "\(key) \(paint(feel.rawValue, feel <= .snappy ? .green : feel == .noticeable ? .yellow : .red))"
            }
            out += "  Feel         \(feels.joined(separator: " · "))\n"
            if let uncorrected = result.uncorrectedLatency, uncorrected.count > 0 {
                out += "  Uncorrected  p50 \(format(uncorrected.percentile(50)))  p99 \(format(uncorrected.percentile(99)))  max \(format(uncorrected.max))  (from each actual send: what closed-loop tools report)\n"
            }
        }
        if showLatencyDistribution, latency.count > 0 {
            out += distribution(latency)
        }
        out += "  \(result.completed) requests in \(format(result.elapsed.nanosecondsValue)), \(Self.bytes(Double(result.bytesRead))) read\n"
        if result.drained > 0 {
            out += "  \(result.drained) of them answered after the window (waited for, counted in latency, not in req/s)\n"
        }
        let statuses = result.statusCounts.byStatus.map { "\($0.status): \($0.count)" }
        if !statuses.isEmpty { out += "  Status codes \(statuses.joined(separator: ", "))\n" }
        let errors = result.errors
        if errors.total > 0 {
            var line = "  Socket errors: connect \(errors.connect), read \(errors.read), write \(errors.write), timeout \(errors.timeout)"
            if result.protocolName != "http/1.1" { line += ", stream resets \(errors.reset)" }
            out += line + "\n"
        }
        if errors.goaway > 0 {
            out += "  GOAWAY from the server: \(errors.goaway) (connections replaced; unstarted streams sent again)\n"
        }
        if result.statusCounts.unsuccessful > 0 {
            out += "  Non-2xx or 3xx responses: \(result.statusCounts.unsuccessful)\n"
        }
        out += "Requests/sec: \(Self.padded(String(format: "%.2f", result.requestsPerSecond)))\n"
        out += "Transfer/sec: \(Self.padded(Self.bytes(result.bytesPerSecond)))\n"
        if !result.endpoints.isEmpty { out += endpointTable(result) }
        if !result.stages.isEmpty { out += stageTable(result.stages) }
        if showTimeline, !result.timeline.isEmpty { out += timelineTable(result.timeline) }
        let warnings = result.warnings
        if !warnings.isEmpty {
            out += "\nWarnings\n"
            for warning in warnings { out += "  \(paint("!", .yellow)) \(warning.message)\n" }
        }
        if !verdicts.isEmpty {
            out += "\nBudget\n"
            for verdict in verdicts {
                let mark = verdict.passed ? paint("✓ pass", .green) : paint("✗ FAIL", .red)
                out += "  \(mark)  \(verdict.clause.description.padding(toLength: 14, withPad: " ", startingAt: 0)) measured \(verdict.measuredText)\n"
            }
            let failed = verdicts.filter { !$0.passed }.count
            out += failed == 0 ? "  budget met\n" : "  budget failed: \(failed) of \(verdicts.count) clauses (exit code 99)\n"
        }
        return out
    }

    /// One row per request name: its own count, rate, errors, percentiles and budget.
    private func endpointTable(_ result: LoadResult) -> String {
        let format = { (nanoseconds: Double) in DurationText.format(nanoseconds: nanoseconds) }
        let width = min(max(result.endpoints.map(\.name.count).max() ?? 0, 7), 48)
        var out = "\n  Per request\n"
        out += "  " + "request".padding(toLength: width, withPad: " ", startingAt: 0)
        out += "   requests      req/s   errors      p50        p95        p99\n"
        for endpoint in result.endpoints {
            let name = endpoint.name.count > width ? String(endpoint.name.prefix(width - 1)) + "…" : endpoint.name
            let latency = endpoint.latency
            out += "  " + name.padding(toLength: width, withPad: " ", startingAt: 0)
            out += String(
                format: " %10llu %10.1f %8llu %@ %@ %@\n", endpoint.completed, endpoint.requestsPerSecond(elapsedSeconds: result.elapsedSeconds),
                endpoint.failed, Self.column(format(latency.percentile(50))), Self.column(format(latency.percentile(95))),
                Self.column(format(latency.percentile(99)))
            )
            if let budget = endpoint.budget {
                for verdict in budget.evaluate(endpoint.budgetMeasurement(elapsedSeconds: result.elapsedSeconds)) {
                    let mark = verdict.passed ? paint("✓ pass", .green) : paint("✗ FAIL", .red)
                    out += "      \(mark)  \(verdict.clause.description.padding(toLength: 14, withPad: " ", startingAt: 0)) measured \(verdict.measuredText)\n"
                }
            }
        }
        return out
    }

    /// Target against achieved, stage by stage.
    private func stageTable(_ stages: [LoadStageResult]) -> String {
        let format = { (nanoseconds: Double) in DurationText.format(nanoseconds: nanoseconds) }
        var out = "\n  Stages (achieved: responses completed in the stage's window)\n"
        out += "  stage   from–to          length   target req/s  achieved req/s   errors      p50        p99\n"
        for (index, stage) in stages.enumerated() {
            let span = "\(Self.number(stage.fromRate))→\(Self.number(stage.toRate))"
            let length = DurationText.formatCompact(nanoseconds: stage.seconds * 1e9)
            out += String(
                format: "  %5d   %@ %@ %14.1f %15.1f %8llu %@ %@\n", index + 1,
                span.padding(toLength: 16, withPad: " ", startingAt: 0), length.padding(toLength: 8, withPad: " ", startingAt: 0),
                stage.targetRate, stage.achievedRate, stage.errors.total &+ stage.unsuccessful,
                Self.column(format(stage.latency.percentile(50))), Self.column(format(stage.latency.percentile(99)))
            )
        }
        return out
    }

    private func timelineTable(_ timeline: [LoadTimelinePoint]) -> String {
        let format = { (nanoseconds: Double) in DurationText.format(nanoseconds: nanoseconds) }
        var out = "\n  Timeline\n     second   requests   target req/s   req/s   errors      p50        p99\n"
        for point in timeline {
            let target = point.targetRequestsPerSecond.map { String(format: "%14.1f", $0) } ?? "             –"
            out += String(
                format: "  %9.1f %10llu %@ %7.1f %8llu %@ %@\n", point.second, point.requests, target, point.requestsPerSecond,
                point.errors &+ point.unsuccessful, Self.column(format(point.p50)), Self.column(format(point.p99))
            )
        }
        return out
    }

    private static func column(_ text: String) -> String {
        String(repeating: " ", count: max(0, 10 - text.count)) + text
    }

    private func distribution(_ latency: LatencyHistogram) -> String {
        var out = "\n  Latency Distribution (HdrHistogram)\n"
        for value in [50.0, 75, 90, 99, 99.9, 99.99, 99.999, 100] {
            let label = value == 100 ? "100.000%" : String(format: "%7.3f%%", value)
            out += "   \(label)  \(DurationText.format(nanoseconds: latency.percentile(value)))\n"
        }
        out += "\n  Detailed Percentile spectrum:\n"
        out += "       Value   Percentile   TotalCount 1/(1-Percentile)\n\n"
        for point in latency.percentileCurve() {
            let fraction = point.percentile / 100
            let inverse = fraction < 1 ? String(format: "%12.2f", 1 / (1 - fraction)) : "         inf"
            out += String(format: "  %10.3f %12.6f %12llu %@\n", point.nanoseconds / 1e6, fraction, point.totalCount, inverse)
        }
        out += String(format: "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", latency.mean / 1e6, latency.standardDeviation / 1e6)
        out += String(format: "#[Max     = %12.3f, Total count    = %12llu]\n", latency.max / 1e6, latency.count)
        out += "  (values in milliseconds)\n\n"
        return out
    }

    // MARK: - Formatting

    enum Colour: String { case green = "32", yellow = "33", red = "31" }

    func paint(_ text: String, _ colour: Colour) -> String {
        color ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }

    static func padded(_ text: String) -> String {
        String(repeating: " ", count: max(0, 10 - text.count)) + text
    }

    static func percent(_ value: Double) -> String { String(format: "%.2f%%", value) }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(format: "%.0f", value) : String(format: "%.1f", value)
    }

    /// Bytes in wrk's units (1024-based): 512.00B, 9.73MB.
    public static func bytes(_ value: Double) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var scaled = value
        var unit = 0
        while scaled >= 1024, unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        return String(format: "%.2f%@", scaled, units[unit])
    }
}
