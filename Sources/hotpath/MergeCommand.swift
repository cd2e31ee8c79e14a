import ArgumentParser
import Foundation
import Hotpath
import HotpathLoad

/// `hotpath merge a.json b.json …`: one test run from several generators, combined exactly.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the --json reports of one test run from several generators into one.",
        discussion: """
        Counts, status codes and errors are summed; latency histograms are merged bucket by \
        bucket, so the merged percentiles are those of every request together; timelines are \
        aligned by wall clock (keep the generators' clocks in sync, e.g. with NTP). Reports of \
        different tests (URL, method, protocol, latency model, stages or duration) are refused. \
        Budgets written in the first report, and any --budget given here, are checked on the \
        merged figures (exit 99 when one fails).

        Example:
          hotpath merge gen-1.json gen-2.json gen-3.json --json merged.json
        """
    )

    @Argument(help: "The --json reports of `hotpath load`, one per generator.")
    var files: [String] = []

    @Option(name: .customLong("json"), help: "Write the merged report to this file (schema hotpath-load/1).")
    var json: String?

    @Option(name: .customLong("budget"), help: "A budget to check on the merged run, like 'p99<500ms' (repeatable).")
    var budgets: [String] = []

    @Flag(name: .customLong("latency"), help: "Print the full latency distribution.")
    var latency = false

    @Flag(name: .customLong("timeline"), help: "Print the merged per-second timeline.")
    var timeline = false

    func run() throws {
        guard files.count >= 2 else {
            throw HotpathInputError("give at least two reports to merge, like: hotpath merge a.json b.json")
        }
        let jsonTarget = try JSONOutput.targets([("--json", json)])[0]
        var runs: [(name: String, report: LoadReport)] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw HotpathInputError("cannot read '\(file)': no such readable file")
            }
            do {
                runs.append((file, try LoadReport.decode(data)))
            } catch {
                throw HotpathInputError("'\(file)' is not a report of hotpath load --json (\(Self.reason(error)))")
            }
        }
        let merged = try LoadMerge.merge(runs)
        var budget: Budget?
        let written = runs[0].report.budget.map(\.clause)
        if !written.isEmpty { budget = try Budget(parsing: written.joined(separator: ", ")) }
        for text in budgets {
            let parsed = try Budget(parsing: text)
            budget = budget.map { $0 + parsed } ?? parsed
        }
        Terminal.out(Self.runTable(runs))
        Terminal.out("\nMerged: \(runs.count) runs of \(merged.requestLines.count == 1 ? merged.requestLines[0] : "\(merged.requestLines.count) requests")\n")
        let verdicts = budget?.evaluate(merged.budgetMeasurement) ?? []
        let renderer = LoadSummaryRenderer(showLatencyDistribution: latency, color: Terminal.wantsColor, showTimeline: timeline)
        Terminal.out(renderer.render(merged, verdicts: verdicts))
        var report = LoadReport(result: merged, verdicts: verdicts, startedAt: Date(timeIntervalSince1970: merged.measuringStartedAt ?? 0))
        report.mergedRuns = merged.mergedRuns
        report.mergedFrom = files
        Terminal.flush()
        if let jsonTarget {
            let data: Data
            do { data = try report.encoded() } catch { throw CLIExit.runFailed("could not encode the JSON report: \(error)") }
            try JSONOutput.write(data, to: jsonTarget, what: "the JSON report")
        }
        if !report.budgetPassed { throw CLIExit(code: CLIExit.budgetFailed) }
    }

    /// One line per input: what each generator saw on its own.
    static func runTable(_ runs: [(name: String, report: LoadReport)]) -> String {
        let width = min(max(runs.map(\.name.count).max() ?? 4, 4), 40)
        var out = "  " + "run".padding(toLength: width, withPad: " ", startingAt: 0) + "   requests      req/s   errors      p50 ms     p99 ms   started\n"
        let first = runs.compactMap(\.report.measuringStartedAt).min()
        for run in runs {
            let summary = run.report.summary
            let percentiles = run.report.latency.percentilesMs
            var offset = "?"
            if let start = run.report.measuringStartedAt, let first { offset = String(format: "+%.3fs", start - first) }
            out += "  " + run.name.padding(toLength: width, withPad: " ", startingAt: 0)
            out += String(
                format: " %10llu %10.1f %8llu %11.2f %10.2f   %@\n", summary.requests, summary.requestsPerSecond,
                summary.socketErrors &+ summary.non2xx3xx, percentiles["p50"] ?? 0, percentiles["p99"] ?? 0, offset
            )
        }
        return out
    }

    /// A decoding error in a few words (the missing key, or what was malformed).
    static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _): return "no '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not JSON of that schema" : "bad '\(path)'"
        default: return "not JSON"
        }
    }
}
