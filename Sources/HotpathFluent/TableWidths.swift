import FluentKit
import SQLKit
import Synchronization

/// How many columns each table has, asked of the database once per table, in the background
/// and outside any request (so the lookup is neither recorded nor on a request's time): a
/// query that names that many fields reads every column, however Fluent spells it.
final class TableWidths: Sendable {
    private enum Entry {
        case asked
        case known(Int)
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// The table's width when known; the first call for a table starts the lookup and
    /// answers nil.
    func width(of table: String, space: String?, on database: any SQLDatabase) -> Int? {
        let key = space.map { "\($0).\(table)" } ?? table
        let start: Bool = entries.withLock { entries in
            switch entries[key] {
            case .known: return false
            case .asked: return false
            case nil:
                entries[key] = .asked
                return true
            }
        }
        if start {
            // Detached: the lookup must not inherit the request's task-locals (it would be
            // recorded as one of its queries) nor delay it.
            Task.detached { [self] in
                let width = await Self.ask(table: table, space: space, on: database)
                entries.withLock { $0[key] = width.map(Entry.known) ?? .asked }
            }
            return nil
        }
        return entries.withLock { entries in
            if case .known(let width) = entries[key] { return width }
            return nil
        }
    }

    private static func ask(table: String, space: String?, on database: any SQLDatabase) async -> Int? {
        let query: SQLQueryString
        switch database.dialect.name {
        case "sqlite":
            query = "SELECT count(*) AS n FROM pragma_table_info(\(bind: table))"
        case "postgresql":
            query = space.map { "SELECT count(*) AS n FROM information_schema.columns WHERE table_name = \(bind: table) AND table_schema = \(bind: $0)" }
                ?? "SELECT count(*) AS n FROM information_schema.columns WHERE table_name = \(bind: table) AND table_schema = current_schema()"
        case "mysql":
            query = "SELECT count(*) AS n FROM information_schema.columns WHERE table_name = \(bind: table) AND table_schema = DATABASE()"
        default:
            return nil
        }
        guard let row = try? await database.raw(query).first(), let count = try? row.decode(column: "n", as: Int.self), count > 0 else {
            return nil
        }
        return count
    }
}
