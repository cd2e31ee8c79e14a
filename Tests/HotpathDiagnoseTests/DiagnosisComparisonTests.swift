import Foundation
import Hotpath
import HotpathDiagnose
import HotpathLoad
import Testing

/// "Measure again" on two diagnoses: endpoint by endpoint, beyond the noise.
@Suite("Comparing diagnoses")
struct DiagnosisComparisonTests {
    /// A diagnosis of one endpoint whose latency is `scale` times the fixture's.
    static func diagnosis(scale: Double, seed: UInt64 = 7) throws -> Diagnosis {
        var endpoint = try DiagnosisFixtures.search()
        var histogram = LatencyHistogram()
        let base = DiagnosisFixtures.histogram(count: 2_000, medianMs: 20, tailMs: 80, seed: seed)
        for bucket in base.buckets where bucket.count > 0 {
            for _ in 0..<bucket.count { histogram.record(nanoseconds: UInt64(Double(bucket.microseconds) * 1_000 * scale)) }
        }
        let rate = 500 / scale
        endpoint.load = try DiagnosisFixtures.loadReport(
            path: "/search", latency: histogram, seconds: 4, errors: 0,
            timeline: (1...4).map { (Double($0), rate * (1 + 0.01 * Double($0 % 2)), 20 * scale, 80 * scale, 0) }
        )
        return Diagnosis(
            startedAt: Date(), target: "http://127.0.0.1:8080", budget: "p95<200ms", view: .inside, blindSpots: [],
            elapsedSeconds: 4, fixes: [], cheapWins: [], endpoints: [endpoint], server: nil
        )
    }

    @Test func identicalDiagnosesAreUnchanged() throws {
        let run = try Self.diagnosis(scale: 1)
        let comparison = DiagnosisComparison.compare(before: run, after: run)
        #expect(comparison.count == 1)
        #expect(comparison.first?.verdict == .unchanged, "\(comparison)")
        #expect(comparison.first?.changes.allSatisfy { $0.changePercent == 0 } == true)
    }

    @Test func twofoldSlowdownIsRegressedAndTheReverseImproved() throws {
        let before = try Self.diagnosis(scale: 1)
        let after = try Self.diagnosis(scale: 2, seed: 11)
        let slower = try #require(DiagnosisComparison.compare(before: before, after: after).first)
        #expect(slower.verdict == .regressed)
        let p95 = try #require(slower.change("p95"))
        #expect(abs(p95.changePercent - 100) <= 15, "\(p95)")
        #expect(p95.intervalPercent.map { $0.lowerBound > 50 } == true, "\(p95)")
        #expect(slower.change("req/s")?.verdict == .regressed)
        let faster = try #require(DiagnosisComparison.compare(before: after, after: before).first)
        #expect(faster.verdict == .improved)
        #expect(DiagnosisText.renderComparison([slower]).contains("regressed"))
    }

    @Test func endpointsOnOneSideOnlyAreNamed() throws {
        let before = try Self.diagnosis(scale: 1)
        var after = before
        after.endpoints = []
        #expect(DiagnosisComparison.compare(before: before, after: after).isEmpty)
        #expect(DiagnosisComparison.unmatched(before: before, after: after).onlyBefore == [before.endpoints[0].name])
    }
}
