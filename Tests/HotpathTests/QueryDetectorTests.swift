import Foundation
import Testing

@testable import Hotpath

@Suite("Database detectors")
struct QueryDetectorTests {
    static let ms: UInt64 = 1_000_000

    struct Query {
        var sql: String
        var binds: [String]?
        var columns: [String]? = nil
        var duration: UInt64
        var site: Int? = nil
        var readsAllColumns: Bool? = nil
        var model: String? = nil
        var rows: Int? = 50
        var operation: QueryOperation? = nil
    }

    static func site(_ line: Int) -> CallSite { CallSite(fileID: "Shop/OrderController.swift", line: line) }

    /// A finished request whose queries ran back to back, each `duration` long.
    static func request(_ queries: [Query]) -> CompletedRequest {
        let recorder = Recorder()
        let active = recorder.begin(method: "GET", path: "/orders")
        var clock = active.startedAt
        for query in queries {
            let detail = QueryDetail(
                sql: query.sql, bindIdentity: query.binds.map { BindIdentity(texts: $0) }, rows: query.rows, columns: query.columns,
                operation: query.operation, model: query.model, readsAllColumns: query.readsAllColumns
            )
            active.recordQuery(detail, from: clock, to: clock + query.duration, callSite: query.site.map(site))
            clock += query.duration
        }
        return recorder.finish(active, route: "/orders", status: 200, at: clock + 2 * ms)
    }

    static func findings(_ queries: [Query], thresholds: QueryThresholds = QueryThresholds()) -> [Finding] {
        QueryDetector().findings(in: request(queries), context: DetectionContext(queryThresholds: thresholds))
    }

    @Test func findsNPlusOneWithCallSiteCountAndSaving() throws {
        var queries = [Query(sql: "SELECT * FROM orders LIMIT 100", binds: [], duration: 3 * Self.ms, site: 20)]
        for id in 1...100 {
            queries.append(Query(sql: "SELECT * FROM users WHERE id = $1", binds: ["\(id)"], duration: Self.ms, site: 24))
        }
        let findings = Self.findings(queries)
        let finding = try #require(findings.first { $0.kind == .nPlusOne })
        #expect(finding.count == 100)
        #expect(finding.callSite == Self.site(24))
        #expect(finding.statement == "select * from users where id = ?")
        #expect(finding.estimatedSavingNanoseconds == 99 * Self.ms)
        guard case .nPlusOne(let evidence) = finding.evidence else { Issue.record("not N+1 evidence"); return }
        #expect(evidence.filteredColumn == "id" && evidence.table == "users" && evidence.distinctParameterSets == 100)
        #expect(finding.fix.kind == .eagerLoad)
        #expect(finding.fix.snippets.first?.code == "SELECT … FROM users WHERE id IN (…)")
        #expect(finding.fix.variant(for: .fluent)?.snippets.first?.code == ".with(\\.$relation)")
        #expect(findings.first?.kind == .nPlusOne, "the biggest saving first")
        #expect(!findings.contains { $0.kind == .duplicateQueries })
        #expect(!findings.contains { $0.kind == .manySmallQueries }, "the N+1 already explains the round trips")
    }

    @Test func eagerLoadedTwinIsClean() {
        let findings = Self.findings([
            Query(sql: "SELECT * FROM orders LIMIT 100", binds: [], duration: 3 * Self.ms, site: 20),
            Query(sql: "SELECT * FROM users WHERE id IN ($1, $2, $3)", binds: ["1", "2", "3"], duration: 2 * Self.ms, site: 30),
        ])
        #expect(findings.isEmpty, "\(findings.map(\.kind))")
    }

    @Test func sameParametersAreDuplicatesNotNPlusOne() throws {
        let queries = (0..<6).map { _ in Query(sql: "SELECT * FROM settings WHERE key = $1", binds: ["theme"], duration: Self.ms, site: 9) }
        let findings = Self.findings(queries)
        #expect(!findings.contains { $0.kind == .nPlusOne })
        let duplicate = try #require(findings.first { $0.kind == .duplicateQueries })
        #expect(duplicate.estimatedSavingNanoseconds == 5 * Self.ms)
        #expect(duplicate.callSite == Self.site(9))
    }

    @Test func literalSQLWithoutBindsStillTellsParametersApart() throws {
        let queries = (1...8).map { id in Query(sql: "SELECT * FROM users WHERE id = \(id)", binds: nil, duration: Self.ms) }
        let finding = try #require(Self.findings(queries).first { $0.kind == .nPlusOne })
        #expect(finding.count == 8)
    }

