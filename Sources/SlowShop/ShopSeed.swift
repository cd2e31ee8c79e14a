import Hotpath
import SQLKit

/// The shop's data, the same on every machine: a seeded generator makes thousands of users,
/// tens of thousands of orders and a wide product table, written in multi-row statements so
/// seeding takes about a second.
struct ShopSeed {
    let scale: SlowShop.Scale

    static let statuses = ["pending", "paid", "shipped", "delivered"]
    static let categories = ["books", "garden", "kitchen", "toys", "tools", "music", "sports", "office"]
    /// The product table is wide on purpose: SELECT * reads all of it.
    static let productColumns: [(name: String, type: String)] = {
        var columns: [(String, String)] = [
            ("id", "INTEGER PRIMARY KEY"), ("name", "TEXT NOT NULL"), ("price_cents", "INTEGER NOT NULL"),
            ("category", "TEXT NOT NULL"), ("description", "TEXT NOT NULL"), ("stock", "INTEGER NOT NULL"),
        ]
        for index in 1...34 { columns.append(("attribute_\(index)", "TEXT NOT NULL")) }
        return columns
    }()

    func create(on db: any SQLDatabase) async throws {
        try await db.raw("PRAGMA journal_mode=WAL").run()
        try await db.raw("""
            CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, created_day INTEGER NOT NULL)
            """).run()
        try await db.raw("""
            CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, customer_email TEXT NOT NULL,
                total_cents INTEGER NOT NULL, status TEXT NOT NULL, created_day INTEGER NOT NULL, note TEXT NOT NULL)
            """).run()
        let columns = Self.productColumns.map { "\($0.name) \($0.type)" }.joined(separator: ", ")
        try await db.raw(SQLQueryString(stringLiteral: "CREATE TABLE products (\(columns))")).run()
        try await db.raw("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)").run()

        var random = SplitMix64(seed: 0x5105_5409)
        try await insert(into: "users", columns: "id, name, email, created_day", count: scale.users, on: db) { id in
            let first = Self.firstNames[Int(random.next() % UInt64(Self.firstNames.count))]
            return "(\(id), '\(first) \(id)', 'user\(id)@example.com', \(random.next() % 365))"
        }
        try await insert(into: "orders", columns: "id, user_id, customer_email, total_cents, status, created_day, note", count: scale.orders, on: db) { id in
            let user = Int(random.next() % UInt64(scale.users)) + 1
            let status = Self.statuses[Int(random.next() % 4)]
            return "(\(id), \(user), 'user\(user)@example.com', \(500 + random.next() % 50_000), '\(status)', \(random.next() % 365), 'gift wrap: no')"
        }
        let productNames = Self.productColumns.map(\.name).joined(separator: ", ")
        try await insert(into: "products", columns: productNames, count: scale.products, on: db) { id in
            let category = Self.categories[Int(random.next() % UInt64(Self.categories.count))]
            let description = String(repeating: "A sturdy, well-made \(category) item. ", count: 24)
            var values = ["\(id)", "'Product \(id)'", "\(199 + random.next() % 20_000)", "'\(category)'", "'\(description)'", "\(random.next() % 500)"]
            for index in 1...34 { values.append("'value \(index) of product \(id)'") }
            return "(" + values.joined(separator: ", ") + ")"
        }
        // The dashboard's figures, kept up to date by the (imaginary) order pipeline: small
        // tables a widget reads one row of.
        try await db.raw("CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)").run()
        try await db.raw("""
            INSERT INTO counters (name, value) SELECT 'orders ' || status, COUNT(*) FROM orders GROUP BY status
            UNION ALL SELECT 'users', COUNT(*) FROM users UNION ALL SELECT 'products', COUNT(*) FROM products
            UNION ALL SELECT 'customers', COUNT(DISTINCT user_id) FROM orders
            """).run()
        try await db.raw("CREATE TABLE daily_revenue (day INTEGER PRIMARY KEY, cents INTEGER NOT NULL)").run()
        try await db.raw("INSERT INTO daily_revenue (day, cents) SELECT created_day, SUM(total_cents) FROM orders GROUP BY created_day").run()
        try await db.raw("CREATE TABLE weekly_signups (week INTEGER PRIMARY KEY, users INTEGER NOT NULL)").run()
        try await db.raw("INSERT INTO weekly_signups (week, users) SELECT created_day / 7, COUNT(*) FROM users GROUP BY created_day / 7").run()
        try await db.raw("CREATE TABLE category_sizes (category TEXT PRIMARY KEY, products INTEGER NOT NULL)").run()
        try await db.raw("INSERT INTO category_sizes (category, products) SELECT category, COUNT(*) FROM products GROUP BY category").run()
        try await db.raw("INSERT INTO meta (key, value) VALUES ('seeded', 'yes')").run()
    }

    /// Rows in statements of 500: one round trip per statement, not per row.
    private func insert(
        into table: String, columns: String, count: Int, on db: any SQLDatabase, row: (Int) -> String
    ) async throws {
        var id = 1
        while id <= count {
            let last = min(id + 499, count)
            let rows = (id...last).map(row).joined(separator: ",\n")
            try await db.raw(SQLQueryString(stringLiteral: "INSERT INTO \(table) (\(columns)) VALUES \(rows)")).run()
            id = last + 1
        }
    }

    static let firstNames = ["Ada", "Alan", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Edsger"]
}
