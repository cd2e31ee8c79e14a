import Hotpath
import HotpathSQL
import HotpathStacks
import SQLKit
import SQLiteKit
import NIOCore
import Testing

/// The SQLKit wrapper against a real SQLite database (in memory), with the detectors run on
/// what it recorded.
@Suite("SQLKit capture on SQLite", .serialized)
struct HotpathSQLDatabaseTests {
    /// 20 users, 100 orders, a 40-column products table of 30 rows.
    static func withShop<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        let connection = try await SQLiteConnection.open(storage: .memory)
        do {
            let result = try await seedAndRun(connection.sql(), body)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    static func seedAndRun<T>(_ raw: any SQLDatabase, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await raw.create(table: "users").column("id", type: .int, .primaryKey).column("name", type: .text).run()
        try await raw.create(table: "orders").column("id", type: .int, .primaryKey).column("user_id", type: .int).column("total", type: .int).run()
        var products = raw.create(table: "products").column("id", type: .int, .primaryKey)
        for column in 2...40 { products = products.column("c\(column)", type: .text) }
        try await products.run()
        for id in 1...20 {
            try await raw.insert(into: "users").columns("id", "name").values(SQLBind(id), SQLBind("user \(id)")).run()
        }
        for id in 1...100 {
            try await raw.insert(into: "orders").columns("id", "user_id", "total").values(SQLBind(id), SQLBind(id % 20 + 1), SQLBind(id * 10)).run()
        }
        for id in 1...30 { try await raw.insert(into: "products").columns("id").values(SQLBind(id)).run() }
        return try await body(HotpathSQLDatabase(raw))
    }

    struct Order: Decodable { var id: Int; var user_id: Int }
    struct User: Decodable { var id: Int; var name: String }

    static func serve(_ body: @Sendable (ActiveRequest) async throws -> Void) async throws -> CompletedRequest {
        let recorder = Recorder()
        let request = recorder.begin(method: "GET", path: "/orders")
        try await ActiveRequest.$current.withValue(request) { try await body(request) }
        return recorder.finish(request, route: "/orders", status: 200)
    }

    @Test func recordsEveryStatementWithRowsAndNoValues() async throws {
        try await Self.withShop { db in
            let request = try await Self.serve { _ in
                _ = try await db.select().column("*").from("users").where("name", .equal, "user 3").all()
                _ = try await db.select().column("id").from("orders").where("total", .greaterThan, 500).all()
            }
            #expect(request.timing.queryCount == 2)
            let first = try #require(request.events.first?.query)
            #expect(request.events.first?.kind == .query)
            #expect(first.sql.contains("FROM \"users\""))
            #expect(first.rows == 1)
            #expect(first.columns?.count == 2)
            #expect(first.system == "sqlite")
            #expect(first.bindIdentity != nil)
            #expect(!first.sql.contains("user 3"), "binds stay out of the SQL text")
            let json = String(decoding: try HotpathJSON.encoder().encode(request.events), as: UTF8.self)
            #expect(!json.contains("user 3"), "bind values are never kept")
            #expect(request.events[1].query?.rows == 50)
            #expect(request.events.allSatisfy { $0.durationNanoseconds > 0 })
        }
    }

    @Test func findsTheNPlusOneAndNotItsEagerTwin() async throws {
        try await Self.withShop { db in
            let nPlusOne = try await Self.serve { _ in
                let orders = try await db.select().columns("id", "user_id").from("orders").all(decoding: Order.self)
                for order in orders {
                    _ = try await db.select().column("*").from("users").where("id", .equal, order.user_id).first(decoding: User.self)
                }
            }
            // Call sites are symbolicated in the background; detectors read them once named.
            await CallSites.shared.idle()
            let finding = try #require(QueryDetector().findings(in: nPlusOne, context: DetectionContext()).first { $0.kind == .nPlusOne })
            #expect(finding.count == 100)
            #expect(finding.statement == "select * from \"users\" where \"id\" = ? limit ?")
            #expect(finding.fix.kind == .eagerLoad)
            // Found by walking the async callers past SQLKit's frames: the loop above (an async
            // frame's line is its resume point: the awaiting statement or the one after it).
            let site = try #require(finding.callSite?.innermost)
            #expect(site.location?.hasPrefix("HotpathSQLTests/HotpathSQLDatabaseTests.swift:") == true, "call site \(site)")
            #expect((75...79).contains(site.line ?? 0), "call site \(site)")

            let eager = try await Self.serve { _ in
                let orders = try await db.select().columns("id", "user_id").from("orders").all(decoding: Order.self)
                let ids = Array(Set(orders.map(\.user_id)))
                _ = try await db.select().column("*").from("users").where("id", .in, ids).all(decoding: User.self)
            }
            // Slow-query findings depend on the machine's load, not on the code: left out here.
            #expect(QueryDetector().findings(in: eager, context: DetectionContext()).filter { $0.kind != .slowQuery }.isEmpty)
        }
    }

    @Test func callSiteGivenWithAtIsExact() async throws {
        try await Self.withShop { db in
            let hotpath = try #require(db as? HotpathSQLDatabase)
            let line = #line + 2
            let request = try await Self.serve { _ in
                _ = try await hotpath.at().select().column("id").from("users").all()
            }
            #expect(request.events.first?.callSite == CallSite(fileID: "HotpathSQLTests/HotpathSQLDatabaseTests.swift", line: line))
        }
    }

    @Test func futureBasedCallsFindTheSynchronousCaller() async throws {
        try await Self.withShop { db in
            let request = try await Self.serve { _ in
                try await Self.futureQuery(db).get()
            }
            await CallSites.shared.idle()
            let site = try #require(request.events.first?.callSite?.innermost)
            #expect(site.location?.hasPrefix("HotpathSQLTests/HotpathSQLDatabaseTests.swift:") == true, "call site \(site)")
            #expect(site.function?.contains("futureQuery") == true, "call site \(site)")
        }
    }

    @inline(never)
    static func futureQuery(_ db: any SQLDatabase) -> EventLoopFuture<Void> {
        db.execute(sql: SQLRaw("SELECT id FROM users")) { _ in }
    }

    @Test func findsSelectStarOnTheWideTable() async throws {
        try await Self.withShop { db in
            let request = try await Self.serve { _ in
                _ = try await db.select().column("*").from("products").all()
            }
            let finding = try #require(QueryDetector().findings(in: request, context: DetectionContext()).first { $0.kind == .selectStar })
            guard case .selectStar(let evidence) = finding.evidence else { Issue.record("wrong evidence"); return }
            #expect(evidence.columnCount == 40 && evidence.selectsStar)
        }
    }

    @Test func findsDuplicates() async throws {
        try await Self.withShop { db in
            let request = try await Self.serve { _ in
                for _ in 0..<3 { _ = try await db.select().column("name").from("users").where("id", .equal, 1).all() }
            }
            #expect(QueryDetector().findings(in: request, context: DetectionContext()).contains { $0.kind == .duplicateQueries })
        }
    }

    @Test func badSQLIsRecordedAndRethrownUnchanged() async throws {
        try await Self.withShop { db in
            let request = try await Self.serve { _ in
                await #expect(throws: (any Error).self) { try await db.raw("SELEKT nonsense").run() }
                _ = try await db.select().column("id").from("users").limit(1).all()
            }
            #expect(request.events.count == 2)
            #expect(request.events[0].query?.failed == true)
            #expect(request.events[1].query?.failed == false)
        }
    }

    @Test func sessionsAreCapturedToo() async throws {
        try await Self.withShop { db in
            let request = try await Self.serve { _ in
                try await db.withSession { session in
                    _ = try await session.select().column("id").from("users").all()
                }
            }
            #expect(request.timing.queryCount == 1)
        }
    }

    @Test func outsideARequestItOnlyForwards() async throws {
        try await Self.withShop { db in
            let rows = try await db.select().column("id").from("users").all()
            #expect(rows.count == 20)
        }
    }
}
