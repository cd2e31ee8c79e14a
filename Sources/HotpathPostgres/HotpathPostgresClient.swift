import Hotpath
import Logging
import NIOCore
import PostgresNIO

/// A `PostgresClient` whose queries are recorded on the request being served, with the
/// app's call site (`file:line` of the `query` call), the SQL text and a hash of the binds.
///
/// ```swift
/// let db = HotpathPostgresClient(client)
/// let rows = try await db.query("SELECT * FROM orders WHERE user_id = \(userID)")
/// ```
///
/// The time recorded runs until PostgreSQL's first answer for the statement: rows stream
/// after that as the caller reads them.
public struct HotpathPostgresClient: Sendable {
    public let client: PostgresClient

    /// - Parameter recorder: when given, the report says SQL capture is installed even before
    ///   a query ran.
    public init(_ client: PostgresClient, recorder: Recorder? = nil) {
        self.client = client
        recorder?.declare(.queries(adapter: "HotpathPostgresClient"))
    }

    /// The identity of the binds' encoded bytes (what PostgreSQL receives): equal for equal
    /// values in every process. `PostgresBindings` keeps its bytes internal and prints protected
    /// values as `****`, so its description cannot tell values apart and its `hashValue` changes
    /// from one process to the next: the bytes are read through reflection.
    static func identity(of binds: PostgresBindings) -> BindIdentity? {
        for child in Mirror(reflecting: binds).children where child.label == "bytes" {
            guard let buffer = child.value as? ByteBuffer else { return nil }
            var hash = FNV1a()
            hash.mix(UInt64(binds.count))
            buffer.withUnsafeReadableBytes { hash.mix($0) }
            return BindIdentity(value: hash.value)
        }
        return nil
    }

    @discardableResult
    public func query(
        _ query: PostgresQuery,
        logger: Logger? = nil,
        file: String = #fileID,
        line: Int = #line
    ) async throws -> PostgresRowSequence {
        guard let request = ActiveRequest.current else {
            return try await client.query(query, logger: logger, file: file, line: line)
        }
        let start = MonotonicClock.now()
        let site = CallSite(fileID: file, line: line)
        let binds = Self.identity(of: query.binds)
        do {
            let rows = try await client.query(query, logger: logger, file: file, line: line)
            request.recordQuery(QueryDetail(sql: query.sql, bindIdentity: binds, system: "postgresql"), from: start, to: MonotonicClock.now(), callSite: site)
            return rows
        } catch {
            request.recordQuery(QueryDetail(sql: query.sql, bindIdentity: binds, system: "postgresql", failed: true), from: start, to: MonotonicClock.now(), callSite: site)
            throw error
        }
    }
}
