import Foundation
import Hotpath
import HotpathSQL
import Logging
import PostgresNIO
import Synchronization

/// A missing index found in PostgreSQL's plan, with the planner's cost before and after a
/// hypothetical index when hypopg is there to ask.
public struct PostgresIndexAdvice: Sendable, Codable, Equatable {
    public var advice: IndexAdvice
    /// The planner's total cost as things are.
    public var costBefore: Double
    /// With the suggested index created hypothetically (hypopg); nil without hypopg.
    public var costAfter: Double?
    /// The table's estimated row count (`pg_class.reltuples`).
    public var tableRows: Double
    /// The raw `EXPLAIN (FORMAT JSON)` output.
    public var planJSON: String
}

/// Reads PostgreSQL's plan for a statement and, when it runs a sequential scan with a filter
/// on a large table, suggests `CREATE INDEX CONCURRENTLY …`; with the hypopg extension it
/// creates the index hypothetically first and suggests it only if the planner's cost drops a
/// lot (as Dexter does).
///
/// Runs on a client of its own (never the request's connection), at most once per statement
/// shape per `minimumInterval`. Statements with `$1` parameters are planned generically
/// (`PREPARE` + `plan_cache_mode = force_generic_plan`), so no parameter values are needed.
/// `ANALYZE` runs only when enabled, only for parameterless SELECTs (it executes the query).
public final class PostgresExplainAdvisor: Sendable {
    public struct Configuration: Sendable {
        public var minimumInterval: Duration = .seconds(60)
        /// Tables smaller than this are scanned quickly anyway.
        public var minimumTableRows: Double = 10_000
        /// With hypopg: suggest only when the cost falls by at least this share.
        public var minimumCostReduction: Double = 0.5
        /// Run `EXPLAIN ANALYZE` for parameterless SELECTs (it runs the query once more).
        public var analyze = false

        public init() {}
    }

    private let client: PostgresClient
    private let configuration: Configuration
    private let lastRun = Mutex<[String: UInt64]>([:])
    private let logger = Logger(label: "hotpath.explain")

    public init(client: PostgresClient, configuration: Configuration = Configuration()) {
        self.client = client
        self.configuration = configuration
    }

    /// Advice for `sql`, or nil (indexes used, small table, too little gain, explained too
    /// recently, or EXPLAIN failed: failures never reach the caller).
    public func advise(sql: String) async -> PostgresIndexAdvice? {
        let fingerprint = SQLFingerprint(sql).text
        guard fingerprint.hasPrefix("select ") else { return nil }
        let now = MonotonicClock.now()
        let interval = UInt64(max(configuration.minimumInterval.nanosecondsValue, 0))
        let due = lastRun.withLock { runs -> Bool in
            if let last = runs[fingerprint], now &- last < interval { return false }
            runs[fingerprint] = now
            return true
        }
        guard due else { return nil }
        return await explainNow(sql: sql, fingerprint: fingerprint)
    }

    /// Explains without the per-shape throttle (the recorder's plan review throttles itself).
    func explainNow(sql: String, fingerprint: String) async -> PostgresIndexAdvice? {
        do {
            return try await client.withConnection { connection in
                try await self.advise(sql: sql, fingerprint: fingerprint, on: connection)
            }
        } catch {
            logger.debug("EXPLAIN failed: \(error)")
            return nil
        }
    }

    private var planning: PostgresPlanning {
        PostgresPlanning(
            minimumTableRows: configuration.minimumTableRows, minimumCostReduction: configuration.minimumCostReduction,
            analyze: configuration.analyze
        )
    }

    private func advise(sql: String, fingerprint: String, on connection: PostgresConnection) async throws -> PostgresIndexAdvice? {
        guard let found = try await planning.advise(sql: sql, fingerprint: fingerprint, on: ConnectionPlanSession(connection: connection, logger: logger))
        else { return nil }
        return PostgresIndexAdvice(
            advice: found.advice, costBefore: found.costBefore, costAfter: found.costAfter, tableRows: found.tableRows, planJSON: found.planJSON
        )
    }

}

/// The advisor's connection, as the plan reader asks it.
private struct ConnectionPlanSession: PostgresPlanSession {
    let connection: PostgresConnection
    let logger: Logger

    func run(_ sql: String) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    func texts(_ sql: String) async throws -> [String] {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        var texts: [String] = []
        for try await value in rows.decode(String.self) { texts.append(value) }
        return texts
    }
}

extension PostgresExplainAdvisor: QueryPlanAdvisor {
    public var name: String { "postgresql" }

    /// The advice of ``advise(sql:)`` for the recorder's plan review, which does its own throttling.
    public func indexAdvice(forSQL sql: String) async -> IndexAdvice? {
        let fingerprint = SQLFingerprint(sql).text
        guard fingerprint.hasPrefix("select ") else { return nil }
        return await explainNow(sql: sql, fingerprint: fingerprint)?.advice
    }
}
