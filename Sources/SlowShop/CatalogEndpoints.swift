import CompressNIO
import Foundation
import Hummingbird
import NIOCore
import SQLKit

/// The catalogue: SELECT * on the wide table (`/products`), the large uncompressed export
/// (`/catalog/export`), and the fast control (`/products/{id}`).
struct CatalogEndpoints {
    let database: ShopDatabase
    let fixed: Bool
    let listSize: Int
    let exportCache = Kept<(plain: ByteBuffer, gzipped: ByteBuffer)>(for: .seconds(60))

    struct ProductCard: ResponseEncodable, Codable, Sendable {
        var id: Int
        var name: String
        var priceCents: Int
    }

    struct CardRow: Decodable {
        var id: Int
        var name: String
        var price_cents: Int
    }

    struct ExportRow: Codable, Sendable {
        var id: Int
        var name: String
        var price_cents: Int
        var category: String
        var description: String
        var stock: Int
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/products") { _, _ in Page(items: try await cards()) }
        router.get("/products/{id}") { _, context -> ProductCard in
            let id = try context.parameters.require("id", as: Int.self)
            guard let card = try await card(id: id) else { throw HTTPError(.notFound) }
            return card
        }
        router.get("/catalog/export") { request, _ in try await export(acceptsGzip: Self.acceptsGzip(request)) }
    }

    /// The product cards of a listing page: only id, name and price are shown.
    func cards() async throws -> [ProductCard] {
        let db = database.sql
        if fixed {
            let rows = try await db.raw("""
                SELECT id, name, price_cents FROM products ORDER BY id LIMIT \(unsafeRaw: String(listSize))
                """).all(decoding: CardRow.self)
            return rows.map { ProductCard(id: $0.id, name: $0.name, priceCents: $0.price_cents) }
        }
        // Every one of the 40 columns, with the long description, to show three of them.
        let rows = try await db.raw("SELECT * FROM products ORDER BY id LIMIT \(unsafeRaw: String(listSize))").all()
        return try rows.map { row in
            ProductCard(
                id: try row.decode(column: "id", as: Int.self),
                name: try row.decode(column: "name", as: String.self),
                priceCents: try row.decode(column: "price_cents", as: Int.self)
            )
        }
    }

    /// One product by primary key: one indexed statement, the control that must stay clean.
    func card(id: Int) async throws -> ProductCard? {
        try await database.sql.raw("SELECT id, name, price_cents FROM products WHERE id = \(bind: id)")
            .first(decoding: CardRow.self)
            .map { ProductCard(id: $0.id, name: $0.name, priceCents: $0.price_cents) }
    }

    /// The whole catalogue as JSON for a partner feed: megabytes, encoded for every request and
    /// sent as is. Fixed: encoded and compressed once a minute, sent gzipped to clients that
    /// accept it.
    func export(acceptsGzip: Bool) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        guard fixed else {
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try await encodedCatalogue())))
        }
        let (plain, gzipped) = try await exportCache.value {
            var buffer = ByteBuffer(bytes: try await encodedCatalogue())
            // The fastest level: most of the size gone for a few milliseconds of CPU, once.
            let compressed = try buffer.compress(with: .gzip(configuration: .init(compressionLevel: .fastestCompression)))
            buffer.moveReaderIndex(to: 0)
            return (buffer, compressed)
        }
        headers[.vary] = "Accept-Encoding"
        if acceptsGzip { headers[.contentEncoding] = "gzip" }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: acceptsGzip ? gzipped : plain))
    }

    private func encodedCatalogue() async throws -> [UInt8] {
        let rows = try await database.sql.raw("""
            SELECT id, name, price_cents, category, description, stock FROM products ORDER BY id
            """).all(decoding: ExportRow.self)
        return Array(try JSONEncoder().encode(rows))
    }

    static func acceptsGzip(_ request: Request) -> Bool {
        request.headers[values: .acceptEncoding].contains { $0.lowercased().contains("gzip") }
    }
}
