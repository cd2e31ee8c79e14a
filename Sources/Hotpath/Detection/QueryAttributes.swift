/// Attribute keys that database adapters put on `.database` events, and the recording API
/// they (or an app's own database layer) use.
public enum QueryAttributes {
    /// A hash of the bind parameter values: equal for equal values, and the values themselves
    /// are never kept (they may be personal data).
    public static let bindsHash = "binds"
    /// Rows returned or affected, when known.
    public static let rows = "rows"
    /// Columns in the result, when known (for the SELECT * detector).
    public static let columns = "columns"
    /// Column names of the result, comma-separated, when known.
    public static let columnNames = "column_names"
    /// The table a `SELECT *` read, when the adapter knows it.
    public static let table = "table"
    /// "true" when the statement failed.
    public static let failed = "failed"
}

extension ActiveRequest {
    /// Records one SQL statement run for this request.
    ///
    /// ```swift
    /// let start = MonotonicClock.now()
    /// let rows = try await db.query(sql, binds)
    /// ActiveRequest.current?.recordQuery(sql, binds: binds.map { "\($0)" }, rows: rows.count, from: start, to: MonotonicClock.now())
    /// ```
    public func recordQuery(
        _ sql: String,
        binds: [String]? = nil,
        rows: Int? = nil,
        columns: [String]? = nil,
        failed: Bool = false,
        from start: UInt64,
        to end: UInt64,
        callSite: String? = nil
    ) {
        var attributes: [String: String] = [:]
        if let binds { attributes[QueryAttributes.bindsHash] = Self.hash(binds) }
        if let rows { attributes[QueryAttributes.rows] = String(rows) }
        if failed { attributes[QueryAttributes.failed] = "true" }
        if let columns {
            attributes[QueryAttributes.columns] = String(columns.count)
            attributes[QueryAttributes.columnNames] = columns.joined(separator: ",")
        }
        record(.database, sql, from: start, to: end, callSite: callSite, attributes: attributes.isEmpty ? nil : attributes)
    }

    /// FNV-1a over the values with separators: stable across runs, not reversible in practice
    /// for the purpose here (telling "same values" from "different values").
    static func hash(_ values: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for value in values {
            for byte in value.utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
            hash = (hash ^ 0x1f) &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
