import Foundation

/// The PostgreSQL 15 (with hypopg) that `.ci/run` starts (`.ci/postgres.sh`), as the tests of
/// every module find it: `HOTPATH_POSTGRES_HOST` / `_PORT` / `_USER` / `_DATABASE`. In CI the
/// tests that need it must run; elsewhere they are skipped when it is not there.
public enum PostgresTestServer {
    static let environment = ProcessInfo.processInfo.environment

    public static var isConfigured: Bool { environment["HOTPATH_POSTGRES_HOST"] != nil }
    public static var host: String { environment["HOTPATH_POSTGRES_HOST"] ?? "127.0.0.1" }
    public static var port: Int { Int(environment["HOTPATH_POSTGRES_PORT"] ?? "") ?? 5432 }
    public static var user: String { environment["HOTPATH_POSTGRES_USER"] ?? "hotpath" }
    public static var database: String { environment["HOTPATH_POSTGRES_DATABASE"] ?? "hotpath_test" }
}
