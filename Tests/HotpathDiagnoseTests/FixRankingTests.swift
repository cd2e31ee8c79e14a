import Foundation
@testable import Hotpath
import Testing

@testable import HotpathDiagnose

/// One ranking: "Fix this first" is its first row, every view shows it in the same order with
/// the same savings, and an endpoint over budget comes before one within.
@Suite("Fix ranking")
struct FixRankingTests {
    /// `/orders` over budget (its fixes save 31–180 ms), the hostile search route within budget
    /// but with a bigger saving than the smallest of them once raised.
    static func endpoints(searchSavingMs: UInt64) throws -> [EndpointDiagnosis] {
        var search = try DiagnosisFixtures.search()
        search.findings[0].estimatedSavingNanoseconds = searchSavingMs * 1_000_000
        return [search, try DiagnosisFixtures.orders()]
    }

    static func diagnosis(_ endpoints: [EndpointDiagnosis]) -> Diagnosis {
        Diagnosis(
            startedAt: Date(timeIntervalSince1970: 0), target: "http://127.0.0.1:1", budget: DiagnosisFixtures.budget, view: .inside,
            blindSpots: [], elapsedSeconds: 1, fixes: FixRanking.fixes(for: endpoints), cheapWins: FixRanking.cheapWins(for: endpoints, cores: 2),
            endpoints: endpoints, server: nil
        )
    }

    @Test func overBudgetEndpointsRankFirstThenTheBiggestSaving() throws {
        // 500 ms on a within-budget endpoint still ranks after the over-budget endpoint's fixes.
        let fixes = FixRanking.fixes(for: try Self.endpoints(searchSavingMs: 500))
        #expect(fixes.map(\.endpoint).first == "GET /orders")
        #expect(fixes.last?.endpoint == "GET \(DiagnosisFixtures.hostileRoute)")
        let orders = fixes.filter(\.endpointOverBudget)
        #expect(orders.map(\.savingMs) == orders.map(\.savingMs).sorted(by: >))
        #expect(orders.count == 3)
    }

    @Test func fixFirstIsRowOneOfEveryView() throws {
        let diagnosis = Self.diagnosis(try Self.endpoints(searchSavingMs: 500))
        let first = try #require(diagnosis.fixFirst)
        #expect(first == diagnosis.fixes.first)
        let html = DiagnosisHTML.render(diagnosis)
        // The first row of the fixes table names the same finding as the banner.
        let table = try #require(html.range(of: "<table class=\"fix-table\">"))
        let firstRow = try #require(html[table.upperBound...].range(of: "<td class=\"num\">1</td>"))
        let rowEnd = try #require(html[firstRow.upperBound...].range(of: "</tr>"))
        let row = String(html[firstRow.upperBound..<rowEnd.lowerBound])
        #expect(row.contains(HTMLText.prose(FindingText.title(first.finding))), "\(row)")
        let text = DiagnosisText.render(diagnosis)
        #expect(text.contains("Fix this first: \(first.endpoint): \(FindingText.title(first.finding))"))
    }

    @Test func savingsAreCappedOnceAndShownTheSameEverywhere() throws {
        let endpoint = try DiagnosisFixtures.orders()
        let p95 = endpoint.load.latency.p95Ms
        var huge = endpoint.findings[0]
        huge.estimatedSavingNanoseconds = UInt64(p95 * 3 * 1e6)
        let capped = FixRanking.capped(huge, p95Ms: p95)
        #expect(abs(capped.savingMs - p95) < 0.001)
        var compression = huge
        compression.evidence = .uncompressedResponse(UncompressedResponseEvidence(
            bytes: 2_000_000, contentType: "application/json", transferNanoseconds: huge.estimatedSavingNanoseconds, linkBitsPerSecond: 1e8,
            assumedCompressedShare: 0.2
        ))
        #expect(FixRanking.capped(compression, p95Ms: p95).estimatedSavingNanoseconds == huge.estimatedSavingNanoseconds, "transfer time is not in the latency")

        var stored = endpoint
        stored.findings[0] = capped
        let diagnosis = Self.diagnosis([stored])
        let fix = try #require(diagnosis.fixes.first { $0.finding.key == capped.key })
        #expect(fix.savingMs == capped.savingMs)
        // The card and the table print the one figure.
        let html = DiagnosisHTML.render(diagnosis)
        let figure = HTMLText.ms(capped.savingMs)
        #expect(html.contains("Fixing it should save about <b>\(figure)</b>"))
        #expect(html.contains("<td class=\"num\">\(figure)</td>"))
    }

