import Hummingbird
import SQLKit

/// Orders: the N+1 (`/orders`) and the missing index (`/orders/search`).
struct OrdersEndpoints {
    let database: ShopDatabase
    let fixed: Bool
    let pageSize: Int

    struct OrderLine: Codable, Sendable {
        var id: Int
        var totalCents: Int
        var status: String
        var customer: String
    }

    struct OrderRow: Decodable {
        var id: Int
        var user_id: Int
        var total_cents: Int
        var status: String
    }

    struct UserRow: Decodable {
        var id: Int
        var name: String
        var email: String
    }

    struct JoinedRow: Decodable {
        var id: Int
        var total_cents: Int
        var status: String
        var name: String
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/orders") { _, _ in Page(items: try await list()) }
        router.get("/orders/search") { request, _ in
            Page(items: try await search(email: request.uri.queryParameters["email"].map(String.init) ?? "user42@example.com"))
        }
    }

    /// The latest orders with their customers' names.
    func list() async throws -> [OrderLine] {
        let db = database.sql
        if fixed {
            // One statement: the join brings each order's customer along.
            let rows = try await db.raw("""
                SELECT orders.id, orders.total_cents, orders.status, users.name FROM orders
                JOIN users ON users.id = orders.user_id ORDER BY orders.id DESC LIMIT \(unsafeRaw: String(pageSize))
                """).all(decoding: JoinedRow.self)
            return rows.map { OrderLine(id: $0.id, totalCents: $0.total_cents, status: $0.status, customer: $0.name) }
        }
        let orders = try await db.raw("""
            SELECT id, user_id, total_cents, status FROM orders ORDER BY id DESC LIMIT \(unsafeRaw: String(pageSize))
            """).all(decoding: OrderRow.self)
        var lines: [OrderLine] = []
        for order in orders {
            // The N+1: one more round trip per order.
            let user = try await db.raw("SELECT id, name, email FROM users WHERE id = \(bind: order.user_id)").first(decoding: UserRow.self)
            lines.append(OrderLine(id: order.id, totalCents: order.total_cents, status: order.status, customer: user?.name ?? "?"))
        }
        return lines
    }

    struct Match: Codable, Sendable {
        var id: Int
        var total_cents: Int
        var status: String
    }

    /// A customer's orders, by email: without an index on `customer_email` every search reads
    /// the whole table. The fixed shop has the index (created at start).
    func search(email: String) async throws -> [Match] {
        try await database.sql.raw("""
            SELECT id, total_cents, status FROM orders WHERE customer_email = \(bind: email)
            """).all(decoding: Match.self)
    }
}

/// A list answered as `{"items": […], "count": n}`.
struct Page<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    var items: [Item]
    var count: Int

    init(items: [Item]) {
        self.items = items
        count = items.count
    }
}
