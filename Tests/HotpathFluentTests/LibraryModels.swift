import Fluent
import Foundation
import SQLKit

/// A library's catalogue, written as a Vapor + Fluent app would be (not for Hotpath): authors,
/// and books with the 26 fields a cataloguing system keeps.
final class Author: Model, @unchecked Sendable {
    static let schema = "authors"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "name") var name: String
    @Field(key: "country") var country: String
    @Children(for: \.$author) var books: [Book]

    init() {}
}

final class Book: Model, @unchecked Sendable {
    static let schema = "books"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "title") var title: String
    @Field(key: "isbn") var isbn: String
    @Parent(key: "author_id") var author: Author
    @Field(key: "year") var year: Int
    @Field(key: "pages") var pages: Int
    @Field(key: "language") var language: String
    @Field(key: "publisher") var publisher: String
    @Field(key: "summary") var summary: String
    @Field(key: "edition") var edition: Int
    @Field(key: "format") var format: String
    @Field(key: "price") var price: Double
    @Field(key: "currency") var currency: String
    @Field(key: "weight") var weight: Double
    @Field(key: "width") var width: Double
    @Field(key: "height") var height: Double
    @Field(key: "depth") var depth: Double
    @Field(key: "genre") var genre: String
    @Field(key: "subgenre") var subgenre: String
    @Field(key: "rating") var rating: Double
    @Field(key: "ratings_count") var ratingsCount: Int
    @Field(key: "shelf") var shelf: String
    @Field(key: "acquired_at") var acquiredAt: Double
    @Field(key: "condition") var condition: String
    @Field(key: "notes") var notes: String
    @Field(key: "cover_url") var coverURL: String

    init() {}
}

/// A table that was never created: a query on it fails inside the request.
final class Ghost: Model, @unchecked Sendable {
    static let schema = "ghosts"
    @ID(custom: .id, generatedBy: .database) var id: Int?
    init() {}
}

struct CreateCatalogue: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("authors")
            .field(.id, .int, .identifier(auto: true))
            .field("name", .string, .required)
            .field("country", .string, .required)
            .create()
        var books = database.schema("books").field(.id, .int, .identifier(auto: true))
            .field("title", .string, .required).field("isbn", .string, .required)
            .field("author_id", .int, .required, .references("authors", "id"))
        for (name, type) in [
            ("year", DatabaseSchema.DataType.int), ("pages", .int), ("language", .string), ("publisher", .string),
            ("summary", .string), ("edition", .int), ("format", .string), ("price", .double), ("currency", .string),
            ("weight", .double), ("width", .double), ("height", .double), ("depth", .double), ("genre", .string),
            ("subgenre", .string), ("rating", .double), ("ratings_count", .int), ("shelf", .string),
            ("acquired_at", .double), ("condition", .string), ("notes", .string), ("cover_url", .string),
        ] {
            books = books.field(.string(name), type, .required)
        }
        try await books.create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("books").delete()
        try await database.schema("authors").delete()
    }
}

/// 500 authors and 20,000 books, written in two statements (a migration: not traffic).
struct SeedCatalogue: AsyncMigration {
    static let authors = 500
    static let books = 20_000
    static let genres = ["fiction", "history", "science", "poetry", "travel", "cooking", "art", "music", "law", "medicine", "sport", "children"]

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        // The numbers 1…n: a recursive CTE on SQLite, generate_series on PostgreSQL.
        let postgres = sql.dialect.name == "postgresql"
        func numbers(_ count: Int) -> String {
            postgres
                ? "SELECT n FROM generate_series(1, \(count)) AS n"
                : "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < \(count)) SELECT n FROM seq"
        }
        try await sql.raw("""
            INSERT INTO authors (id, name, country) SELECT n, 'Author ' || n, 'country ' || (n % 40) FROM (\(unsafeRaw: numbers(Self.authors))) AS numbers
            """).run()
        let genres = Self.genres.enumerated().map { "WHEN \($0.offset) THEN '\($0.element)'" }.joined(separator: " ")
        let summary = postgres ? "repeat('x', 300)" : "printf('%.300c', 'x')"
        try await sql.raw("""
            INSERT INTO books (id, title, isbn, author_id, year, pages, language, publisher, summary, edition, format,
                price, currency, weight, width, height, depth, genre, subgenre, rating, ratings_count, shelf,
                acquired_at, condition, notes, cover_url)
            SELECT n, 'Title ' || n, 'isbn-' || (1000000 + n), (n % \(unsafeRaw: String(Self.authors))) + 1, 1900 + n % 120,
                100 + n % 700, 'en', 'Publisher ' || (n % 90), \(unsafeRaw: summary), 1 + n % 5, 'paperback',
                9.5 + n % 40, 'EUR', 0.3, 13.5, 21.0, 2.5, CASE n % 12 \(unsafeRaw: genres) END, 'sub ' || (n % 7),
                3.5, n % 1000, 'shelf ' || (n % 300), 1700000000 + n, 'good', '', 'https://covers.example/' || n
            FROM (\(unsafeRaw: numbers(Self.books))) AS numbers
            """).run()
        if postgres { try await sql.raw("ANALYZE books").run() }
    }

    func revert(on database: any Database) async throws {}
}

/// The fix the missing-index finding proposes, as the app would add it.
struct AddBooksIsbnIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).create(index: "books_isbn_idx").on("books").column("isbn").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).drop(index: "books_isbn_idx").run()
    }
}
