import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Hotpath
@testable import HotpathFluent
import Logging
import NIOPosix
import SQLKit
import Testing

/// The statement cache renders a query's SQL once per shape: queries of one shape must render to
/// one text, queries that render differently must never share a shape, and a cached text that
/// ever differs from a fresh rendering is dropped.
@Suite("Fluent statement cache")
struct FluentStatementCacheTests {
    /// Both dialects, without a server: rendering never connects.
    static func withDatabases(_ body: ([any Database]) async throws -> Void) async throws {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let databases = Databases(threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton)
        databases.use(.sqlite(.memory), as: .sqlite)
        databases.use(.postgres(configuration: .init(hostname: "127.0.0.1", port: 1, username: "nobody", password: nil, database: nil, tls: .disable)), as: .psql)
        let logger = Logger(label: "cache-test")
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let sqlite = try #require(databases.database(.sqlite, logger: logger, on: loop))
        let postgres = try #require(databases.database(.psql, logger: logger, on: loop))
        try await body([sqlite, postgres])
        await databases.shutdownAsync()
        try await threadPool.shutdownGracefully()
    }

    static let isbn = DatabaseQuery.Field.path([.string("isbn")], schema: "books")
    static let id = DatabaseQuery.Field.path([.id], schema: "books")

    /// Queries of many shapes, each in several value variants.
    static func queries(on database: any Database) -> [(name: String, query: DatabaseQuery)] {
        func with(_ name: String, _ base: DatabaseQuery = Book.query(on: database).query, _ change: (inout DatabaseQuery) -> Void) -> (String, DatabaseQuery) {
            var query = base
            change(&query)
            return (name, query)
        }
        let find = { (id: Int) in Book.query(on: database).filter(\.$id == id).limit(1).query }
        var list: [(String, DatabaseQuery)] = [
            ("find 1", find(1)), ("find 2", find(2)), ("find 99", find(99)),
            ("greater", Book.query(on: database).filter(\.$id > 5).query),
            ("greater or equal", Book.query(on: database).filter(\.$id >= 5).query),
            ("two fields", Book.query(on: database).field(\.$id).field(\.$title).query),
            ("all fields", Book.query(on: database).fields(for: Book.self).query),
            ("all fields, distinct", Book.query(on: database).fields(for: Book.self).unique().query),
            ("limit 10", Book.query(on: database).limit(10).query), ("limit 20", Book.query(on: database).limit(20).query),
            ("offset 5", Book.query(on: database).offset(5).query),
            ("sorted up", Book.query(on: database).sort(\.$title).query),
            ("sorted down", Book.query(on: database).sort(\.$title, .descending).query),
            ("or group", Book.query(on: database).group(.or) { $0.filter(\.$id == 1).filter(\.$pages > 3) }.query),
            ("and group", Book.query(on: database).group(.and) { $0.filter(\.$id == 1).filter(\.$pages > 3) }.query),
            ("joined", Book.query(on: database).join(Author.self, on: \Book.$author.$id == \Author.$id).query),
            ("left joined", Book.query(on: database).join(Author.self, on: \Book.$author.$id == \Author.$id, method: .left).query),
            ("field to field", Book.query(on: database).filter(\.$pages, .greaterThan, \.$edition).query),
            ("like", Book.query(on: database).filter(\.$title ~~ "war").query),
            ("like x", Book.query(on: database).filter(\.$title ~~ "peace").query),
            ("prefix", Book.query(on: database).filter(\.$title =~ "war").query),
            ("delete", with("delete") { $0.action = .delete; $0.filters = [.value(Self.id, .equality(inverse: false), .bind(3))] }.1),
            ("count", with("count") { $0.action = .aggregate(.field(Self.id, .count)) }.1),
            ("sum", with("sum") { $0.action = .aggregate(.field(.path([.string("pages")], schema: "books"), .sum)) }.1),
        ]
        for (name, value) in [("isbn = nil", DatabaseQuery.Value.bind(String?.none)), ("isbn = 'a'", .bind(String?.some("a"))),
                              ("isbn = 'b'", .bind("b")), ("isbn = NULL", .null), ("isbn = enum x", .enumCase("x")), ("isbn = enum y", .enumCase("y"))] {
            list.append(with(name) { $0.filters = [.value(Self.isbn, .equality(inverse: false), value)] })
        }
        for count in [0, 2, 3, 3] {
            list.append(with("in \(count)") { $0.filters = [.value(Self.id, .subset(inverse: false), .array((0..<count).map { .bind($0 + count) }))] })
        }
        for rows in [1, 2] {
            list.append(with("insert \(rows) rows") { query in
                query.action = .create
                query.fields = [.path([.string("title")], schema: "books"), .path([.string("isbn")], schema: "books")]
                query.input = (0..<rows).map { row in .dictionary([.string("title"): .bind("t\(row)"), .string("isbn"): .bind("i\(row)")]) }
            })
        }
        list.append(with("insert with default") { query in
            query.action = .create
            query.fields = [.path([.string("title")], schema: "books"), .path([.string("isbn")], schema: "books")]
            query.input = [.dictionary([.string("title"): .bind("t"), .string("isbn"): .default])]
        })
        list.append(with("update title") { query in
            query.action = .update
            query.fields = [.path([.string("title")], schema: "books")]
            query.input = [.dictionary([.string("title"): .bind("new")])]
            query.filters = [.value(Self.id, .equality(inverse: false), .bind(4))]
        })
        list.append(with("update title to nil") { query in
            query.action = .update
            query.fields = [.path([.string("title")], schema: "books")]
            query.input = [.dictionary([.string("title"): .bind(String?.none)])]
            query.filters = [.value(Self.id, .equality(inverse: false), .bind(4))]
        })
        return list
    }

