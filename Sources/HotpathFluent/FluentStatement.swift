import FluentKit
import FluentSQL
import Hotpath
import SQLKit

/// What one Fluent query is, as a recorded statement: the SQL its driver runs (rendered with
/// the driver's dialect), the identity of its binds, and what Fluent knows that the text does
/// not say plainly: the table, the operation, the model, whether it reads every column, and
/// the relation it loads.
struct FluentStatement: Sendable {
    var sql: String
    var binds: BindIdentity?
    var table: String
    var operation: QueryOperation
    var model: String?
    var columns: [String]?
    var readsAllColumns: Bool?
    var relation: RelationName?
    var system: String?

    /// The statement of `query`: from the cache when a query of its shape was described before,
    /// otherwise described now (and cached once nothing about it is still being learned).
    static func describing(_ query: DatabaseQuery, sql database: (any SQLDatabase)?, settings: FluentCaptureSettings) -> FluentStatement {
        describing(query, dialect: database?.dialect.name, sql: { database }, settings: settings)
    }

    /// The same, for a caller that knows the dialect's name without the database as SQL
    /// (``FluentCaptureSettings/dialect(of:)``): `sql` is asked only when text must be rendered.
    static func describing(
        _ query: DatabaseQuery, dialect: String?, sql: () -> (any SQLDatabase)?, settings: FluentCaptureSettings
    ) -> FluentStatement {
        guard let dialect else { return FluentStatement(query, sql: nil, settings: settings) }
        let shape = FluentQueryShape(query, dialect: dialect)
        guard let key = shape.key else { return FluentStatement(query, sql: sql(), settings: settings) }
        if let (cached, check) = settings.statements.lookup(key) {
            var statement = cached
            statement.binds = shape.binds
            guard check else { return statement }
            let database = sql()
            var fresh = FluentStatement(query, sql: database, settings: settings)
            fresh.binds = shape.binds
            if fresh.sql != statement.sql { settings.statements.distrust(key) }
            return fresh
        }
        var statement = FluentStatement(query, sql: sql(), settings: settings)
        // The walk's identity, not the serializer's: the same for every query of the shape,
        // rendered or not.
        statement.binds = shape.binds
        if statement.isSettled { settings.statements.store(statement, for: key) }
        return statement
    }

    /// False while the width of the table it reads is still being asked: a later query of the
    /// same shape will know whether it reads every column.
    var isSettled: Bool { !widthPending }
    private var widthPending = false

    init(_ query: DatabaseQuery, sql database: (any SQLDatabase)?, settings: FluentCaptureSettings) {
        table = query.schema
        operation = switch query.action {
        case .read: .read
        case .aggregate: .aggregate
        case .create: .create
        case .update: .update
        case .delete: .delete
        case .custom: .other
        }
        let known = settings.catalog.table(query.schema)
        model = known?.model
        system = database?.dialect.name
        if let database, let rendered = Self.render(query, on: database) {
            sql = rendered.sql
            binds = rendered.binds
        } else {
            // A driver without SQL: name what it did, never the values.
            sql = "\(query.action) \(query.space.map { "\($0)." } ?? "")\(query.schema)"
        }
        guard case .read = query.action else { return }
        let selected = query.fields.compactMap(Self.column)
        if !selected.isEmpty { columns = selected }
        if query.joins.isEmpty, !selected.isEmpty {
            let width = known?.fieldCount ?? database.flatMap { settings.tableWidths.width(of: query.schema, space: query.space, on: $0) }
            readsAllColumns = width.map { selected.count >= $0 }
            widthPending = width == nil
        }
        if let column = Self.singleEqualityColumn(query) {
            relation = settings.catalog.relation(loading: query.schema, by: column)
        }
    }

    /// The statement as the driver builds it (FluentSQL's converter, plus the RETURNING the SQL
    /// drivers add to an insert), serialized with the driver's dialect. Nil for what the
    /// converter would refuse (it traps on those; the driver already ran them its own way).
    static func render(_ query: DatabaseQuery, on database: any SQLDatabase) -> (sql: String, binds: BindIdentity)? {
        switch query.action {
        case .custom: return nil
        case .update, .create:
            guard let first = query.input.first, case .dictionary = first else { return nil }
        default: break
        }
        for limit in query.limits { if case .custom = limit { return nil } }
        for offset in query.offsets { if case .custom = offset { return nil } }
        var expression = SQLQueryConverter(delegate: RenderingDelegate()).convert(query)
        if case .create = query.action, query.customIDKey != .some(.string("")) {
            expression = SQLKit.SQLList([expression, SQLReturning(SQLColumn((query.customIDKey ?? .id).description))], separator: SQLRaw(" "))
        }
        var serializer = SQLSerializer(database: database)
        expression.serialize(to: &serializer)
        var identity = BindIdentity.Builder()
        for bind in serializer.binds { identity.add(describing: bind) }
        return (serializer.sql, identity.identity)
    }

    static func column(_ field: DatabaseQuery.Field) -> String? {
        switch field {
        case .path(let path, _), .extendedPath(let path, _, _): path.first?.description
        case .custom: nil
        }
    }

    /// The column of a query's only value filter when it is an equality (`id = ?` of a parent
    /// load, `author_id = ?` of a children load); nil otherwise.
    static func singleEqualityColumn(_ query: DatabaseQuery) -> String? {
        var found: String?
        for filter in query.filters {
            switch filter {
            case .value(let field, .equality(inverse: false), _):
                guard found == nil, let column = column(field) else { return nil }
                found = column
            case .value(let field, _, _):
                // Soft-delete conditions ride along with every load; anything else is a search.
                guard let column = column(field), column.hasSuffix("deleted_at") else { return nil }
            default:
                return nil
            }
        }
        return found
    }
}

/// The converter's hooks used only by schema statements; queries need none of them.
struct RenderingDelegate: SQLConverterDelegate {
    func customDataType(_ dataType: DatabaseSchema.DataType) -> (any SQLExpression)? { nil }
}
