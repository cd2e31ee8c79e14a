import Hotpath
import HotpathLoad

/// "Measure again": the same endpoints of two diagnoses (or two load runs), each metric with
/// its bootstrap interval and a verdict beyond the noise.
public enum DiagnosisComparison {
    /// Endpoints present in both, matched by method and route, in the order of `before`.
    /// `resamples`: bootstrap rounds per metric (fewer is faster and coarser).
    public static func compare(before: Diagnosis, after: Diagnosis, noiseFloorPercent: Double = 5, resamples: Int = 200) -> [EndpointComparison] {
        before.endpoints.compactMap { old in
            guard let new = after.endpoints.first(where: { $0.name == old.name }) else { return nil }
            return EndpointComparison(
                endpoint: old.name, changes: compare(old.load, new.load, noiseFloorPercent: noiseFloorPercent, resamples: resamples),
                bytesPerResponseBefore: old.bytesPerResponse, bytesPerResponseAfter: new.bytesPerResponse
            )
        }
    }

    /// p50/p95/p99 from the runs' histograms, req/s from their full seconds.
    public static func compare(_ before: LoadReport, _ after: LoadReport, noiseFloorPercent: Double = 5, resamples: Int = 200) -> [MetricChange] {
        RunComparison.compare(
            before: before.latency.histogram, after: after.latency.histogram,
            beforeThroughput: before.timeline.filter { $0.intervalS >= 0.5 }.map(\.rps),
            afterThroughput: after.timeline.filter { $0.intervalS >= 0.5 }.map(\.rps),
            noiseFloorPercent: noiseFloorPercent, resamples: resamples
        )
    }

    /// Endpoints only one side has, by name, for the reader to know what was not compared.
    public static func unmatched(before: Diagnosis, after: Diagnosis) -> (onlyBefore: [String], onlyAfter: [String]) {
        let old = Set(before.endpoints.map(\.name))
        let new = Set(after.endpoints.map(\.name))
        return (before.endpoints.map(\.name).filter { !new.contains($0) }, after.endpoints.map(\.name).filter { !old.contains($0) })
    }
}
