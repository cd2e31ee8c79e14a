import Hotpath
import Logging
import NIOCore
import SQLKit

/// A database reached across a network: every statement pays one round trip before its
/// answer arrives.
///
/// SlowShop keeps its data in SQLite, in the process, where a statement costs tens of
/// microseconds. A real shop talks to a database server, and the round trip (about a
/// millisecond within a data centre) is what makes N+1 and chatty pages slow; this wrapper
/// puts it back so the demo behaves like production. `.zero` turns it off.
struct RoundTripDatabase: SQLDatabase {
    let base: any SQLDatabase
    let roundTrip: Duration

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        let delay = TimeAmount.nanoseconds(Int64(roundTrip.nanosecondsValue))
        return base.execute(sql: query, onRow).flatMap {
            eventLoop.scheduleTask(in: delay) {}.futureResult
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await base.execute(sql: query, onRow)
        if roundTrip > .zero { try await Task.sleep(for: roundTrip) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await base.withSession { session in
            try await closure(RoundTripDatabase(base: session, roundTrip: roundTrip))
        }
    }
}
