import Hotpath
import SQLKit
import Synchronization

/// Reads SQLite's `EXPLAIN QUERY PLAN` for a statement and, when it scans a table while
/// filtering or sorting on columns, suggests the index that would turn the scan into a search.
///
/// Runs on the connection it is given (never the request's own), off the request path, and at
/// most once per statement shape per `minimumInterval`. Bind parameters are not needed (and
/// not kept): SQLite plans a statement with its placeholders unbound.
public final class SQLiteExplainAdvisor: Sendable {
    private let database: any SQLDatabase
    private let minimumInterval: UInt64
    private let lastRun = Mutex<[String: UInt64]>([:])

    /// - Parameters:
    ///   - database: a connection of its own, to the same database file.
    ///   - minimumInterval: how often one statement shape may be explained.
    public init(database: any SQLDatabase, minimumInterval: Duration = .seconds(60)) {
        self.database = database
        self.minimumInterval = UInt64(max(minimumInterval.nanosecondsValue, 0))
    }

    /// Advice for `sql`, or nil when the plan uses indexes, the statement was explained too
    /// recently, or EXPLAIN failed (a failing EXPLAIN never reaches the caller as an error).
    public func advise(sql: String) async -> IndexAdvice? {
        let fingerprint = SQLFingerprint(sql).text
        let now = MonotonicClock.now()
        let due = lastRun.withLock { runs -> Bool in
            if let last = runs[fingerprint], now &- last < minimumInterval { return false }
            runs[fingerprint] = now
            return true
        }
        guard due else { return nil }
        return await explainNow(sql: sql, fingerprint: fingerprint)
    }

    /// Explains without the per-shape throttle (the recorder's plan review throttles itself).
    func explainNow(sql: String, fingerprint: String) async -> IndexAdvice? {
        guard Self.isExplainable(fingerprint), let plan = try? await queryPlan(sql) else { return nil }
        return Self.advice(fingerprint: fingerprint, plan: plan)
    }

    /// The plan's `detail` lines, indented by depth as the sqlite3 shell prints them.
    public func queryPlan(_ sql: String) async throws -> [String] {
        // EXPLAIN alone plans against the connection's cached schema, which can predate an
        // index created on another connection; a real read checks the schema cookie first.
        _ = try await database.raw("SELECT 1 FROM sqlite_master LIMIT 1").all()
        let rows = try await database.raw("EXPLAIN QUERY PLAN \(unsafeRaw: sql)").all()
        return try rows.map { try $0.decode(column: "detail", as: String.self) }
    }

    static func isExplainable(_ fingerprint: String) -> Bool {
        fingerprint.hasPrefix("select ") || fingerprint.hasPrefix("with ")
    }

    /// A `SCAN <table>` line (no index used) on a statement that filters, or sorts before a
    /// LIMIT: suggest an index on the filtered columns, equality first, then one range column,
    /// else the ORDER BY columns.
    static func advice(fingerprint: String, plan: [String]) -> IndexAdvice? {
        let (equality, range, orderBy) = FilterColumns.of(fingerprint)
        for line in plan {
            let words = line.split(separator: " ").map(String.init)
            guard words.first == "SCAN", words.count >= 2, !line.contains("USING"), words[1] != "CONSTANT" else { continue }
            // "SCAN orders" or (older SQLite) "SCAN TABLE orders".
            let table = (words[1] == "TABLE" && words.count >= 3 ? words[2] : words[1]).replacing("\"", with: "")
            var columns = equality
            if let first = range.first, !columns.contains(first) { columns.append(first) }
            if columns.isEmpty {
                // Sorting alone: an index helps only when SQLite sorts (a scan of the rowid is
                // already in order) and a LIMIT lets it stop early; a full read is a full read.
                let sorts = plan.contains { $0.contains("TEMP B-TREE FOR ORDER BY") }
                guard sorts, fingerprint.contains(" limit ") else { continue }
                columns = orderBy
            }
            guard !columns.isEmpty else { continue }
            let name = ([table] + columns + ["idx"]).joined(separator: "_")
            return IndexAdvice(
                fingerprint: fingerprint,
                table: table,
                columns: columns,
                createIndex: "CREATE INDEX \(name) ON \(table) (\(columns.joined(separator: ", ")))",
                reason: "the plan reads every row of \(table) (\(line)) to filter on \(columns.joined(separator: ", "))",
                plan: plan
            )
        }
        return nil
    }
}

extension SQLiteExplainAdvisor: QueryPlanAdvisor {
    public var name: String { "sqlite" }

    /// The advice of ``advise(sql:)`` for the recorder's plan review, which does its own throttling.
    public func indexAdvice(forSQL sql: String) async -> IndexAdvice? {
        await explainNow(sql: sql, fingerprint: SQLFingerprint(sql).text)
    }
}
