import Hotpath
import Logging
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

    public init(_ client: PostgresClient) {
        self.client = client
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
        var attributes = [QueryAttributes.bindsHash: String(UInt(bitPattern: query.binds.hashValue), radix: 16)]
        do {
            let rows = try await client.query(query, logger: logger, file: file, line: line)
            request.record(.database, query.sql, from: start, to: MonotonicClock.now(), callSite: "\(file):\(line)", attributes: attributes)
            return rows
        } catch {
            attributes[QueryAttributes.failed] = "true"
            request.record(.database, query.sql, from: start, to: MonotonicClock.now(), callSite: "\(file):\(line)", attributes: attributes)
            throw error
        }
    }
}
