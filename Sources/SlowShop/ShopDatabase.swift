import Foundation
import Hotpath
import HotpathSQL
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import Synchronization

/// The shop's SQLite file, a few connections to it (WAL lets them read together), each
/// statement recorded by Hotpath and paying a simulated network round trip.
final class ShopDatabase: Sendable {
    let path: String
    private let connections: [SQLiteConnection]
    private let next = Atomic<Int>(0)
    private let roundTrip: Duration
    /// A connection of its own for EXPLAIN, so advice never waits behind the app's queries.
    let advisorConnection: SQLiteConnection

    private init(path: String, connections: [SQLiteConnection], advisorConnection: SQLiteConnection, roundTrip: Duration) {
        self.path = path
        self.connections = connections
        self.advisorConnection = advisorConnection
        self.roundTrip = roundTrip
    }

    /// Opens (seeding a new file first) and applies or removes the index the fixed shop has.
    static func open(path: String, scale: SlowShop.Scale, fixed: Bool, roundTrip: Duration, logger: Logger) async throws -> ShopDatabase {
        let fresh = !FileManager.default.fileExists(atPath: path)
        var connections: [SQLiteConnection] = []
        for _ in 0..<4 {
            connections.append(try await SQLiteConnection.open(storage: .file(path: path), logger: logger))
        }
        let advisor = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let database = ShopDatabase(path: path, connections: connections, advisorConnection: advisor, roundTrip: roundTrip)
        do {
            try await prepare(connections[0].sql(), path: path, fresh: fresh, scale: scale, fixed: fixed)
        } catch {
            await Task { await database.close() }.value
            throw error
        }
        return database
    }

    private static func prepare(_ setup: any SQLDatabase, path: String, fresh: Bool, scale: SlowShop.Scale, fixed: Bool) async throws {
        if fresh {
            try await ShopSeed(scale: scale).create(on: setup)
        } else {
            let seeded = try await setup.raw("SELECT value FROM meta WHERE key = 'seeded'").first(decodingColumn: "value", as: String.self)
            guard seeded == "yes" else { throw SlowShopError("\(path) is not a SlowShop database; give a new path or delete it") }
        }
        if fixed {
            try await setup.raw("CREATE INDEX IF NOT EXISTS orders_customer_email_idx ON orders (customer_email)").run()
        } else {
            try await setup.raw("DROP INDEX IF EXISTS orders_customer_email_idx").run()
        }
        try await setup.raw("ANALYZE").run()
    }

    /// A connection for one piece of work, round robin, recorded by Hotpath.
    var sql: HotpathSQLDatabase {
        let index = next.add(1, ordering: .relaxed).newValue % connections.count
        return HotpathSQLDatabase(RoundTripDatabase(base: connections[index].sql(), roundTrip: roundTrip))
    }

    func close() async {
        for connection in connections + [advisorConnection] { try? await connection.close() }
    }
}

struct SlowShopError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
