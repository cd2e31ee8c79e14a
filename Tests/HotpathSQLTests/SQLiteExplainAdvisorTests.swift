import Foundation
import Hotpath
import SQLKit
import SQLiteKit
import Testing

@testable import HotpathSQL

/// EXPLAIN QUERY PLAN on a real 50,000-row SQLite file, read through a second connection.
@Suite("SQLite EXPLAIN advisor", .serialized)
struct SQLiteExplainAdvisorTests {
    static func withOrders<T>(_ body: (_ app: any SQLDatabase, _ advisorConnection: any SQLDatabase) async throws -> T) async throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let app = try await SQLiteConnection.open(storage: .file(path: path))
        let advisor = try await SQLiteConnection.open(storage: .file(path: path))
        do {
            let db = app.sql()
            try await db.raw("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_email TEXT, status TEXT, total INTEGER, created_at INTEGER)").run()
            try await db.raw("""
                INSERT INTO orders (id, customer_email, status, total, created_at)
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
                SELECT i, 'c' || (i % 5000) || '@shop.test', CASE i % 3 WHEN 0 THEN 'paid' ELSE 'open' END, i % 997, i FROM n
                """).run()
            let result = try await body(db, advisor.sql())
            try await advisor.close()
            try await app.close()
            return result
        } catch {
            try? await advisor.close()
            try? await app.close()
            throw error
        }
    }

    @Test func suggestsTheMissingIndexAndNotOnceItExists() async throws {
        try await Self.withOrders { db, advisorConnection in
            let sql = "SELECT * FROM \"orders\" WHERE \"customer_email\" = ?1 ORDER BY \"created_at\" DESC"
            let advisor = SQLiteExplainAdvisor(database: advisorConnection, minimumInterval: .zero)
            let advice = try #require(await advisor.advise(sql: sql))
            #expect(advice.table == "orders")
            #expect(advice.columns == ["customer_email"])
            #expect(advice.createIndex == "CREATE INDEX orders_customer_email_idx ON orders (customer_email)")
            #expect(advice.plan.contains { $0.hasPrefix("SCAN") })
            #expect(advice.reason.contains("every row of orders"))

            try await db.raw("\(unsafeRaw: advice.createIndex)").run()
            let after = await advisor.advise(sql: sql)
            #expect(after == nil, "the suggested index is used: \(after?.plan ?? [])")
        }
    }

    @Test func rangeAndSortColumns() async throws {
        try await Self.withOrders { _, advisorConnection in
            let advisor = SQLiteExplainAdvisor(database: advisorConnection, minimumInterval: .zero)
            let range = try #require(await advisor.advise(sql: "SELECT id FROM orders WHERE status = 'paid' AND total > 500"))
            #expect(range.columns == ["status", "total"])
            let sort = try #require(await advisor.advise(sql: "SELECT id FROM orders ORDER BY total DESC LIMIT 10"))
            #expect(sort.columns == ["total"])
            // A lookup by primary key needs nothing.
            #expect(await advisor.advise(sql: "SELECT * FROM orders WHERE id = 7") == nil)
            // Reading the whole table in key order (the rowid) neither sorts nor can stop early.
            #expect(await advisor.advise(sql: "SELECT id, total FROM orders ORDER BY id") == nil)
            // Sorting without a LIMIT reads every row whatever the index.
            #expect(await advisor.advise(sql: "SELECT id FROM orders ORDER BY total DESC") == nil)
        }
    }

    @Test func oncePerShapePerInterval() async throws {
        try await Self.withOrders { _, advisorConnection in
            let advisor = SQLiteExplainAdvisor(database: advisorConnection, minimumInterval: .seconds(60))
            #expect(await advisor.advise(sql: "SELECT * FROM orders WHERE customer_email = 'a'") != nil)
            #expect(await advisor.advise(sql: "SELECT * FROM orders WHERE customer_email = 'b'") == nil, "same shape, explained already")
        }
    }

    @Test func badSQLAndWritesNeverThrow() async throws {
        try await Self.withOrders { db, advisorConnection in
            let advisor = SQLiteExplainAdvisor(database: advisorConnection, minimumInterval: .zero)
            #expect(await advisor.advise(sql: "SELEKT nonsense") == nil)
            #expect(await advisor.advise(sql: "SELECT * FROM missing_table WHERE a = 1") == nil)
            #expect(await advisor.advise(sql: "DELETE FROM orders WHERE status = 'open'") == nil, "only reads are explained")
            let count = try await db.raw("SELECT COUNT(*) AS n FROM orders").first()?.decode(column: "n", as: Int.self)
            #expect(count == 50_000)
        }
    }

    @Test(arguments: [
        ("select * from orders where customer_email = ?", ["customer_email"], [String](), [String]()),
        ("select id from orders where status = ? and total > ? order by created_at", ["status"], ["total"], ["created_at"]),
        ("select * from \"orders\" where \"orders\".\"user_id\" in (?)", ["user_id"], [], []),
        ("select * from t where a like ? or b = ? group by c limit ?", ["b"], ["a"], []),
    ])
    func filterColumns(fingerprint: String, equality: [String], range: [String], orderBy: [String]) {
        let columns = FilterColumns.of(fingerprint)
        #expect(columns.equality == equality)
        #expect(columns.range == range)
        #expect(columns.orderBy == orderBy)
    }

    /// The recorder sends the slow shape to the advisor by itself, off the request path, and
    /// the route's report carries the missing-index finding with its plan until the index exists.
    @Test func recorderReviewsSlowShapesAndReportsMissingIndex() async throws {
        try await Self.withOrders { raw, advisorConnection in
            var review = QueryPlanReview.Configuration()
            review.minimumInterval = .zero
            let recorder = Recorder(configuration: .init(
                planAdvisor: SQLiteExplainAdvisor(database: advisorConnection, minimumInterval: .zero),
                planReview: review
            ))
            let db = HotpathSQLDatabase(raw)
            func search() async throws {
                let request = recorder.begin(method: "GET", path: "/orders/search")
                try await ActiveRequest.$current.withValue(request) {
                    for email in ["c1@shop.test", "c2@shop.test", "c3@shop.test", "c4@shop.test", "c5@shop.test"] {
                        _ = try await db.select().column("id").from("orders").where("customer_email", .equal, email).all()
                    }
                }
                recorder.finish(request, route: "/orders/search", status: 200)
                await recorder.planReview?.idle()
            }
            try await search()
            let findings = try #require(recorder.report().routes.first).findings
            let missing = try #require(findings.first { $0.kind == .missingIndex })
            #expect(missing.fix.kind == .addIndex)
            #expect(missing.fix.snippets.first?.code == "CREATE INDEX orders_customer_email_idx ON orders (customer_email)")
            #expect(missing.fix.variant(for: .fluent)?.snippets.first?.code.contains(#"create(index: "orders_customer_email_idx").on("orders").column("customer_email")"#) == true)
            #expect(missing.count == 5)
            guard case .missingIndex(let evidence) = missing.evidence else { Issue.record("wrong evidence"); return }
            #expect(evidence.advice.plan.contains { $0.hasPrefix("SCAN orders") })
            #expect(missing.estimatedSavingNanoseconds > 0)

            try await raw.raw("CREATE INDEX orders_customer_email_idx ON orders (customer_email)").run()
            try await search()
            let after = try #require(recorder.report().routes.first).findings
            #expect(!after.contains { $0.kind == .missingIndex }, "the index exists now")
        }
    }

    /// Issue 13: an ORM names every column, with aliases, so its SELECT runs past 3,000
    /// characters; the whole statement reaches the fingerprint and the EXPLAIN (a 1,000-character
    /// cut broke both).
    @Test func ormLengthStatementsAreExplainedWhole() async throws {
        try await Self.withOrders { raw, advisorConnection in
            var review = QueryPlanReview.Configuration()
            review.minimumInterval = .zero
            let recorder = Recorder(configuration: .init(
                planAdvisor: SQLiteExplainAdvisor(database: advisorConnection, minimumInterval: .zero), planReview: review
            ))
            // 5 columns named 15 times over with aliases, as an ORM loading a wide model does.
            let columns = (0..<75).map { index in
                let column = ["id", "customer_email", "status", "total", "created_at"][index % 5]
                return "\"orders\".\"\(column)\" AS \"orders_\(column)_\(index)\""
            }.joined(separator: ", ")
            let sql = "SELECT \(columns) FROM \"orders\" WHERE \"orders\".\"customer_email\" = $1"
            #expect(sql.utf8.count > 3_000)
            let db = HotpathSQLDatabase(raw)
            let request = recorder.begin(method: "GET", path: "/orders/search")
            try await ActiveRequest.$current.withValue(request) {
                for email in ["c1@shop.test", "c2@shop.test", "c3@shop.test", "c4@shop.test", "c5@shop.test"] {
                    _ = try await db.raw(SQLQueryString(sql.replacing("$1", with: "'\(email)'"))).all()
                }
            }
            let completed = recorder.finish(request, route: "/orders/search", status: 200)
            #expect(completed.events.allSatisfy { $0.query?.sqlTruncated == false && ($0.query?.sql.utf8.count ?? 0) > 3_000 })
            await recorder.planReview?.idle()
            let missing = try #require(recorder.report().routes.first?.findings.first { $0.kind == .missingIndex })
            guard case .missingIndex(let evidence) = missing.evidence else { Issue.record("wrong evidence"); return }
            #expect(evidence.advice.columns == ["customer_email"])
            #expect(evidence.statement.hasSuffix("from \"orders\" where \"orders\".\"customer_email\" = ?"), "the shape ends where the statement does")
        }
    }
}
