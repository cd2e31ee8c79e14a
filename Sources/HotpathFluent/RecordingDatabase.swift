import FluentKit
import Hotpath
import HotpathSQL
import HotpathStacks
import NIOCore
import SQLKit

/// A Fluent database that records each query run during a request, then hands it to the
/// driver's own database unchanged. Generic over the driver's type so that it is an
/// `SQLDatabase` exactly when the driver's database is one.
struct RecordingDatabase<Base: Database>: Database {
    let base: Base
    let settings: FluentCaptureSettings
    /// Where the app took this database (`req.db`, evaluated on the app's own line): the call
    /// site of a query whose stack holds no app code, as when FluentKit runs it in a task of
    /// its own (`$author.get(on:)` goes through `makeFutureWithTask`).
    let handleSite: CallSite?

    init(base: Base, settings: FluentCaptureSettings, handleSite: CallSite? = nil) {
        self.base = base
        self.settings = settings
        self.handleSite = handleSite
    }

    /// The driver's database seen as SQL (nil for a non-SQL driver): its dialect renders the
    /// statement text, and it answers the table-width lookups. Cast only when a query's text
    /// must be rendered (the first queries of a shape), not for every query: the cast boxes it.
    var sql: (any SQLDatabase)? { base as? any SQLDatabase }

    var context: DatabaseContext { base.context }
    var inTransaction: Bool { base.inTransaction }

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        guard let request = ActiveRequest.current else { return base.execute(query: query, onOutput: onOutput) }
        // Read here, on the caller's stack: its async callers lead to the app's line when the
        // query runs in the app's task; in a task of FluentKit's own, to where `req.db` was taken.
        let site = settings.capturesCallSites ? CallSites.shared.caller()?.otherwise(handleSite) ?? handleSite : nil
        let capture = FluentQueryCapture(request: request, callSite: site)
        let done = base.execute(query: query) { output in
            capture.sawRow()
            onOutput(output)
        }
        // The driver has converted the query by now (synchronously, before its future):
        // rendering it again with the driver's dialect gives the same text.
        let base = self.base
        capture.describe(FluentStatement.describing(query, dialect: settings.dialect(of: base), sql: { base as? any SQLDatabase }, settings: settings))
        // A callback on the driver's own future, not a new future: `always` would complete a
        // second future, one more hop to the event loop for every query awaited from a task.
        // Registered first, it runs the moment the driver is done, before the caller resumes.
        done.whenComplete { result in
            if case .failure = result { capture.finish(failed: true) } else { capture.finish(failed: false) }
        }
        return done
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        base.execute(schema: schema)
    }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        base.execute(enum: `enum`)
    }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        let (settings, handleSite) = (self.settings, self.handleSite)
        return base.transaction { database in closure(recording(database, settings: settings, handleSite: handleSite)) }
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        let (settings, handleSite) = (self.settings, self.handleSite)
        return base.withConnection { database in closure(recording(database, settings: settings, handleSite: handleSite)) }
    }
}

/// Raw SQL through `req.db as! any SQLDatabase` is recorded as HotpathSQL records it.
extension RecordingDatabase: SQLDatabase where Base: SQLDatabase {
    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        HotpathSQLDatabase(base, capturesCallSites: settings.capturesCallSites).execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await HotpathSQLDatabase(base, capturesCallSites: settings.capturesCallSites).execute(sql: query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await HotpathSQLDatabase(base, capturesCallSites: settings.capturesCallSites).withSession(closure)
    }
}

/// The recording form of any Fluent database (never wrapped twice).
func recording(_ database: any Database, settings: FluentCaptureSettings, handleSite: CallSite? = nil) -> any Database {
    if database is any AlreadyRecording { return database }
    return open(database, settings: settings, handleSite: handleSite)
}

private func open<D: Database>(_ database: D, settings: FluentCaptureSettings, handleSite: CallSite?) -> any Database {
    RecordingDatabase(base: database, settings: settings, handleSite: handleSite)
}

protocol AlreadyRecording {}
extension RecordingDatabase: AlreadyRecording {}
