import Hummingbird
import SQLKit

/// The back-office dashboard: two dozen widgets, each reading its one number with a query of
/// its own (`/dashboard`). Every query is small and fast; the round trips add up. Fixed: five
/// statements, one per table.
struct DashboardEndpoint {
    let database: ShopDatabase
    let fixed: Bool

    struct Widget: Codable, Sendable {
        var name: String
        var value: Double
    }

    static let counterNames = ["orders paid", "orders shipped", "users", "customers"]
    static let days = [0, 1, 2, 3]
    static let weeks = [0, 1, 2, 3]
    static let categories = Array(ShopSeed.categories.prefix(4))

    func register(on router: Router<BasicRequestContext>) {
        router.get("/dashboard") { _, _ in Page(items: try await widgets()) }
    }

    func widgets() async throws -> [Widget] {
        fixed ? try await together() : try await oneByOne()
    }

    private func number(_ db: any SQLDatabase, _ sql: SQLQueryString) async throws -> Double {
        let row = try await db.raw(sql).first()
        return try row.map { try $0.decode(column: "value", as: Double?.self) ?? 0 } ?? 0
    }

    /// One statement per number: 24 round trips in 12 shapes.
    private func oneByOne() async throws -> [Widget] {
        let db = database.sql
        var widgets: [Widget] = []
        for name in Self.counterNames {
            widgets.append(Widget(name: name, value: try await number(db, "SELECT value FROM counters WHERE name = \(bind: name)")))
        }
        for day in Self.days {
            widgets.append(Widget(name: "revenue day \(day)", value: try await number(db, "SELECT cents AS value FROM daily_revenue WHERE day = \(bind: day)")))
        }
        for week in Self.weeks {
            widgets.append(Widget(name: "signups week \(week)", value: try await number(db, "SELECT users AS value FROM weekly_signups WHERE week = \(bind: week)")))
        }
        for category in Self.categories {
            widgets.append(Widget(name: "products in \(category)", value: try await number(db, "SELECT products AS value FROM category_sizes WHERE category = \(bind: category)")))
        }
        let singles: [(String, SQLQueryString)] = [
            ("first day", "SELECT MIN(day) AS value FROM daily_revenue"),
            ("last day", "SELECT MAX(day) AS value FROM daily_revenue"),
            ("best day", "SELECT MAX(cents) AS value FROM daily_revenue"),
            ("average week", "SELECT AVG(users) AS value FROM weekly_signups"),
            ("largest category", "SELECT MAX(products) AS value FROM category_sizes"),
            ("categories", "SELECT COUNT(*) AS value FROM category_sizes"),
            ("counters", "SELECT COUNT(*) AS value FROM counters"),
            ("biggest counter", "SELECT value FROM counters ORDER BY value DESC LIMIT 1"),
        ]
        for (name, sql) in singles {
            widgets.append(Widget(name: name, value: try await number(db, sql)))
        }
        return widgets
    }

    struct Keyed: Decodable {
        var key: String
        var value: Double?
    }

    /// The same numbers from five statements.
    private func together() async throws -> [Widget] {
        let db = database.sql
        func keyed(_ sql: SQLQueryString) async throws -> [String: Double] {
            let rows = try await db.raw(sql).all(decoding: Keyed.self)
            return Dictionary(rows.map { ($0.key, $0.value ?? 0) }, uniquingKeysWith: +)
        }
        let counters = try await keyed("SELECT name AS key, value FROM counters")
        let revenue = try await keyed("SELECT CAST(day AS TEXT) AS key, cents AS value FROM daily_revenue")
        let signups = try await keyed("SELECT CAST(week AS TEXT) AS key, users AS value FROM weekly_signups")
        let sizes = try await keyed("SELECT category AS key, products AS value FROM category_sizes")
        var widgets = Self.counterNames.map { Widget(name: $0, value: counters[$0] ?? 0) }
        widgets += Self.days.map { Widget(name: "revenue day \($0)", value: revenue[String($0)] ?? 0) }
        widgets += Self.weeks.map { Widget(name: "signups week \($0)", value: signups[String($0)] ?? 0) }
        widgets += Self.categories.map { Widget(name: "products in \($0)", value: sizes[$0] ?? 0) }
        let days = revenue.keys.compactMap { Double($0) }
        widgets += [
            Widget(name: "first day", value: days.min() ?? 0),
            Widget(name: "last day", value: days.max() ?? 0),
            Widget(name: "best day", value: revenue.values.max() ?? 0),
            Widget(name: "average week", value: signups.isEmpty ? 0 : signups.values.reduce(0, +) / Double(signups.count)),
            Widget(name: "largest category", value: sizes.values.max() ?? 0),
            Widget(name: "categories", value: Double(sizes.count)),
            Widget(name: "counters", value: Double(counters.count)),
            Widget(name: "biggest counter", value: counters.values.max() ?? 0),
        ]
        return widgets
    }
}
