import Foundation
import Hotpath
import HotpathDiagnose
import HotpathLoad

/// `hotpath compare` on two `hotpath diagnose --json` files: every endpoint both measured.
enum DiagnosisCompare {
    static func isDiagnosis(_ data: Data) -> Bool {
        struct Schema: Decodable { var schema: String? }
        return (try? JSONDecoder().decode(Schema.self, from: data))?.schema == Diagnosis.schemaName
    }

    static func load(_ path: String, data: Data) throws -> Diagnosis {
        do {
            return try DiagnosisJSON.decode(data)
        } catch {
            throw CLIExit.badInput("'\(path)' is not a readable hotpath diagnosis (schema \(Diagnosis.schemaName)): write one with hotpath diagnose … --json \(path)")
        }
    }

    /// Prints the table and the per-metric detail; true when an endpoint regressed past `failOn`.
    static func run(before: Diagnosis, after: Diagnosis, noiseFloor: Double, failOn: Double) -> Bool {
        let comparisons = DiagnosisComparison.compare(before: before, after: after, noiseFloorPercent: noiseFloor)
        var text = "Comparing \(before.target) (\(before.startedAt)) → \(after.target) (\(after.startedAt)), per endpoint\n\n"
        text += DiagnosisText.renderComparison(comparisons, title: "p95 and throughput, before → after")
        text += "\nEvery metric (95% bootstrap interval of the change):\n"
        for comparison in comparisons {
            let details = comparison.changes.map { change in
                let interval = change.intervalPercent.map { "[\(DiagnosisText.percent($0.lowerBound)), \(DiagnosisText.percent($0.upperBound))]" } ?? "(few seconds)"
                return "\(change.metric) \(DiagnosisText.percent(change.changePercent)) \(interval) \(change.verdict.rawValue)"
            }
            text += "  \(comparison.endpoint): " + details.joined(separator: "; ") + "\n"
        }
        let (onlyBefore, onlyAfter) = DiagnosisComparison.unmatched(before: before, after: after)
        if !onlyBefore.isEmpty { text += "Only in the first: \(onlyBefore.joined(separator: ", "))\n" }
        if !onlyAfter.isEmpty { text += "Only in the second: \(onlyAfter.joined(separator: ", "))\n" }
        let regressed = comparisons.filter { $0.verdict == .regressed }.map(\.endpoint)
        let improved = comparisons.filter { $0.verdict == .improved }.map(\.endpoint)
        text += "\n"
        if !regressed.isEmpty {
            text += "Verdict: regressed (\(regressed.joined(separator: ", ")))" + (improved.isEmpty ? "" : "; improved: \(improved.joined(separator: ", "))") + "\n"
        } else if !improved.isEmpty {
            text += "Verdict: improved (\(improved.joined(separator: ", ")))\n"
        } else {
            text += "Verdict: unchanged (every difference is within the noise)\n"
        }
        Terminal.outSanitized(text)
        return comparisons.contains { comparison in
            comparison.changes.contains { $0.verdict == .regressed && abs($0.changePercent) > failOn }
        }
    }
}
