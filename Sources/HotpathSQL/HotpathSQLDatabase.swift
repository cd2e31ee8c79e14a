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
    public let callSite: String?
    /// Walk the async callers for a call site when none was given (default true).
    public let capturesCallSites: Bool

    public init(_ base: any SQLDatabase, capturesCallSites: Bool = true) {
        self.init(base, callSite: nil, capturesCallSites: capturesCallSites)
    }

    init(_ base: any SQLDatabase, callSite: String?, capturesCallSites: Bool) {
        self.base = base
        self.callSite = callSite
        self.capturesCallSites = capturesCallSites
        if capturesCallSites { CallSites.shared.prepareInBackground() }
    }

    /// The same database, with statements recorded as run from the caller's `#fileID:#line`.
    public func at(_ fileID: String = #fileID, line: Int = #line) -> HotpathSQLDatabase {
        HotpathSQLDatabase(base, callSite: "\(fileID):\(line)", capturesCallSites: capturesCallSites)
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
        let capture = QueryCapture(request: request, callSite: site)
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
        let capture = QueryCapture(request: request, callSite: site)
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

/// One statement being recorded: its text and a hash of its binds from the driver's
/// serializer, rows counted as they stream by, columns from the first row (for `*` only).
final class QueryCapture: Sendable {
    private let request: ActiveRequest
    private let callSite: String?
    private let start: UInt64
    private let state = Mutex<State>(State())

    struct State {
        var sql = ""
        var bindsHash: String?
        var wantsColumns = false
        var rows = 0
        var columns: [String]?
    }

    init(request: ActiveRequest, callSite: String?) {
        self.request = request
        self.callSite = callSite
        self.start = MonotonicClock.now()
    }

    func serialized(sql: String, binds: ArraySlice<any Encodable & Sendable>) {
        let hash = BindHash.of(binds)
        // Only `SELECT *`-like statements need the result's column names.
        let wantsColumns = sql.utf8.contains(UInt8(ascii: "*"))
        state.withLock { state in
            state.sql = sql
            state.bindsHash = hash
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
        var attributes: [String: String] = [QueryAttributes.bindsHash: state.bindsHash ?? "none"]
        // A failure is marked, but its error text is not kept (it can echo values).
        if failed {
            attributes[QueryAttributes.failed] = "true"
        } else {
            attributes[QueryAttributes.rows] = String(state.rows)
        }
        if let columns = state.columns {
            attributes[QueryAttributes.columns] = String(columns.count)
            attributes[QueryAttributes.columnNames] = columns.joined(separator: ",")
        }
        request.record(.database, state.sql, from: start, to: end, callSite: callSite, attributes: attributes)
    }
}

/// A hash of bind values that tells "same values" from "different values" without keeping
/// them. Integers and strings (almost all binds) are hashed without formatting.
enum BindHash {
    static func of(_ binds: ArraySlice<any Encodable & Sendable>) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        for bind in binds {
            switch bind {
            case let value as Int:
                withUnsafeBytes(of: value.littleEndian) { for byte in $0 { mix(byte) } }
            case let value as String:
                for byte in value.utf8 { mix(byte) }
            default:
                for byte in String(describing: bind).utf8 { mix(byte) }
            }
            mix(0x1f)
        }
        return String(hash, radix: 16)
    }
}