    @Test func manySmallQueriesOfDifferentShapes() throws {
        let queries = (0..<30).map { index in Query(sql: "SELECT * FROM table_\(index % 10) WHERE k = $1", binds: ["\(index)"], duration: Self.ms) }
        let finding = try #require(Self.findings(queries).first { $0.kind == .manySmallQueries })
        #expect(finding.count == 30)
        guard case .manySmallQueries(let evidence) = finding.evidence else { Issue.record("wrong evidence"); return }
        #expect(evidence.shapes == 10 && evidence.smallQueries == 30)
        #expect(evidence.databaseShare > 0.9)
    }

    /// A dozen small aggregates that take most of the request: the finding, whatever the count.
    @Test func fewSmallQueriesThatDominateTheRequest() throws {
        let queries = (0..<12).map { index in Query(sql: "SELECT count(*) FROM stat_\(index) WHERE day = $1", binds: ["\(index)"], duration: 2 * Self.ms) }
        let finding = try #require(Self.findings(queries).first { $0.kind == .manySmallQueries })
        #expect(finding.count == 12)
        // The same dozen, where the database is a small part of the request: not a finding.
        let recorder = Recorder()
        let active = recorder.begin(method: "GET", path: "/stats")
        var clock = active.startedAt
        for index in 0..<12 {
            active.recordQuery(QueryDetail(sql: "SELECT count(*) FROM stat_\(index) WHERE day = $1"), from: clock, to: clock + Self.ms)
            clock += Self.ms
        }
        let slowApp = recorder.finish(active, route: "/stats", status: 200, at: clock + 100 * Self.ms)
        #expect(!QueryDetector().findings(in: slowApp, context: DetectionContext()).contains { $0.kind == .manySmallQueries })
    }

    @Test func slowQueryAboveThresholdWithAFixThatMatchesTheStatement() throws {
        let findings = Self.findings([
            Query(sql: "SELECT * FROM orders WHERE note LIKE '%x%'", binds: nil, duration: 150 * Self.ms, site: 5),
            Query(sql: "SELECT * FROM orders ORDER BY id", binds: nil, duration: 120 * Self.ms, site: 6),
            Query(sql: "SELECT 1", binds: nil, duration: 99 * Self.ms),
        ])
        let slow = findings.filter { $0.kind == .slowQuery }
        #expect(slow.count == 2)
        let filtered = try #require(slow.first { $0.callSite == Self.site(5) })
        #expect(filtered.fix.kind == .examinePlan && filtered.fix.summary.contains("WHERE"))
        let unfiltered = try #require(slow.first { $0.callSite == Self.site(6) })
        #expect(unfiltered.fix.summary.contains("no WHERE"), "\(unfiltered.fix.summary)")
    }

    @Test func loadingTooMuchOnAWideTable() throws {
        let wide = (1...40).map { "col\($0)" }
        let narrow = (1...5).map { "c\($0)" }
        let findings = Self.findings([
            Query(sql: "SELECT * FROM products WHERE id = $1", binds: ["1"], columns: wide, duration: 2 * Self.ms, site: 12),
            Query(sql: "SELECT * FROM tags", binds: [], columns: narrow, duration: Self.ms),
        ])
        let finding = try #require(findings.first { $0.kind == .selectStar })
        guard case .selectStar(let evidence) = finding.evidence else { Issue.record("wrong evidence"); return }
        #expect(evidence.columnCount == 40 && evidence.selectsStar && evidence.table == "products")
        #expect(finding.fix.snippets.first?.code == "SELECT col1, col2, col3 FROM products …")
        #expect(findings.filter { $0.kind == .selectStar }.count == 1, "5 columns is fine")
        // One wide row, looked up by its key, is not worth narrowing.
        let one = Self.findings([Query(sql: "SELECT * FROM products WHERE id = $1", binds: ["1"], columns: wide, duration: 2 * Self.ms, rows: 1)])
        #expect(!one.contains { $0.kind == .selectStar })
    }

    /// A count per item is not a relation loaded row by row: no N+1 (eager loading would not
    /// help), but many small queries when they are most of the request.
    @Test func anAggregatePerItemIsManySmallQueriesNotAnNPlusOne() throws {
        let counts = (0..<12).map { index in
            Query(sql: "SELECT count(\"authors\".\"id\") AS \"aggregate\" FROM \"authors\" WHERE \"authors\".\"country\" = $1", binds: ["country \(index)"], duration: Self.ms, rows: 1, operation: .aggregate)
        }
        let kinds = Self.findings(counts).map(\.kind)
        #expect(kinds == [.manySmallQueries], "\(kinds)")
        // The same reads one by one are an N+1.
        let reads = (0..<12).map { index in
            Query(sql: "SELECT * FROM authors WHERE id = $1", binds: ["\(index)"], duration: Self.ms, rows: 1)
        }
        #expect(Self.findings(reads).map(\.kind) == [.nPlusOne])
    }

