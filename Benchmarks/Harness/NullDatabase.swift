import FluentKit
import NIOCore
import SQLiteKit
import SQLKit

/// A Fluent database that answers every query with no rows, in SQLite's dialect: what
/// a query costs through it is Fluent's own work, so the difference with and without
/// HotpathFluent is exactly what the capture adds, without a real database's noise.
struct NullDatabase: Database, SQLDatabase {
    let context: DatabaseContext
    var inTransaction: Bool { false }
    var logger: Logger { context.logger }
    var eventLoop: any EventLoop { context.eventLoop }
    var dialect: any SQLDialect { SQLiteDialect() }

    /// Answered on the event loop, as a driver answers after its I/O: the caller's callbacks
    /// are registered before the answer comes.
    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        eventLoop.execute { promise.succeed() }
        return promise.futureResult
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> { eventLoop.makeSucceededVoidFuture() }
    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> { eventLoop.makeSucceededVoidFuture() }
    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> { closure(self) }
    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> { closure(self) }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeSucceededVoidFuture()
    }

    struct Configuration: DatabaseConfiguration {
        var middleware: [any AnyModelMiddleware] = []
        func makeDriver(for databases: Databases) -> any DatabaseDriver { Driver() }
    }

    struct Driver: DatabaseDriver {
        func makeDatabase(with context: DatabaseContext) -> any Database { NullDatabase(context: context) }
        func shutdown() {}
    }

    static var factory: DatabaseConfigurationFactory { DatabaseConfigurationFactory { Configuration() } }
}
