import Foundation
import Hotpath
import HotpathPostgres
import HotpathTestSupport
import Logging
import PostgresNIO
import Testing

/// Real PostgreSQL 15 with hypopg, started by `.ci/run` (see `.ci/postgres.sh`), found through
/// HOTPATH_POSTGRES_HOST / _PORT / _USER / _DATABASE. In CI these tests must run: a CI run
/// without the server fails here instead of skipping.
enum PostgresEnvironment {
    static var isConfigured: Bool { PostgresTestServer.isConfigured }

    static func withClient<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let configuration = PostgresClient.Configuration(
            host: PostgresTestServer.host, port: PostgresTestServer.port, username: PostgresTestServer.user, password: nil,
            database: PostgresTestServer.database, tls: .disable
        )
        let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "test"))
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// An advisor that explains every call (the tests ask about one shape several times).
    static func advisorWithoutRateLimit(_ client: PostgresClient) -> PostgresExplainAdvisor {
        var configuration = PostgresExplainAdvisor.Configuration()
        configuration.minimumInterval = .zero
        return PostgresExplainAdvisor(client: client, configuration: configuration)
    }

    /// A 50,000-row orders table without secondary indexes, statistics up to date.
    static func seed(_ client: PostgresClient, table: String) async throws {
        try await client.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(table)"))
        try await client.query(PostgresQuery(unsafeSQL: """
            CREATE TABLE \(table) (id serial PRIMARY KEY, customer_email text NOT NULL, status text NOT NULL, total int NOT NULL)
            """))
        try await client.query(PostgresQuery(unsafeSQL: """
            INSERT INTO \(table) (customer_email, status, total)
            SELECT 'c' || (i % 5000) || '@shop.test', CASE i % 3 WHEN 0 THEN 'paid' ELSE 'open' END, i % 997
            FROM generate_series(1, 50000) AS i
            """))
        try await client.query(PostgresQuery(unsafeSQL: "ANALYZE \(table)"))
        try await client.query("CREATE EXTENSION IF NOT EXISTS hypopg")
    }
}

