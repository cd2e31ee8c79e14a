import Foundation
import Hotpath

/// Renders a run as text, in wrk's layout where wrk has one (so habits and scripts that
/// grep `Requests/sec:` keep working), plus feel, warnings and the budget.
public struct LoadSummaryRenderer: Sendable {
    /// Adds wrk2 -L's percentile table and the detailed HdrHistogram spectrum.
    public var showLatencyDistribution = false
    /// ANSI colour (for a terminal).
    public var color = false

    public init(showLatencyDistribution: Bool = false, color: Bool = false) {
        self.showLatencyDistribution = showLatencyDistribution
        self.color = color
    }

    public func header(for configuration: LoadConfiguration) -> String {
        var length: String
        if let duration = configuration.duration {
            length = DurationText.formatCompact(nanoseconds: duration.nanosecondsValue)
            if let requests = configuration.requests { length += " (or \(requests) requests)" }
        } else {
            length = "\(configuration.requests ?? 0) requests"
        }
        let mode = configuration.rate.map { "at \(Self.number($0)) req/s, latency from each intended send (corrected)" }
            ?? "closed loop, latency from each actual send"
        var text = "Running \(length) test @ \(configuration.target)\n"
        text += "  \(configuration.threads) threads and \(configuration.connections) connections, \(mode)\n"
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
        let statuses = result.statusCounts.byStatus.map { "\($0.status): \($0.count)" }
        if !statuses.isEmpty { out += "  Status codes \(statuses.joined(separator: ", "))\n" }
        let errors = result.errors
        if errors.total > 0 {
            out += "  Socket errors: connect \(errors.connect), read \(errors.read), write \(errors.write), timeout \(errors.timeout)\n"
        }
        if result.statusCounts.unsuccessful > 0 {
            out += "  Non-2xx or 3xx responses: \(result.statusCounts.unsuccessful)\n"
        }
        out += "Requests/sec: \(Self.padded(String(format: "%.2f", result.requestsPerSecond)))\n"
        out += "Transfer/sec: \(Self.padded(Self.bytes(result.bytesPerSecond)))\n"
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