    @Test func theRankingIsTotal() throws {
        // Equal savings and efforts: endpoint and key decide, so two runs rank alike.
        var a = try DiagnosisFixtures.orders()
        a.route = "/a"
        a.findings = [a.findings[0]]
        var b = a
        b.route = "/b"
        let once = FixRanking.fixes(for: [b, a]).map(\.endpoint)
        let again = FixRanking.fixes(for: [a, b]).map(\.endpoint)
        #expect(once == again)
        #expect(once == ["GET /a", "GET /b"])
    }

    /// An endpoint whose p95 passes the budget by a hair is at its line: the next run may fail
    /// it, so its fixes rank with the over-budget ones and a run-to-run wobble of its p95 does
    /// not reorder the fixes.
    @Test func anEndpointAtTheBudgetLineRanksLikeOneOverIt() throws {
        let budget = try Budget(parsing: "p95<200ms")
        func standing(p95Ms: Double) throws -> BudgetStanding {
            var latency = LatencyHistogram()
            latency.record(nanoseconds: UInt64(p95Ms * 1e6), count: 400)
            let load = try DiagnosisFixtures.loadReport(path: "/line", latency: latency, seconds: 2, errors: 0, timeline: [])
            return BudgetStanding(load, budget: budget)
        }
        #expect(try standing(p95Ms: 120) == .within)
        #expect(try standing(p95Ms: 190) == .atTheLine)
        #expect(try standing(p95Ms: 240) == .over)

        // The same two endpoints, the first one's p95 a little over the line, then a little under.
        var line = try DiagnosisFixtures.search()
        line.findings[0].estimatedSavingNanoseconds = 30_000_000
        let over = try DiagnosisFixtures.orders()
        var rankings: [[String]] = []
        for (passed, standing) in [(false, BudgetStanding.over), (true, .atTheLine)] {
            line.budgetPassed = passed
            line.budgetStanding = standing
            rankings.append(FixRanking.fixes(for: [line, over]).map { "\($0.endpoint) \($0.finding.key)" })
        }
        #expect(rankings[0] == rankings[1])
        // Within the budget with room to spare, it ranks after them again.
        line.budgetStanding = .within
        #expect(FixRanking.fixes(for: [line, over]).last?.endpoint == line.name)
    }

    /// A blocking call or stall is credited with what its held threads cost the other
    /// endpoints, measured: it outranks a fix that saves more on its own route only.
    @Test func heldThreadsAreCreditedWithTheHarmMeasured() throws {
        var orders = try DiagnosisFixtures.orders()
        orders.findings = orders.findings.filter { $0.kind != .blockingCall && $0.kind != .cpuStall }
        let biggest = try #require(orders.findings.map(\.savingMs).max())
        var search = try DiagnosisFixtures.search()
        search.budgetPassed = false
        search.budgetStanding = .over
        search.findings[0].estimatedSavingNanoseconds = UInt64(biggest / 2 * 1e6)
        #expect(FixRanking.fixes(for: [orders, search]).first?.endpoint == orders.name, "without the harm, the bigger own saving first")
        search.harm = PoolHarm(control: "GET /health", aloneMs: 2, underLoadMs: 2 + biggest, aloneRequests: 100, underLoadRequests: 12)
        let fixes = FixRanking.fixes(for: [orders, search])
        let first = try #require(fixes.first)
        #expect(first.endpoint == search.name)
        #expect(abs(first.harmToOthersMs - biggest) < 0.001)
        #expect(abs(first.creditMs - (first.savingMs + biggest)) < 0.001)
        // The text says what it costs the others.
        let text = DiagnosisText.render(Self.diagnosis([orders, search]))
        #expect(text.contains("holds threads the others wait for: GET /health"))
    }
}

