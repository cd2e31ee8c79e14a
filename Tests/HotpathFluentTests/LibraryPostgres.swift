import FluentPostgresDriver
import HotpathTestSupport
import Logging
import PostgresKit

/// The PostgreSQL that `.ci/run` starts, for the library app.
enum LibraryPostgres {
    static var isConfigured: Bool { PostgresTestServer.isConfigured }

    static var configuration: SQLPostgresConfiguration {
        SQLPostgresConfiguration(
            hostname: PostgresTestServer.host, port: PostgresTestServer.port, username: PostgresTestServer.user, password: nil,
            database: PostgresTestServer.database, tls: .disable
        )
    }

    /// A fresh start: the library's tables and Fluent's migration log from an earlier run go;
    /// hypopg is there.
    static func dropTables() async throws {
        let client = PostgresClient(configuration: .init(
            host: PostgresTestServer.host, port: PostgresTestServer.port, username: PostgresTestServer.user, password: nil,
            database: PostgresTestServer.database, tls: .disable
        ), backgroundLogger: Logger(label: "library"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query("DROP TABLE IF EXISTS books, authors, _fluent_migrations CASCADE")
            // The advisor checks an index hypothetically where hypopg is (CI installs it).
            try await client.query("CREATE EXTENSION IF NOT EXISTS hypopg")
        }
    }
}