    static func settings() -> FluentCaptureSettings {
        FluentCaptureSettings(catalog: FluentModelCatalog([Book.self, Author.self]), capturesCallSites: false, explainFor: nil)
    }

    @Test func oneShapeIsOneTextAndDifferentTextsAreDifferentShapes() async throws {
        try await Self.withDatabases { databases in
            for database in databases {
                let sql = try #require(database as? any SQLDatabase)
                let rendered = Self.queries(on: database).map { item in
                    (item.name, FluentQueryShape(item.query, dialect: sql.dialect.name).key, FluentStatement(item.query, sql: sql, settings: Self.settings()).sql)
                }
                for (name, key, _) in rendered { #expect(key != nil, "\(name) has a shape") }
                for a in rendered {
                    for b in rendered where a.1 == b.1 {
                        #expect(a.2 == b.2, "\(sql.dialect.name): \(a.0) and \(b.0) share a shape but render \(a.2) and \(b.2)")
                    }
                }
                // Queries that differ only in their values share one shape (and so are rendered once).
                let key = { (name: String) in rendered.first { $0.0 == name }?.1 }
                for group in [["find 1", "find 2", "find 99"], ["isbn = 'a'", "isbn = 'b'"], ["isbn = nil", "isbn = NULL"], ["like", "like x"]] {
                    #expect(Set(group.map(key)).count == 1, "\(group)")
                }
                #expect(Set(rendered.compactMap(\.1)).count >= Set(rendered.map(\.2)).count)
            }
        }
    }

    @Test func cachedStatementsAreWhatRenderingGivesAndValuesStillTell() async throws {
        try await Self.withDatabases { databases in
            for database in databases {
                let sql = try #require(database as? any SQLDatabase)
                let settings = Self.settings()
                // Every query four times: the miss, the checked hits, then from the cache.
                for item in Self.queries(on: database) {
                    let fresh = FluentStatement(item.query, sql: sql, settings: settings)
                    for _ in 0..<4 {
                        let described = FluentStatement.describing(item.query, sql: sql, settings: settings)
                        #expect(described.sql == fresh.sql, "\(item.name)")
                        #expect(described.table == fresh.table && described.model == fresh.model && described.operation == fresh.operation)
                        #expect(described.columns == fresh.columns && described.readsAllColumns == fresh.readsAllColumns)
                        #expect(described.relation == fresh.relation)
                    }
                }
                #expect(settings.statements.count > 20)
                // The same shape with other values: another identity; the same values: the same.
                let one = FluentStatement.describing(Book.query(on: database).filter(\.$id == 1).limit(1).query, sql: sql, settings: settings)
                let oneAgain = FluentStatement.describing(Book.query(on: database).filter(\.$id == 1).limit(1).query, sql: sql, settings: settings)
                let two = FluentStatement.describing(Book.query(on: database).filter(\.$id == 2).limit(1).query, sql: sql, settings: settings)
                #expect(one.binds == oneAgain.binds && one.binds != two.binds && one.sql == two.sql)
                // `LIKE ?` for a prefix and for a suffix of the same word: one text, two values bound.
                let prefix = FluentStatement.describing(Book.query(on: database).filter(\.$title =~ "war").query, sql: sql, settings: settings)
                let suffix = FluentStatement.describing(Book.query(on: database).filter(\.$title ~= "war").query, sql: sql, settings: settings)
                #expect(prefix.sql == suffix.sql && prefix.binds != suffix.binds)
            }
        }
    }

    @Test func aCustomPartIsRenderedEveryTime() async throws {
        try await Self.withDatabases { databases in
            let sql = try #require(databases.first as? any SQLDatabase)
            var query = Book.query(on: databases[0]).query
            query.filters = [.custom(SQLRaw("pages > 3"))]
            #expect(FluentQueryShape(query, dialect: "sqlite").key == nil)
            let settings = Self.settings()
            let described = FluentStatement.describing(query, sql: sql, settings: settings)
            #expect(described.sql.contains("pages > 3") && settings.statements.count == 0)
        }
    }

    @Test func aCachedTextThatDiffersIsDroppedForGood() async throws {
        try await Self.withDatabases { databases in
            let sql = try #require(databases.first as? any SQLDatabase)
            let settings = Self.settings()
            let query = Book.query(on: databases[0]).filter(\.$id == 7).query
            let key = try #require(FluentQueryShape(query, dialect: sql.dialect.name).key)
            var wrong = FluentStatement(query, sql: sql, settings: settings)
            wrong.sql = "SELECT something else"
            settings.statements.store(wrong, for: key)
            let described = FluentStatement.describing(query, sql: sql, settings: settings)
            #expect(described.sql == FluentStatement(query, sql: sql, settings: settings).sql && described.sql != wrong.sql)
            #expect(settings.statements.count == 0)
            // Never cached again, rendered each time.
            for _ in 0..<3 { #expect(FluentStatement.describing(query, sql: sql, settings: settings).sql == described.sql) }
            #expect(settings.statements.count == 0)
        }
    }
}
