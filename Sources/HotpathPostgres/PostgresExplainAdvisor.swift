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

    private func advise(sql: String, fingerprint: String, on connection: PostgresConnection) async throws -> PostgresIndexAdvice? {
        let planJSON = try await explain(sql, on: connection)
        guard let plan = PostgresPlanNode.parse(planJSON) else { return nil }
        guard let scan = plan.allNodes.first(where: { $0.nodeType == "Seq Scan" && $0.filter != nil && $0.relationName != nil }),
            let table = scan.relationName, let filter = scan.filter
        else { return nil }

        let (equality, range, orderBy) = FilterColumns.of(fingerprint)
        // Only columns the scan's filter really tests (the fingerprint may name other tables').
        var columns = equality.filter { filter.contains($0) }
        if let first = range.first(where: { filter.contains($0) }), !columns.contains(first) { columns.append(first) }
        if columns.isEmpty { columns = orderBy }
        guard !columns.isEmpty else { return nil }

        let tableRows = try await estimatedRows(table, on: connection)
        let definition = "\(Self.quoted(table)) (\(columns.map(Self.quoted).joined(separator: ", ")))"
        var costAfter: Double?
        if try await hasHypopg(on: connection) {
            costAfter = try await hypotheticalCost(sql, index: "CREATE INDEX ON \(definition)", on: connection)
            guard let after = costAfter, after <= plan.totalCost * (1 - configuration.minimumCostReduction) else { return nil }
        } else if tableRows < configuration.minimumTableRows {
            return nil
        }
        let name = ([table] + columns + ["idx"]).joined(separator: "_")
        let reason = "a sequential scan of \(table) (about \(Int(tableRows)) rows) filters on \(filter)"
            + (costAfter.map { String(format: "; with the index the planner's cost falls from %.0f to %.0f", plan.totalCost, $0) } ?? "")
        return PostgresIndexAdvice(
            advice: IndexAdvice(
                fingerprint: fingerprint,
                table: table,
                columns: columns,
                createIndex: "CREATE INDEX CONCURRENTLY \(Self.quoted(name)) ON \(definition)",
                reason: reason,
                plan: plan.lines(),
                costBefore: plan.totalCost,
                costAfter: costAfter
            ),
            costBefore: plan.totalCost,
            costAfter: costAfter,
            tableRows: tableRows,
            planJSON: planJSON
        )
    }

    /// `EXPLAIN (FORMAT JSON)`, generic for statements with parameters.
    private func explain(_ sql: String, on connection: PostgresConnection) async throws -> String {
        let parameters = Self.parameterCount(sql)
        if parameters == 0 {
            let options = configuration.analyze ? "ANALYZE, FORMAT JSON" : "FORMAT JSON"
            return try await single(PostgresQuery(unsafeSQL: "EXPLAIN (\(options)) \(sql)"), on: connection)
        }
        let name = "hotpath_explain"
        _ = try? await connection.query(PostgresQuery(unsafeSQL: "DEALLOCATE \(name)"), logger: logger)
        try await connection.query(PostgresQuery(unsafeSQL: "PREPARE \(name) AS \(sql)"), logger: logger)
        defer {
            // Best effort: the connection goes back to the advisor's pool either way.
            Task { _ = try? await connection.query(PostgresQuery(unsafeSQL: "DEALLOCATE \(name)"), logger: self.logger) }
        }
        try await connection.query("SET plan_cache_mode = force_generic_plan", logger: logger)
        let nulls = Array(repeating: "NULL", count: parameters).joined(separator: ", ")
        let plan = try await single(PostgresQuery(unsafeSQL: "EXPLAIN (FORMAT JSON) EXECUTE \(name)(\(nulls))"), on: connection)
        try await connection.query("RESET plan_cache_mode", logger: logger)
        return plan
    }

    private func hypotheticalCost(_ sql: String, index: String, on connection: PostgresConnection) async throws -> Double? {
        try await connection.query(PostgresQuery(unsafeSQL: "SELECT indexrelid FROM hypopg_create_index('\(index.replacing("'", with: "''"))')"), logger: logger)
        defer { Task { _ = try? await connection.query("SELECT hypopg_reset()", logger: self.logger) } }
        let json = try await explain(sql, on: connection)
        return PostgresPlanNode.parse(json)?.totalCost
    }

    private func hasHypopg(on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("SELECT count(*)::int FROM pg_extension WHERE extname = 'hypopg'", logger: logger)
        for try await count in rows.decode(Int.self) { return count > 0 }
        return false
    }

    private func estimatedRows(_ table: String, on connection: PostgresConnection) async throws -> Double {
        let rows = try await connection.query("SELECT reltuples::float8 FROM pg_class WHERE relname = \(table)", logger: logger)
        for try await value in rows.decode(Double.self) { return value }
        return 0
    }

    private func single(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> String {
        let rows = try await connection.query(query, logger: logger)
        var text = ""
        for try await value in rows.decode(String.self) { text += value }
        return text
    }

    /// The highest `$n` in the statement.
    static func parameterCount(_ sql: String) -> Int {
        var highest = 0
        var index = sql.startIndex
        while let dollar = sql[index...].firstIndex(of: "$") {
            let digits = sql[sql.index(after: dollar)...].prefix { $0.isASCII && $0.isNumber }
            if let value = Int(digits) { highest = max(highest, value) }
            index = sql.index(after: dollar)
        }
        return highest
    }

    static func quoted(_ identifier: String) -> String {
        identifier.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" } ? identifier : "\"\(identifier.replacing("\"", with: "\"\""))\""
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
