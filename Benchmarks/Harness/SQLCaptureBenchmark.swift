import Hotpath
import HotpathSQL
import SQLKit
import SQLiteKit

/// The cost HotpathSQLDatabase adds to a query: the same point lookup on in-memory SQLite,
/// plain and wrapped inside a request, alternating in rounds; the median difference per query.
enum SQLCaptureBenchmark {
    static func run() async throws {
        let connection = try await SQLiteConnection.open(storage: .memory)
        let plain = connection.sql()
        try await plain.create(table: "users").column("id", type: .int, .primaryKey).column("name", type: .text).run()
        for id in 1...100 {
            try await plain.insert(into: "users").columns("id", "name").values(SQLBind(id), SQLBind("user \(id)")).run()
        }
        let wrapped = HotpathSQLDatabase(plain)
        // The symbol tables are read in the background when the wrapper is made; give that
        // time, then time the first query whose call site must be symbolicated.
        try await Task.sleep(for: .seconds(1))
        let firstStart = MonotonicClock.now()
        _ = try await perQuery(wrapped, queries: 1, inRequest: true)
        let firstQuery = Double(MonotonicClock.now() - firstStart) / 1e6
        let withoutSites = HotpathSQLDatabase(plain, capturesCallSites: false)
        let queries = 2_000
        var plainRounds: [Double] = []
        var wrappedRounds: [Double] = []
        var differences: [Double] = []
        var siteDifferences: [Double] = []
        var site: String?
        for _ in 0..<21 {
            let plainTime = try await perQuery(plain, queries: queries, inRequest: false).perQuery
            let (wrappedTime, lastSite) = try await perQuery(wrapped, queries: queries, inRequest: true)
            let noSiteTime = try await perQuery(withoutSites, queries: queries, inRequest: true).perQuery
            site = lastSite
            plainRounds.append(plainTime)
            wrappedRounds.append(wrappedTime)
            differences.append(wrappedTime - plainTime)
            siteDifferences.append(wrappedTime - noSiteTime)
        }
        try await connection.close()
        let middle = differences.count / 2
        print("sql: \(queries) point lookups per round, \(differences.count) alternating rounds, in-memory SQLite")
        print("call site found: \(site ?? "none"); first captured query (symbolicates its stack) \(format(firstQuery)) ms")
        print("RESULT plain-query-us \(format(plainRounds.sorted()[middle])) captured-query-us \(format(wrappedRounds.sorted()[middle])) capture-overhead-us(median of paired differences) \(format(differences.sorted()[middle])) of-which-call-site-us \(format(siteDifferences.sorted()[middle]))")
    }

    static func perQuery(_ db: any SQLDatabase, queries: Int, inRequest: Bool) async throws -> (perQuery: Double, site: String?) {
        let recorder = Recorder(configuration: .init(maximumEventsPerRequest: 200))
        let start = MonotonicClock.now()
        var site: String?
        var index = 0
        while index < queries {
            // Requests of 50 queries each, as a busy endpoint would run them.
            let request = recorder.begin(method: "GET", path: "/bench")
            try await ActiveRequest.$current.withValue(inRequest ? request : nil) {
                for _ in 0..<50 {
                    _ = try await db.select().column("name").from("users").where("id", .equal, index % 100 + 1).all()
                    index += 1
                }
            }
            let completed = recorder.finish(request, route: "/bench", status: 200)
            site = completed.events.first?.callSite?.description
        }
        return (Double(MonotonicClock.now() - start) / Double(queries) / 1_000, site)
    }

    static func format(_ value: Double) -> String {
        DecimalText.fixed(value, fractionDigits: 2)
    }
}
