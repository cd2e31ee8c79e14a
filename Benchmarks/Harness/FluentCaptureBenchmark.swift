import FluentKit
import FluentSQLiteDriver
import Hotpath
import HotpathFluent
import Logging
import NIOPosix

/// The cost HotpathFluent adds to a Fluent query: the same lookup by id (`User.find`, then a
/// two-field model) on in-memory SQLite through a plain and a wrapped configuration, inside a
/// request, alternating in rounds; the median of the paired differences per query. Each query
/// takes its database from `Databases` as `req.db` does (a wrapped one notes where it was taken).
enum FluentCaptureBenchmark {
    final class User: Model, @unchecked Sendable {
        static let schema = "users"
        @ID(custom: .id, generatedBy: .user) var id: Int?
        @Field(key: "name") var name: String
        init() {}
        init(id: Int, name: String) {
            self.id = id
            self.name = name
        }
    }

    static func run() async throws {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let group = MultiThreadedEventLoopGroup.singleton
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let plainDatabases = Databases(threadPool: threadPool, on: group)
        plainDatabases.use(.sqlite(.memory), as: .sqlite)
        let capturedDatabases = Databases(threadPool: threadPool, on: group)
        capturedDatabases.use(.hotpath(.sqlite(.memory), models: [User.self]), as: .sqlite)
        let noSitesDatabases = Databases(threadPool: threadPool, on: group)
        noSitesDatabases.use(.hotpath(.sqlite(.memory), models: [User.self], capturesCallSites: false), as: .sqlite)
        let loop = group.any()
        let quiet = logger
        let take = { (databases: Databases) in { @Sendable in databases.database(logger: quiet, on: loop) } }
        guard let plain = plainDatabases.database(logger: logger, on: loop),
            let captured = capturedDatabases.database(logger: logger, on: loop),
            let withoutSites = noSitesDatabases.database(logger: logger, on: loop)
        else {
            print("fluent: no database")
            return
        }
        for database in [plain, captured, withoutSites] {
            try await database.schema("users").field(.id, .int, .identifier(auto: false)).field("name", .string, .required).create()
            for id in 1...100 { try await User(id: id, name: "user \(id)").create(on: database) }
        }
        // The symbol tables are read in the background when the first call site is captured.
        _ = try await perQuery(take(capturedDatabases), queries: 50, inRequest: true)
        try await Task.sleep(for: .seconds(1))
        let queries = 2_000
        var plainRounds: [Double] = []
        var capturedRounds: [Double] = []
        var differences: [Double] = []
        var siteDifferences: [Double] = []
        var site: String?
        for _ in 0..<21 {
            let plainTime = try await perQuery(take(plainDatabases), queries: queries, inRequest: true).perQuery
            let (capturedTime, lastSite) = try await perQuery(take(capturedDatabases), queries: queries, inRequest: true)
            let noSiteTime = try await perQuery(take(noSitesDatabases), queries: queries, inRequest: true).perQuery
            site = lastSite
            plainRounds.append(plainTime)
            capturedRounds.append(capturedTime)
            differences.append(capturedTime - plainTime)
            siteDifferences.append(capturedTime - noSiteTime)
        }
        await plainDatabases.shutdownAsync()
        await capturedDatabases.shutdownAsync()
        await noSitesDatabases.shutdownAsync()
        try await threadPool.shutdownGracefully()
        let middle = differences.count / 2
        print("fluent: \(queries) User.find lookups per round, \(differences.count) alternating rounds, in-memory SQLite")
        print("call site found: \(site ?? "none")")
        print("RESULT plain-query-us \(format(plainRounds.sorted()[middle])) captured-query-us \(format(capturedRounds.sorted()[middle])) capture-overhead-us(median of paired differences) \(format(differences.sorted()[middle])) of-which-call-site-us \(format(siteDifferences.sorted()[middle]))")
    }

    static func perQuery(
        _ database: @escaping @Sendable () -> (any Database)?, queries: Int, inRequest: Bool
    ) async throws -> (perQuery: Double, site: String?) {
        let recorder = Recorder(configuration: .init(maximumEventsPerRequest: 200))
        let start = MonotonicClock.now()
        var site: String?
        var index = 0
        while index < queries {
            // Requests of 50 queries each, as a busy endpoint would run them. Both sides run
            // inside a request: the plain database simply has nothing to record.
            let request = recorder.begin(method: "GET", path: "/bench")
            try await ActiveRequest.$current.withValue(inRequest ? request : nil) {
                for _ in 0..<50 {
                    guard let database = database() else { throw FluentError.noResults }
                    _ = try await User.find(index % 100 + 1, on: database)
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
