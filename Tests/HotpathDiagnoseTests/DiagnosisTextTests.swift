import Foundation
import Hotpath
import HotpathDiagnose
import HotpathLoad
import Testing

/// The terminal rendering of a diagnosis: what it must never say.
@Suite("Diagnosis text")
struct DiagnosisTextTests {
    /// An endpoint where nothing was answered has no latency: no "0.0 ms", never "instant".
    @Test func anEndpointWithoutAnswersShowsNoLatency() throws {
        let login = try DiagnosisFixtures.login()
        #expect(login.load.latency.count == 0)
        let diagnosis = Diagnosis(
            startedAt: Date(), target: "http://127.0.0.1:8080", budget: "p95<200ms", view: .inside, blindSpots: [],
            elapsedSeconds: 4, fixes: [], cheapWins: [], endpoints: [login], server: nil
        )
        let lines = DiagnosisText.render(diagnosis).split(separator: "\n").map(String.init)
        let row = try #require(lines.first { $0.hasPrefix("  POST /login ") })
        let columns = row.split(separator: " ").map(String.init)
        #expect(Array(columns.prefix(5)) == ["POST", "/login", "-", "-", "-"], "\(row)")
        #expect(row.contains("no answer") && row.contains("OVER"), "\(row)")
        let heading = try #require(lines.first { $0.hasPrefix("POST /login (/login)") })
        #expect(heading.contains("no request answered"), "\(heading)")
        #expect(!lines.contains { $0.contains("/login") && $0.contains("instant") })
    }
}
