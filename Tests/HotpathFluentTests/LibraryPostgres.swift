import FluentPostgresDriver
import Foundation
import Logging
import PostgresKit

/// The PostgreSQL that `.ci/run` starts (`.ci/postgres.sh`), found as the PostgreSQL tests find it.
enum LibraryPostgres {
    static let environment = ProcessInfo.processInfo.environment
    static var isConfigured: Bool { environment["HOTPATH_POSTGRES_HOST"] != nil }

    static var configuration: SQLPostgresConfiguration {
        SQLPostgresConfiguration(
            hostname: environment["HOTPATH_POSTGRES_HOST"] ?? "127.0.0.1",
            port: Int(environment["HOTPATH_POSTGRES_PORT"] ?? "") ?? 5432,
            username: environment["HOTPATH_POSTGRES_USER"] ?? "hotpath",
            password: nil,
            database: environment["HOTPATH_POSTGRES_DATABASE"] ?? "hotpath_test",
            tls: .disable
        )
    }

    /// A fresh start: the library's tables and Fluent's migration log from an earlier run go.
    static func dropTables() async throws {
        let client = PostgresClient(configuration: .init(
            host: environment["HOTPATH_POSTGRES_HOST"] ?? "127.0.0.1",
            port: Int(environment["HOTPATH_POSTGRES_PORT"] ?? "") ?? 5432,
            username: environment["HOTPATH_POSTGRES_USER"] ?? "hotpath",
            password: nil,
            database: environment["HOTPATH_POSTGRES_DATABASE"] ?? "hotpath_test",
            tls: .disable
        ), backgroundLogger: Logger(label: "library"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query("DROP TABLE IF EXISTS books, authors, _fluent_migrations CASCADE")
        }
    }
}
