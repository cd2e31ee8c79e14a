import Testing

@testable import Hotpath

@Suite("Database detectors")
struct QueryDetectorTests {
    static let ms: UInt64 = 1_000_000

    /// A finished request whose queries ran back to back, each `duration` long.
    static func request(_ queries: [(sql: String, binds: [String]?, columns: [String]?, duration: UInt64, site: String?)]) -> CompletedRequest {
        let recorder = Recorder()
        let active = recorder.begin(method: "GET", path: "/orders")
        var clock = active.startedAt
        for query in queries {
            active.recordQuery(query.sql, binds: query.binds, columns: query.columns, from: clock, to: clock + query.duration, callSite: query.site)
            clock += query.duration
        }
        return recorder.finish(active, route: "/orders", status: 200, at: clock + 2 * ms)
    }

    @Test func findsNPlusOneWithCallSiteCountAndSaving() throws {
        var queries: [(sql: String, binds: [String]?, columns: [String]?, duration: UInt64, site: String?)] = [
            ("SELECT * FROM orders LIMIT 100", [], nil, 3 * Self.ms, "OrderController.swift:20"),
        ]
        for id in 1...100 {
            queries.append(("SELECT * FROM users WHERE id = $1", ["\(id)"], nil, Self.ms, "OrderController.swift:24"))
        }
        let findings = QueryDetectors.findings(in: Self.request(queries))
        let finding = try #require(findings.first { $0.kind == .nPlusOne })
        #expect(finding.count == 100)
        #expect(finding.callSite == "OrderController.swift:24")
        #expect(finding.fingerprint == "select * from users where id = ?")
        #expect(finding.estimatedSavingNanoseconds == 99 * Self.ms)
        #expect(finding.fix.contains("WHERE id IN (…)"))
        #expect(finding.fix.contains(".with(\\.$relation)"))
        #expect(findings.first?.kind == .nPlusOne, "the biggest saving first")
        #expect(!findings.contains { $0.kind == .duplicateQueries })
        #expect(!findings.contains { $0.kind == .manySmallQueries }, "the N+1 already explains the round trips")
    }

    @Test func eagerLoadedTwinIsClean() {
        let findings = QueryDetectors.findings(in: Self.request([
            ("SELECT * FROM orders LIMIT 100", [], nil, 3 * Self.ms, "OrderController.swift:20"),
            ("SELECT * FROM users WHERE id IN ($1, $2, $3)", ["1", "2", "3"], nil, 2 * Self.ms, "OrderController.swift:30"),
        ]))
        #expect(findings.isEmpty, "\(findings.map(\.title))")
    }

    @Test func sameParametersAreDuplicatesNotNPlusOne() throws {
        let queries = (0..<6).map { _ in (sql: "SELECT * FROM settings WHERE key = $1", binds: Optional(["theme"]), columns: [String]?.none, duration: Self.ms, site: Optional("Settings.swift:9")) }
        let findings = QueryDetectors.findings(in: Self.request(queries))
        #expect(!findings.contains { $0.kind == .nPlusOne })
        let duplicate = try #require(findings.first { $0.kind == .duplicateQueries })
        #expect(duplicate.estimatedSavingNanoseconds == 5 * Self.ms)
        #expect(duplicate.callSite == "Settings.swift:9")
    }

    @Test func literalSQLWithoutBindsStillTellsParametersApart() throws {
        let queries = (1...8).map { id in (sql: "SELECT * FROM users WHERE id = \(id)", binds: [String]?.none, columns: [String]?.none, duration: Self.ms, site: String?.none) }
        let finding = try #require(QueryDetectors.findings(in: Self.request(queries)).first { $0.kind == .nPlusOne })
        #expect(finding.count == 8)
    }

    @Test func manySmallQueriesOfDifferentShapes() throws {
        let queries = (0..<30).map { index in
            (sql: "SELECT * FROM table_\(index % 10) WHERE k = $1", binds: Optional(["\(index)"]), columns: [String]?.none, duration: Self.ms, site: String?.none)
        }
        let finding = try #require(QueryDetectors.findings(in: Self.request(queries)).first { $0.kind == .manySmallQueries })
        #expect(finding.count == 30)
        #expect(finding.evidence.joined().contains("% of the request"))
    }

    @Test func slowQueryAboveThreshold() throws {
        let findings = QueryDetectors.findings(in: Self.request([
            ("SELECT * FROM orders WHERE note LIKE '%x%'", nil, nil, 150 * Self.ms, "Search.swift:5"),
            ("SELECT 1", nil, nil, 99 * Self.ms, nil),
        ]))
        let slow = findings.filter { $0.kind == .slowQuery }
        #expect(slow.count == 1)
        #expect(slow.first?.callSite == "Search.swift:5")
        #expect(slow.first?.fix.contains("EXPLAIN") == true)
    }

    @Test func selectStarOnAWideTable() throws {
        let wide = (1...40).map { "col\($0)" }
        let narrow = (1...5).map { "c\($0)" }
        let findings = QueryDetectors.findings(in: Self.request([
            ("SELECT * FROM products WHERE id = $1", ["1"], wide, 2 * Self.ms, "Catalog.swift:12"),
            ("SELECT * FROM tags", [], narrow, Self.ms, nil),
        ]))
        let finding = try #require(findings.first { $0.kind == .selectStar })
        #expect(finding.title.contains("all 40 columns"))
        #expect(finding.fix.contains("SELECT col1, col2, col3, col4"))
        #expect(findings.filter { $0.kind == .selectStar }.count == 1, "5 columns is fine")
    }

    @Test func thresholdsAreConfigurable() {
        var thresholds = QueryThresholds()
        thresholds.slowQueryNanoseconds = 10 * Self.ms
        let findings = QueryDetectors.findings(in: Self.request([("SELECT 1", nil, nil, 20 * Self.ms, nil)]), thresholds: thresholds)
        #expect(findings.map(\.kind) == [.slowQuery])
    }

    @Test func bindValuesAreNeverKept() {
        let recorder = Recorder()
        let active = recorder.begin(method: "GET", path: "/")
        active.recordQuery("SELECT * FROM users WHERE email = $1", binds: ["alice@example.test"], rows: 1, from: active.startedAt, to: active.startedAt + 1)
        let event = active.events[0]
        #expect(!(event.attributes?.values.contains { $0.contains("alice") } ?? false))
        #expect(event.attributes?[QueryAttributes.rows] == "1")
        #expect(event.attributes?[QueryAttributes.bindsHash] != nil)
    }
}
