import Foundation
import Hotpath

/// One PostgreSQL connection as the plan reader needs it, whatever client holds it
/// (PostgresNIO's `PostgresConnection`, an `SQLDatabase` session of PostgresKit or Fluent).
/// Every statement runs on the same connection: `PREPARE`, `SET` and hypopg's hypothetical
/// indexes belong to it.
package protocol PostgresPlanSession: Sendable {
    /// Runs a statement, discarding its rows.
    func run(_ sql: String) async throws
    /// The first column of every row, as text.
    func texts(_ sql: String) async throws -> [String]
}

/// What the plan of one statement says: a missing index, with the planner's costs.
package struct PostgresPlanAdvice: Sendable {
    package var advice: IndexAdvice
    package var costBefore: Double
    package var costAfter: Double?
    package var tableRows: Double
    package var planJSON: String
}

/// Reads PostgreSQL's plan for a statement and, when it runs a sequential scan with a filter
/// on a large table, suggests `CREATE INDEX CONCURRENTLY …`; with the hypopg extension it
/// creates the index hypothetically first and suggests it only if the planner's cost drops a
/// lot (as Dexter does). Statements with `$1` parameters are planned generically (`PREPARE` +
/// `plan_cache_mode = force_generic_plan`), so no parameter values are needed.
///
/// Shared by `HotpathPostgres`' `PostgresExplainAdvisor` (a `PostgresClient`) and
/// ``PostgresSQLExplainAdvisor`` (PostgresKit's and Fluent's PostgreSQL `SQLDatabase`).
package struct PostgresPlanning: Sendable {
    /// Tables smaller than this are scanned quickly anyway (when hypopg cannot tell).
    package var minimumTableRows: Double
    /// With hypopg: suggest only when the cost falls by at least this share.
    package var minimumCostReduction: Double
    /// Run `EXPLAIN ANALYZE` for parameterless SELECTs (it runs the query once more).
    package var analyze: Bool

    package init(minimumTableRows: Double = 10_000, minimumCostReduction: Double = 0.5, analyze: Bool = false) {
        self.minimumTableRows = minimumTableRows
        self.minimumCostReduction = minimumCostReduction
        self.analyze = analyze
    }

    /// The advice for `sql` (whose fingerprint is `fingerprint`), or nil when its plan needs no index.
    package func advise(sql: String, fingerprint: String, on session: some PostgresPlanSession) async throws -> PostgresPlanAdvice? {
        let planJSON = try await explain(sql, on: session)
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

        let tableRows = try await estimatedRows(table, on: session)
        let definition = "\(Self.quoted(table)) (\(columns.map(Self.quoted).joined(separator: ", ")))"
        var costAfter: Double?
        if try await hasHypopg(on: session) {
            costAfter = try await hypotheticalCost(sql, index: "CREATE INDEX ON \(definition)", on: session)
            guard let after = costAfter, after <= plan.totalCost * (1 - minimumCostReduction) else { return nil }
        } else if tableRows < minimumTableRows {
            return nil
        }
        let name = ([table] + columns + ["idx"]).joined(separator: "_")
        let reason = "a sequential scan of \(table) (about \(Int(max(tableRows, 0))) rows) filters on \(filter)"
            + (costAfter.map { String(format: "; with the index the planner's cost falls from %.0f to %.0f", plan.totalCost, $0) } ?? "")
        return PostgresPlanAdvice(
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

    /// `EXPLAIN (FORMAT JSON)`, generic for statements with parameters. What it sets on the
    /// connection is undone before it returns, on success or failure: the connection goes back
    /// to a pool.
    private func explain(_ sql: String, on session: some PostgresPlanSession) async throws -> String {
        let parameters = Self.parameterCount(sql)
        if parameters == 0 {
            let options = analyze ? "ANALYZE, FORMAT JSON" : "FORMAT JSON"
            return try await session.texts("EXPLAIN (\(options)) \(sql)").joined()
        }
        let name = "hotpath_explain"
        try? await session.run("DEALLOCATE \(name)")
        try await session.run("PREPARE \(name) AS \(sql)")
        let nulls = Array(repeating: "NULL", count: parameters).joined(separator: ", ")
        let plan: Result<String, any Error>
        do {
            try await session.run("SET plan_cache_mode = force_generic_plan")
            plan = .success(try await session.texts("EXPLAIN (FORMAT JSON) EXECUTE \(name)(\(nulls))").joined())
        } catch {
            plan = .failure(error)
        }
        try? await session.run("RESET plan_cache_mode")
        try? await session.run("DEALLOCATE \(name)")
        return try plan.get()
    }

    private func hypotheticalCost(_ sql: String, index: String, on session: some PostgresPlanSession) async throws -> Double? {
        try await session.run("SELECT indexrelid FROM hypopg_create_index(\(Self.literal(index)))")
        let json: Result<String, any Error>
        do { json = .success(try await explain(sql, on: session)) } catch { json = .failure(error) }
        try? await session.run("SELECT hypopg_reset()")
        return PostgresPlanNode.parse(try json.get())?.totalCost
    }

    private func hasHypopg(on session: some PostgresPlanSession) async throws -> Bool {
        let count = try await session.texts("SELECT count(*)::text FROM pg_extension WHERE extname = 'hypopg'").first
        return (count.flatMap { Int($0) } ?? 0) > 0
    }

    private func estimatedRows(_ table: String, on session: some PostgresPlanSession) async throws -> Double {
        let value = try await session.texts("SELECT reltuples::text FROM pg_class WHERE relname = \(Self.literal(table))").first
        return value.flatMap { Double($0) } ?? 0
    }

    /// The highest `$n` in the statement.
    package static func parameterCount(_ sql: String) -> Int {
        var highest = 0
        var index = sql.startIndex
        while let dollar = sql[index...].firstIndex(of: "$") {
            let digits = sql[sql.index(after: dollar)...].prefix { $0.isASCII && $0.isNumber }
            if let value = Int(digits) { highest = max(highest, value) }
            index = sql.index(after: dollar)
        }
        return highest
    }

    /// An identifier as PostgreSQL reads it: bare when it is lower-case already, quoted otherwise.
    package static func quoted(_ identifier: String) -> String {
        identifier.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" } ? identifier : "\"\(identifier.replacing("\"", with: "\"\""))\""
    }

    /// A string literal (the values come from PostgreSQL's own plan, quoted all the same).
    static func literal(_ text: String) -> String {
        "'\(text.replacing("'", with: "''"))'"
    }
}