    /// An ORM never writes `*`: it names every field. Reading all of a wide model is loading too
    /// much when the adapter says so; a hand-picked wide list of columns is not.
    @Test func loadingTooMuchWithoutAStar() throws {
        let fields = (1...26).map { "\"books\".\"f\($0)\" AS \"books_f\($0)\"" }
        let sql = "SELECT " + fields.joined(separator: ", ") + " FROM \"books\" WHERE \"books\".\"id\" = $1"
        let columns = (1...26).map { "books_f\($0)" }
        let whole = Self.findings([Query(sql: sql, binds: ["1"], columns: columns, duration: Self.ms, readsAllColumns: true, model: "Book")])
        let finding = try #require(whole.first { $0.kind == .selectStar })
        guard case .selectStar(let evidence) = finding.evidence else { Issue.record("wrong evidence"); return }
        #expect(!evidence.selectsStar && evidence.model == "Book" && evidence.columnCount == 26)
        #expect(finding.fix.variant(for: .fluent) != nil)
        let picked = Self.findings([Query(sql: sql, binds: ["1"], columns: columns, duration: Self.ms, readsAllColumns: false)])
        #expect(!picked.contains { $0.kind == .selectStar })
    }

    /// Issue 13: ORM-generated SQL runs past 1,000 characters; the whole statement is kept, so
    /// three statements that differ only after the 1,000th character stay three shapes.
    @Test func longORMStatementsAreKeptAndFingerprintedWhole() throws {
        let fields = (1...60).map { "\"books\".\"field_number_\($0)\" AS \"books_field_number_\($0)\"" }.joined(separator: ", ")
        let base = "SELECT \(fields) FROM \"books\" WHERE \"books\".\""
        #expect(base.utf8.count > 3_000)
        var queries: [Query] = []
        for column in ["author_id", "isbn", "title"] {
            for value in 1...5 { queries.append(Query(sql: base + column + "\" = $1", binds: ["\(value)"], duration: Self.ms)) }
        }
        let request = Self.request(queries)
        #expect(request.events.allSatisfy { $0.query?.sqlTruncated == false && ($0.query?.sql.utf8.count ?? 0) > 3_000 })
        let nPlusOnes = QueryDetector().findings(in: request, context: DetectionContext()).filter { $0.kind == .nPlusOne }
        #expect(Set(nPlusOnes.compactMap(\.statement)).count == 3, "\(nPlusOnes.count) shapes")
    }

    @Test func thresholdsAreConfigurable() {
        var thresholds = QueryThresholds()
        thresholds.slowQueryNanoseconds = 10 * Self.ms
        let findings = Self.findings([Query(sql: "SELECT 1", binds: nil, duration: 20 * Self.ms)], thresholds: thresholds)
        #expect(findings.map(\.kind) == [.slowQuery])
    }

    @Test func bindValuesAreNeverKept() throws {
        let recorder = Recorder()
        let active = recorder.begin(method: "GET", path: "/")
        let identity = BindIdentity(texts: ["alice@example.test"])
        active.recordQuery(QueryDetail(sql: "SELECT * FROM users WHERE email = $1", bindIdentity: identity, rows: 1), from: active.startedAt, to: active.startedAt + 1)
        let event = try #require(active.events.first)
        let json = String(decoding: try HotpathJSON.encoder().encode(event), as: UTF8.self)
        #expect(!json.contains("alice"))
        #expect(event.query?.rows == 1)
        #expect(event.query?.bindIdentity == identity)
        #expect(BindIdentity(texts: ["bob@example.test"]) != identity)
    }

    /// Issue 13: the bind identity of equal values is the same in another process (it is not
    /// Swift's per-process seeded `Hasher`).
    @Test func bindIdentityIsEqualAcrossProcesses() async throws {
        var builder = BindIdentity.Builder()
        builder.add(42)
        builder.add("ada@example.test")
        let here = builder.identity.description
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            var builder = BindIdentity.Builder()
            builder.add(42)
            builder.add("ada@example.test")
            print(builder.identity.description)
        }
        let printed = String(decoding: result?.standardOutputContent ?? [], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(printed == here)
    }
}
