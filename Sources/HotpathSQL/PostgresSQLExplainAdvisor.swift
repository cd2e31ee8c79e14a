import Hotpath
import SQLKit

/// PostgreSQL's plan read through a PostgreSQL `SQLDatabase` (PostgresKit's, Fluent's
/// PostgreSQL driver's): a sequential scan behind a statement becomes the index that would
/// replace it, checked hypothetically with hypopg when the database has it.
///
/// The database's `withSession` must keep one connection for the whole look (PostgresKit's
/// and fluent-postgres-driver's do; SQLKit's default does not): `PREPARE`, `SET` and the
/// hypothetical index belong to a connection. It shares the app's pool, one look at a time.
///
/// Each look runs in one session (one pooled connection, never a request's own) and undoes
/// what it set before the connection goes back. The recorder's plan review decides when a
/// statement is looked at; this only looks.
///
/// ```swift
/// recorder.attach(planAdvisor: PostgresSQLExplainAdvisor(database: app.db as! any SQLDatabase))
/// ```
public final class PostgresSQLExplainAdvisor: QueryPlanAdvisor {
    private let database: any SQLDatabase
    private let planning: PostgresPlanning

    /// - Parameters:
    ///   - database: a PostgreSQL database (its `dialect.name` is `postgresql`).
    ///   - minimumTableRows: without hypopg, tables smaller than this are not advised on.
    public init(database: any SQLDatabase, minimumTableRows: Double = 10_000) {
        self.database = database
        self.planning = PostgresPlanning(minimumTableRows: minimumTableRows)
    }

    public var name: String { "postgresql" }

    public func indexAdvice(forSQL sql: String) async -> IndexAdvice? {
        let fingerprint = SQLFingerprint(sql).text
        guard fingerprint.hasPrefix("select ") else { return nil }
        let planning = self.planning
        return try? await database.withSession { session in
            try await planning.advise(sql: sql, fingerprint: fingerprint, on: SQLPlanSession(database: session))?.advice
        }
    }
}

/// One `SQLDatabase` session as the plan reader asks it.
private struct SQLPlanSession: PostgresPlanSession {
    let database: any SQLDatabase

    func run(_ sql: String) async throws {
        try await database.execute(sql: SQLRaw(sql)) { _ in }
    }

    func texts(_ sql: String) async throws -> [String] {
        try await database.raw("\(unsafeRaw: sql)").all().map { row in
            guard let column = row.allColumns.first else { return "" }
            return try row.decode(column: column, as: String.self)
        }
    }
}
