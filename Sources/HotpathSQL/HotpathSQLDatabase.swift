import Hotpath
import HotpathStacks
import Logging
import NIOCore
import SQLKit
import Synchronization

/// Any SQLKit database (SQLiteKit, PostgresKit, the SQL side of Fluent's drivers), with every
/// statement recorded on the request being served: SQL text, duration, rows, result columns,
/// and a hash of the bind values (never the values).
///
/// ```swift
/// let db = HotpathSQLDatabase(sqlite.sql())          // or postgres.sql(), or (req.db as! any SQLDatabase)
/// try await db.select().column("*").from("orders").all()
/// ```
///
/// Outside a request (no ``ActiveRequest/current``) it only forwards. Failures are recorded
/// and rethrown unchanged: recording never changes what the app sees.
///
/// **Call sites.** Each statement is recorded with the place in the app's code that ran it
/// (`Orders/OrdersController.swift:42`): found by walking the chain of async callers past
/// SQLKit's and Hotpath's frames (each distinct stack is symbolicated once, then cached). To
/// name it exactly and for free, mark the database where it is used:
///
/// ```swift
/// for order in orders {
///     let user = try await db.at().select().column("name").from("users").where("id", .equal, order.userID).first()
/// }
/// ```
public struct HotpathSQLDatabase: SQLDatabase {
    public let base: any SQLDatabase
    /// The call site given with ``at(_:line:)``, used instead of the captured one.
    public let callSite: CallSite?
    /// Walk the async callers for a call site when none was given (default true).
    public let capturesCallSites: Bool

    /// - Parameter recorder: when given, the report says SQL capture is installed even before
    ///   a query ran (otherwise it knows from the first query recorded).
    public init(_ base: any SQLDatabase, capturesCallSites: Bool = true, recorder: Recorder? = nil) {
        self.init(base, callSite: nil, capturesCallSites: capturesCallSites)
        recorder?.declare(.queries(adapter: "HotpathSQLDatabase (\(base.dialect.name))"))
    }

    init(_ base: any SQLDatabase, callSite: CallSite?, capturesCallSites: Bool) {
        self.base = base
        self.callSite = callSite
        self.capturesCallSites = capturesCallSites
        if capturesCallSites { CallSites.shared.prepareInBackground() }
    }

    /// The same database, with statements recorded as run from the caller's `#fileID:#line`.
    public func at(_ fileID: String = #fileID, line: Int = #line) -> HotpathSQLDatabase {
        HotpathSQLDatabase(base, callSite: CallSite(fileID: fileID, line: line), capturesCallSites: capturesCallSites)
    }

    public var logger: Logger { base.logger }
    public var eventLoop: any EventLoop { base.eventLoop }
    public var version: (any SQLDatabaseReportedVersion)? { base.version }
    public var dialect: any SQLDialect { base.dialect }
    public var queryLogLevel: Logger.Level? { base.queryLogLevel }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        guard let request = ActiveRequest.current else { return base.execute(sql: query, onRow) }
        var site = callSite
        if site == nil, capturesCallSites { site = CallSites.shared.caller() }
        let capture = QueryCapture(request: request, callSite: site, system: base.dialect.name)
        return base.execute(sql: RecordingExpression(query, capture: capture)) { row in
            capture.sawRow(row)
            onRow(row)
        }.always { result in
            capture.finish(failed: { if case .failure = result { true } else { false } }())
        }
    }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        guard let request = ActiveRequest.current else { return try await base.execute(sql: query, onRow) }
        // Called here, in the async function itself: it reads this function's async context.
        var site = callSite
        if site == nil, capturesCallSites { site = CallSites.shared.asyncCaller() }
        let capture = QueryCapture(request: request, callSite: site, system: base.dialect.name)
        do {
            try await base.execute(sql: RecordingExpression(query, capture: capture)) { row in
                capture.sawRow(row)
                onRow(row)
            }
            capture.finish(failed: false)
        } catch {
            capture.finish(failed: true)
            throw error
        }
    }

    public func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        // The built-in logging wrapper forgets this one: queries in a session must be seen too.
        try await base.withSession { session in
            try await closure(HotpathSQLDatabase(session, callSite: callSite, capturesCallSites: capturesCallSites))
        }
    }
}

/// Wraps the app's query so that the driver's own serialization hands us the SQL text and
/// binds: the statement is serialized once, by the driver, as without Hotpath.
struct RecordingExpression: SQLExpression {
    let query: any SQLExpression
    let capture: QueryCapture

    init(_ query: any SQLExpression, capture: QueryCapture) {
        self.query = query
        self.capture = capture
    }

    func serialize(to serializer: inout SQLSerializer) {
        let sqlStart = serializer.sql.endIndex
        let bindsStart = serializer.binds.count
        query.serialize(to: &serializer)
        capture.serialized(sql: String(serializer.sql[sqlStart...]), binds: serializer.binds[bindsStart...])
    }
}

/// One statement being recorded: its text and the identity of its binds from the driver's
/// serializer, rows counted as they stream by, columns from the first row (for `*` only).
final class QueryCapture: Sendable {
    private let request: ActiveRequest
    private let callSite: CallSite?
    private let system: String
    private let start: UInt64
    private let state = Mutex<State>(State())

    struct State {
        var sql = ""
        var binds: BindIdentity?
        var wantsColumns = false
        var rows = 0
        var columns: [String]?
    }

    init(request: ActiveRequest, callSite: CallSite?, system: String) {
        self.request = request
        self.callSite = callSite
        self.system = system
        self.start = MonotonicClock.now()
    }

    func serialized(sql: String, binds: ArraySlice<any Encodable & Sendable>) {
        let identity = BindHash.of(binds)
        // Only `SELECT *`-like statements need the result's column names.
        let wantsColumns = sql.utf8.contains(UInt8(ascii: "*"))
        state.withLock { state in
            state.sql = sql
            state.binds = identity
            state.wantsColumns = wantsColumns
        }
    }

    func sawRow(_ row: any SQLRow) {
        state.withLock { state in
            state.rows += 1
            if state.wantsColumns, state.columns == nil { state.columns = row.allColumns }
        }
    }

    func finish(failed: Bool) {
        let end = MonotonicClock.now()
        let state = self.state.withLock { $0 }
        // A failure is marked, but its error text is not kept (it can echo values).
        let query = QueryDetail(
            sql: state.sql, bindIdentity: state.binds, rows: failed ? nil : state.rows, columns: state.columns,
            system: system, failed: failed
        )
        request.recordQuery(query, from: start, to: end, callSite: callSite)
    }
}

/// The identity of bind values: tells "same values" from "different values" without keeping
/// them. Integers and strings (almost all binds) are hashed without formatting.
enum BindHash {
    static func of(_ binds: ArraySlice<any Encodable & Sendable>) -> BindIdentity {
        var builder = BindIdentity.Builder()
        for bind in binds { builder.add(describing: bind) }
        return builder.identity
    }
}