@Suite("PostgreSQL", .serialized)
struct PostgresTests {
    @Test func runsInCI() {
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            #expect(PostgresEnvironment.isConfigured, "CI must start PostgreSQL (.ci/postgres.sh) so these tests run")
        }
    }

    @Test(.enabled(if: PostgresEnvironment.isConfigured))
    func advisorSuggestsTheMissingIndexWithHypotheticalCosts() async throws {
        try await PostgresEnvironment.withClient { client in
            try await PostgresEnvironment.seed(client, table: "orders_advice")
            let advisor = PostgresEnvironment.advisorWithoutRateLimit(client)
            let sql = "SELECT * FROM orders_advice WHERE customer_email = $1"
            let advice = try #require(await advisor.advise(sql: sql))
            #expect(advice.advice.table == "orders_advice")
            #expect(advice.advice.columns == ["customer_email"])
            #expect(advice.advice.createIndex == "CREATE INDEX CONCURRENTLY orders_advice_customer_email_idx ON orders_advice (customer_email)")
            let after = try #require(advice.costAfter)
            #expect(after < advice.costBefore / 2, "hypopg: \(advice.costBefore) → \(after)")
            #expect(advice.tableRows >= 40_000)
            #expect(advice.advice.plan.first?.contains("Seq Scan on orders_advice") == true)
            #expect(advice.planJSON.contains("\"Node Type\""))

            try await client.query(PostgresQuery(unsafeSQL: "CREATE INDEX ON orders_advice (customer_email)"))
            let again = await advisor.advise(sql: sql)
            #expect(again == nil, "\(again?.advice.plan ?? [])")
        }
    }

    @Test(.enabled(if: PostgresEnvironment.isConfigured))
    func advisorIgnoresSmallGainsBadSQLAndWrites() async throws {
        try await PostgresEnvironment.withClient { client in
            try await PostgresEnvironment.seed(client, table: "orders_quiet")
            let advisor = PostgresEnvironment.advisorWithoutRateLimit(client)
            // A filter that matches a third of the table: an index would not pay.
            #expect(await advisor.advise(sql: "SELECT * FROM orders_quiet WHERE status = $1") == nil)
            #expect(await advisor.advise(sql: "SELEKT nonsense") == nil)
            #expect(await advisor.advise(sql: "SELECT * FROM no_such_table WHERE a = $1") == nil)
            #expect(await advisor.advise(sql: "DELETE FROM orders_quiet WHERE customer_email = $1") == nil)
            let rows = try await client.query("SELECT count(*)::int FROM orders_quiet")
            for try await count in rows.decode(Int.self) { #expect(count == 50_000) }
        }
    }

    @Test(.enabled(if: PostgresEnvironment.isConfigured))
    func clientRecordsQueriesWithTheAppCallSite() async throws {
        try await PostgresEnvironment.withClient { client in
            try await PostgresEnvironment.seed(client, table: "orders_capture")
            let db = HotpathPostgresClient(client)
            let recorder = Recorder()
            let request = recorder.begin(method: "GET", path: "/orders")
            try await ActiveRequest.$current.withValue(request) {
                for id in 1...6 {
                    let rows = try await db.query("SELECT id, total FROM orders_capture WHERE id = \(id)")
                    for try await _ in rows {}
                }
            }
            let completed = recorder.finish(request, route: "/orders", status: 200)
            #expect(completed.timing.queryCount == 6)
            let event = try #require(completed.events.first)
            #expect(event.query?.sql == "SELECT id, total FROM orders_capture WHERE id = $1")
            #expect(event.query?.system == "postgresql")
            #expect(event.callSite?.innermost?.file == "HotpathPostgresTests/PostgresTests.swift", "\(event.callSite?.description ?? "none")")
            // The binds' identity tells the six ids apart (their descriptions print as ****).
            #expect(Set(completed.events.compactMap { $0.query?.bindIdentity }).count == 6)
            let finding = try #require(QueryDetector().findings(in: completed, context: DetectionContext()).first { $0.kind == .nPlusOne })
            #expect(finding.count == 6)
            #expect(finding.callSite == event.callSite)
        }
    }

    /// The recorder sends the hot shape to the PostgreSQL advisor by itself; the route's report
    /// carries a missing-index finding with the planner's costs before and after (hypopg).
    @Test(.enabled(if: PostgresEnvironment.isConfigured))
    func recorderReviewsHotShapesWithThePostgresAdvisor() async throws {
        try await PostgresEnvironment.withClient { client in
            try await PostgresEnvironment.seed(client, table: "orders_review")
            var review = QueryPlanReview.Configuration()
            review.minimumInterval = .zero
            let recorder = Recorder(configuration: .init(
                planAdvisor: PostgresEnvironment.advisorWithoutRateLimit(client),
                planReview: review
            ))
            let db = HotpathPostgresClient(client)
            let request = recorder.begin(method: "GET", path: "/orders/by-email")
            try await ActiveRequest.$current.withValue(request) {
                for customer in 1...5 {
                    let email = "c\(customer)@shop.test"
                    let rows = try await db.query("SELECT id FROM orders_review WHERE customer_email = \(email)")
                    for try await _ in rows {}
                }
            }
            recorder.finish(request, route: "/orders/by-email", status: 200)
            await recorder.planReview?.idle()
            let findings = try #require(recorder.report().routes.first).findings
            let missing = try #require(findings.first { $0.kind == .missingIndex }, "\(findings.map(\.kind))")
            #expect(missing.fix.snippets.first?.code == "CREATE INDEX CONCURRENTLY orders_review_customer_email_idx ON orders_review (customer_email)")
            guard case .missingIndex(let evidence) = missing.evidence else { Issue.record("wrong evidence"); return }
            #expect(evidence.advice.costBefore != nil && evidence.advice.costAfter != nil, "hypopg's costs")
            #expect(evidence.advice.plan.first?.contains("Seq Scan on orders_review") == true)
            #expect(missing.callSite?.innermost?.file == "HotpathPostgresTests/PostgresTests.swift")
        }
    }
}
