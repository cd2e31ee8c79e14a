import Foundation
import Hotpath
import HotpathDiagnose
import HotpathLoad
import HotpathTestSupport
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

    /// Issue 16: an endpoint that fails fast is over budget, and the text says how it fails; a
    /// healthy one beside it stays within budget with 0 % errors.
    @Test func anEndpointThatFailsIsOverBudgetAndSaysHow() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let diagnosis = try await DiagnoseRun(options: DiagnoseOptions(
            baseURL: server.url, paths: ["/status/500", "/"], duration: .milliseconds(500), warmup: .zero, ramp: [], profile: false
        )).run()
        #expect(diagnosis.budget == "p95<200ms, errors<1%")
        let failing = try #require(diagnosis.endpoints.first { $0.path == "/status/500" })
        #expect(!failing.budgetPassed)
        #expect(failing.load.summary.errorRate == 1)
        let healthy = try #require(diagnosis.endpoints.first { $0.path == "/" })
        #expect(healthy.budgetPassed)
        let lines = DiagnosisText.render(diagnosis).split(separator: "\n").map(String.init)
        let row = try #require(lines.first { $0.hasPrefix("  GET /status/500 ") })
        #expect(row.contains(" 100% ") && row.contains("OVER"), "\(row)")
        #expect(lines.contains { $0.hasPrefix("  failed: 100% of its requests (") && $0.contains("× 500") }, "\(lines)")
        let healthyRow = try #require(lines.first { $0.hasPrefix("  GET / ") })
        #expect(healthyRow.contains(" 0% ") && healthyRow.contains(" ok "), "\(healthyRow)")
        // A budget that names its own error clause is taken as given.
        let lenient = try await DiagnoseRun(options: DiagnoseOptions(
            baseURL: server.url, paths: ["/status/500"], budget: try Budget(parsing: "p95<200ms, errors<=100%"),
            duration: .milliseconds(300), warmup: .zero, ramp: [], profile: false
        )).run()
        #expect(lenient.budget == "p95<200ms, errors<=100%")
        #expect(lenient.endpoints.first?.budgetPassed == true)
    }
}
