/// One SQL statement (or ORM operation) run for a request.
///
/// The statement is kept whole, up to ``maximumSQLBytes`` (an ORM's SELECT that names every
/// column of a wide model runs past 1,000 characters): fingerprints and EXPLAIN need all of it;
/// renderers clip it for display. Bind values are never kept: ``bindIdentity`` tells equal
/// values from different ones.
public struct QueryDetail: Sendable, Codable, Equatable {
    /// The statement as the driver ran it.
    public var sql: String
    /// True when the statement was longer than ``maximumSQLBytes`` and was cut.
    public var sqlTruncated: Bool
    /// A stable hash of the bind values (equal values, equal identity, in any process); nil
    /// when the adapter does not see them.
    public var bindIdentity: BindIdentity?
    /// Rows returned or affected, when known.
    public var rows: Int?
    /// The result's column names, when known.
    public var columns: [String]?
    /// The table (or collection) read or written, when the adapter knows it.
    public var table: String?
    /// What the statement does, when known.
    public var operation: QueryOperation?
    /// The ORM's model or schema behind the statement (Fluent's `Book`/`books`), when known.
    public var model: String?
    /// The database system: `sqlite`, `postgresql`, `mysql`…
    public var system: String?
    /// Whether it reads every column of its table or every field of its model: set by adapters
    /// that know (an ORM loading whole models); nil otherwise (a literal `*` is then the sign).
    public var readsAllColumns: Bool?
    /// The ORM relation this statement loads (`Book.$author` for a parent read by id), when the
    /// adapter knows the app's models and exactly one relation fits.
    public var relation: RelationName?
    public var failed: Bool

    public init(
        sql: String, bindIdentity: BindIdentity? = nil, rows: Int? = nil, columns: [String]? = nil, table: String? = nil,
        operation: QueryOperation? = nil, model: String? = nil, system: String? = nil, readsAllColumns: Bool? = nil,
        failed: Bool = false
    ) {
        self.readsAllColumns = readsAllColumns
        if sql.utf8.count > Self.maximumSQLBytes {
            self.sql = String(decoding: sql.utf8.prefix(Self.maximumSQLBytes), as: UTF8.self)
            sqlTruncated = true
        } else {
            self.sql = sql
            sqlTruncated = false
        }
        self.bindIdentity = bindIdentity
        self.rows = rows
        self.columns = columns
        self.table = table
        self.operation = operation
        self.model = model
        self.system = system
        self.failed = failed
    }

    /// Longest statement kept: 16 KiB, far beyond any ORM's SELECT, short of a bulk insert.
    public static let maximumSQLBytes = 16 * 1024

    /// The statement's shape (literals and binds as `?`), for grouping.
    public var fingerprint: SQLFingerprint { SQLFingerprint(sql) }
}

/// What a statement does, as far as the adapter (or its text) tells.
public enum QueryOperation: String, Sendable, Codable, CaseIterable {
    case read, create, update, delete, aggregate, other

    /// The operation a statement's first keyword names (`SELECT` → read, `SELECT count(` →
    /// aggregate, `INSERT` → create…); nil when it names none of them.
    public init?(sql: some StringProtocol) {
        var keyword = ""
        var index = sql.utf8.startIndex
        let bytes = sql.utf8
        while index < bytes.endIndex, bytes[index] == 32 || bytes[index] == 10 || bytes[index] == 9 || bytes[index] == 40 {
            index = bytes.index(after: index)
        }
        while index < bytes.endIndex, keyword.utf8.count < 8 {
            let byte = bytes[index]
            guard (65...90).contains(byte) || (97...122).contains(byte) else { break }
            keyword.append(Character(Unicode.Scalar(byte | 0x20)))
            index = bytes.index(after: index)
        }
        switch keyword {
        case "select", "with":
            let head = sql.prefix(200).lowercased()
            let aggregates = ["count(", "sum(", "avg(", "min(", "max(", "count (", "sum ("]
            self = aggregates.contains { head.contains($0) } && !head.contains(" join ") ? .aggregate : .read
        case "insert": self = .create
        case "update": self = .update
        case "delete": self = .delete
        case "": return nil
        default: self = .other
        }
    }
}

/// A stable 64-bit identity of a statement's bind values: FNV-1a over each value's canonical
/// bytes, so equal values give equal identities in every process and run, and the values
/// themselves are never kept (they may be personal data).
///
/// ```swift
/// var binds = BindIdentity.Builder()
/// binds.add(42)
/// binds.add("ada@example.com")
/// let identity = binds.identity
/// ```
public struct BindIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
    public var value: UInt64

    public init(value: UInt64) {
        self.value = value
    }

    /// Identity of values already printed as text (an adapter that only has their descriptions).
    public init(texts: [String]) {
        var builder = Builder()
        for text in texts { builder.add(text) }
        self = builder.identity
    }

    public var description: String { String(value, radix: 16) }

    /// Feeds bind values one by one; integers and strings without formatting them.
    public struct Builder: Sendable {
        private var hash = FNV1a()

        public init() {}

        public mutating func add(_ value: Int) {
            hash.mix(byte: 0x69)
            hash.mix(Int64(value))
            hash.separate()
        }

        public mutating func add(_ value: String) {
            hash.mix(byte: 0x73)
            hash.mix(value)
            hash.separate()
        }

        public mutating func add(_ value: Double) {
            hash.mix(byte: 0x64)
            hash.mix(value.bitPattern)
            hash.separate()
        }

        public mutating func add(_ value: Bool) {
            hash.mix(byte: value ? 0x74 : 0x66)
            hash.separate()
        }

        /// A value of another type, by its description (UUIDs, dates, decimals print stably).
        public mutating func add(describing value: Any) {
            switch value {
            case let value as Int: add(value)
            case let value as String: add(value)
            case let value as Double: add(value)
            case let value as Bool: add(value)
            case let value as any BinaryInteger: add(String(describing: value))
            default:
                hash.mix(byte: 0x6f)
                hash.mix(String(describing: value))
                hash.separate()
            }
        }

        /// No value (SQL NULL).
        public mutating func addNull() {
            hash.mix(byte: 0x6e)
            hash.separate()
        }

        public var identity: BindIdentity { BindIdentity(value: hash.value) }
    }

    // As JSON: 16 hex digits (a UInt64 does not survive every JSON reader as a number).
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = UInt64(text, radix: 16) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a bind identity: \(text)"))
        }
        self.value = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
