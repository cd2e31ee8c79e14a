import ArgumentParser
import Foundation
import Hotpath
import HotpathLoad

/// `hotpath compare before.json after.json`: did the change help, hurt, or do nothing beyond
/// the noise?
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two runs (hotpath load or diagnose --json): p50/p95/p99 and req/s per endpoint, with a verdict beyond the noise.",
        discussion: """
        Each change gets a 95% bootstrap interval (latency from the recorded histograms, throughput \
        from the per-second timeline); it is called improved or regressed only when the interval \
        excludes zero and the change is at least the noise floor (5%). Exits 99 when a metric \
        regressed by more than --fail-on (default 10%), for CI.

        Examples:
          hotpath load http://127.0.0.1:8080/orders -d 10s --json before.json
          … change the code …
          hotpath load http://127.0.0.1:8080/orders -d 10s --json after.json
          hotpath compare before.json after.json --fail-on 5%
          hotpath diagnose http://127.0.0.1:8080 --token s3cret --json before.json   (every endpoint)
          hotpath compare before.json after.json
        """
    )

    @Argument(help: "The earlier run (hotpath-load/1 or hotpath-diagnosis/1 JSON).")
    var before: String

    @Argument(help: "The later run.")
    var after: String

    @Option(name: .customLong("fail-on"), help: "Exit 99 when a metric regressed by more than this, e.g. 10% (the default).")
    var failOn: String = "10%"

    @Option(name: .customLong("noise-floor"), help: "Smaller changes are 'unchanged' even when certain (default 5%).")
    var noiseFloor: String = "5%"

    func run() throws {
        let failThreshold = try Self.percent(failOn, option: "--fail-on")
        let floor = try Self.percent(noiseFloor, option: "--noise-floor")
        let beforeData = try Self.read(before)
        let afterData = try Self.read(after)
        switch (DiagnosisCompare.isDiagnosis(beforeData), DiagnosisCompare.isDiagnosis(afterData)) {
        case (true, true):
            let regressed = DiagnosisCompare.run(
                before: try DiagnosisCompare.load(before, data: beforeData), after: try DiagnosisCompare.load(after, data: afterData),
                noiseFloor: floor, failOn: failThreshold
            )
            Terminal.flush()
            if regressed { throw CLIExit(code: CLIExit.budgetFailed) }
            return
        case (true, false), (false, true):
            throw CLIExit.badInput("'\(before)' and '\(after)' are different kinds of report: compare two 'hotpath load --json' runs or two 'hotpath diagnose --json' diagnoses")
        case (false, false):
            break
        }
        let old = try Self.load(before, data: beforeData)
        let new = try Self.load(after, data: afterData)
        let changes = RunComparison.compare(
            before: old.latency.histogram, after: new.latency.histogram,
            beforeThroughput: old.timeline.filter { $0.intervalS >= 0.5 }.map(\.rps),
            afterThroughput: new.timeline.filter { $0.intervalS >= 0.5 }.map(\.rps),
            noiseFloorPercent: floor
        )
        Terminal.outSanitized(Self.render(changes, before: old, after: new))
        Terminal.flush()
        if changes.contains(where: { $0.verdict == .regressed && abs($0.changePercent) > failThreshold }) {
            throw CLIExit(code: CLIExit.budgetFailed)
        }
    }

    static func percent(_ text: String, option: String) throws -> Double {
        let trimmed = text.hasSuffix("%") ? String(text.dropLast()) : text
        guard let value = Double(trimmed), value >= 0 else {
            throw CLIExit.badInput("\(option) '\(text)' is not a percentage; write e.g. \(option) 10%")
        }
        return value
    }

    static func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIExit.badInput("cannot read '\(path)': no such file (give the --json file of a hotpath load or diagnose run)")
        }
        return data
    }

    static func load(_ path: String, data: Data) throws -> LoadReport {
        do {
            return try LoadReport.decode(data)
        } catch {
            throw CLIExit.badInput("'\(path)' is not a hotpath load report (schema \(LoadReport.schema)): write one with hotpath load … --json \(path)")
        }
    }

    static func render(_ changes: [MetricChange], before: LoadReport, after: LoadReport) -> String {
        var lines = [
            "Comparing \(before.config.url) (\(before.summary.requests) requests) → \(after.config.url) (\(after.summary.requests) requests)",
            "",
            "  metric           before          after     change   95% interval            verdict",
        ]
        func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
            let padding = String(repeating: " ", count: max(width - text.count, 0))
            return left ? text + padding : padding + text
        }
        for change in changes {
            let unit = change.metric == "req/s" ? "" : " ms"
            let interval = change.intervalPercent.map { String(format: "[%+.1f%%, %+.1f%%]", $0.lowerBound, $0.upperBound) } ?? "(too few seconds)"
            lines.append(
                "  " + pad(change.metric, 7, left: true)
                    + pad(String(format: "%.2f", change.before) + unit, 14)
                    + pad(String(format: "%.2f", change.after) + unit, 15)
                    + pad(String(format: "%+.1f%%", change.changePercent), 11)
                    + "   " + pad(interval, 24, left: true) + change.verdict.rawValue
            )
        }
        let regressed = changes.filter { $0.verdict == .regressed }.map(\.metric)
        let improved = changes.filter { $0.verdict == .improved }.map(\.metric)
        lines.append("")
        if !regressed.isEmpty {
            lines.append("Verdict: regressed (\(regressed.joined(separator: ", ")))" + (improved.isEmpty ? "" : "; improved: \(improved.joined(separator: ", "))"))
        } else if !improved.isEmpty {
            lines.append("Verdict: improved (\(improved.joined(separator: ", ")))")
        } else {
            lines.append("Verdict: unchanged (every difference is within the noise)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
