import Fluent
import Foundation
import SQLKit
import Hotpath
import HotpathFluent
import HotpathVapor
import Vapor

/// The library app's routes: each planted problem beside its clean twin.
enum LibraryApp {
    /// Every route the tests visit, with the finding it must give (nil: clean).
    static let routes: [(path: String, route: String, planted: Finding.Kind?)] = [
        ("/books/recent/authors", "/books/recent/authors", .nPlusOne),
        ("/books/recent/authors-eager", "/books/recent/authors-eager", nil),
        ("/books/titles", "/books/titles", .selectStar),
        ("/books/titles-lean", "/books/titles-lean", nil),
        ("/stats", "/stats", .manySmallQueries),
        ("/stats-grouped", "/stats-grouped", nil),
        ("/books/isbn/isbn-1012345", "/books/isbn/:isbn", .missingIndex),
        ("/books/42", "/books/:id", nil),
        ("/health", "/health", nil),
        ("/ghosts", "/ghosts", nil),
    ]

    static func configure(_ app: Application, database: DatabaseConfigurationFactory, recorder: Recorder, models: Bool = true) async throws {
        app.databases.use(
            .hotpath(database, models: models ? [Book.self, Author.self] : [], recorder: recorder, explain: true),
            as: .sqlite
        )
        app.migrations.add(CreateCatalogue())
        app.migrations.add(SeedCatalogue())
        try await app.autoMigrate()
        app.middleware.use(HotpathVaporMiddleware(recorder: recorder, reports: ReportAccess(token: "library-token")), at: .beginning)

        // N+1: the author of each of the 40 newest books, one query per book.
        app.get("books", "recent", "authors") { req async throws -> [String] in
            let books = try await Book.query(on: req.db).field(\.$id).field(\.$title).field(\.$author.$id)
                .sort(\.$id, .descending).limit(40).all()
            var lines: [String] = []
            for book in books {
                let author = try await book.$author.get(on: req.db)
                lines.append("\(book.title) by \(author.name)")
            }
            return lines
        }
        // Its twin: eager-loaded, two queries.
        app.get("books", "recent", "authors-eager") { req async throws -> [String] in
            let books = try await Book.query(on: req.db).field(\.$id).field(\.$title).field(\.$author.$id).with(\.$author)
                .sort(\.$id, .descending).limit(40).all()
            return books.map { "\($0.title) by \($0.author.name)" }
        }
        // Loading too much: 60 whole books (26 fields each) to list their titles.
        app.get("books", "titles") { req async throws -> [String] in
            let books = try await Book.query(on: req.db).sort(\.$id).limit(60).all()
            return books.map(\.title)
        }
        // Its twin: only the title.
        app.get("books", "titles-lean") { req async throws -> [String] in
            try await Book.query(on: req.db).field(\.$id).field(\.$title).sort(\.$id).limit(60).all().map(\.title)
        }
        // Many small queries: long books counted shelf block by shelf block (1,600 books each),
        // a dozen round trips that are most of the page's time.
        app.get("stats") { req async throws -> [String: Int] in
            var counts: [String: Int] = [:]
            for block in 0..<12 {
                counts["block \(block)"] = try await Book.query(on: req.db)
                    .filter(\.$id > block * 1_600).filter(\.$id <= block * 1_600 + 1_600).filter(\.$pages > 300)
                    .count()
            }
            return counts
        }
        // Its twin: one GROUP BY through SQLKit over the same rows.
        app.get("stats-grouped") { req async throws -> [String: Int] in
            let rows = try await (req.db as! any SQLDatabase)
                .raw("SELECT (id - 1) / 1600 AS block, count(*) AS n FROM books WHERE id <= 19200 AND pages > 300 GROUP BY block")
                .all()
            var counts: [String: Int] = [:]
            for row in rows {
                counts["block \(try row.decode(column: "block", as: Int.self))"] = try row.decode(column: "n", as: Int.self)
            }
            return counts
        }
        // A filter on a column without an index: every lookup scans the 20,000 books.
        app.get("books", "isbn", ":isbn") { req async throws -> String in
            guard let isbn = req.parameters.get("isbn"), let book = try await Book.query(on: req.db).filter(\.$isbn == isbn).field(\.$id).field(\.$title).first() else {
                throw Abort(.notFound)
            }
            return book.title
        }
        // Clean: one book by its primary key, with its author.
        app.get("books", ":id") { req async throws -> String in
            guard let id = req.parameters.get("id", as: Int.self), let book = try await Book.find(id, on: req.db) else { throw Abort(.notFound) }
            let author = try await book.$author.get(on: req.db)
            return "\(book.title) by \(author.name)"
        }
        app.get("health") { _ in "ok" }
        // A query that fails inside the request: recorded as failed, the app's own handling unchanged.
        app.get("ghosts") { req async -> String in
            do {
                return "\(try await Ghost.query(on: req.db).all().count) ghosts"
            } catch {
                return "no ghosts table"
            }
        }
    }
}
