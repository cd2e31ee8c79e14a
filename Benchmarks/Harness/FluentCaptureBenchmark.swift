import FluentKit
import FluentSQLiteDriver
import Hotpath
import HotpathFluent
import Logging
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

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
            let captured = try await perQuery(take(capturedDatabases), queries: queries, inRequest: true)
            let (capturedTime, lastSite) = (captured.perQuery, captured.site)
            let noSiteTime = try await perQuery(take(noSitesDatabases), queries: queries, inRequest: true).perQuery
            site = lastSite
            plainRounds.append(plainTime)
            capturedRounds.append(capturedTime)
            differences.append(capturedTime - plainTime)
            siteDifferences.append(capturedTime - noSiteTime)
        }
        let parts = try await isolatedCosts(on: plain)
        let null = try await nullDatabaseCost(threadPool: threadPool, on: group, logger: quiet)
        await plainDatabases.shutdownAsync()
        await capturedDatabases.shutdownAsync()
        await noSitesDatabases.shutdownAsync()
        try await threadPool.shutdownGracefully()
        let middle = differences.count / 2
        print("fluent: \(queries) User.find lookups per round, \(differences.count) alternating rounds, in-memory SQLite")
        print("call site found: \(site ?? "none")")
        print("RESULT-NULL wall \(null.wall.summary)")
        print("RESULT-NULL cpu \(null.cpu.summary)")
        print("RESULT-NULL pinned-to-loop \(null.pinned.summary)")
        print("RESULT-NULL pinned-to-loop without-call-sites \(null.pinnedWithoutSites.summary)")
        print("RESULT-NULL pinned-to-loop wrapped-outside-requests \(null.pinnedOutsideRequests.summary)")
        print("RESULT-PARTS describe-us \(format(parts.describe)) record-us \(format(parts.record)) query-site-us \(format(parts.querySite)) handle-site-us \(format(parts.handleSite)) capture-total-us(record + both sites) \(format(parts.record + parts.querySite + parts.handleSite))")
        print("RESULT plain-query-us \(format(plainRounds.sorted()[middle])) captured-query-us \(format(capturedRounds.sorted()[middle])) capture-overhead-us(median of paired differences) \(format(differences.sorted()[middle])) of-which-call-site-us \(format(siteDifferences.sorted()[middle]))")
    }

    /// The whole capture on a database that does nothing (``NullDatabase``): `User.find` through
    /// Fluent with and without the wrapper, each query taking its database as `req.db` does,
    /// 21 alternating rounds of 20,000; the median of the paired differences, three ways:
    /// wall time on the default executor (as a handler runs), the process's CPU time on it, and
    /// wall time with the task pinned to the database's event loop (one thread: no wake-ups).
    static func nullDatabaseCost(
        threadPool: NIOThreadPool, on group: MultiThreadedEventLoopGroup, logger: Logger, onlyPinned: Bool = false
    ) async throws -> NullCost {
        let plainDatabases = Databases(threadPool: threadPool, on: group)
        plainDatabases.use(NullDatabase.factory, as: .init(string: "null"))
        let capturedDatabases = Databases(threadPool: threadPool, on: group)
        capturedDatabases.use(.hotpath(NullDatabase.factory, models: [User.self]), as: .init(string: "null"))
        let loop = group.any()
        let take = { (databases: Databases) in { @Sendable in databases.database(logger: logger, on: loop) } }
        _ = try await perQuery(take(capturedDatabases), queries: 2_000, inRequest: true)
        var cost = NullCost()
        for _ in 0..<(onlyPinned ? 0 : 21) {
            let plain = try await perQuery(take(plainDatabases), queries: 20_000, inRequest: true)
            let captured = try await perQuery(take(capturedDatabases), queries: 20_000, inRequest: true)
            cost.wall.add(plain: plain.perQuery, captured: captured.perQuery)
            cost.cpu.add(plain: plain.cpuPerQuery, captured: captured.cpuPerQuery)
        }
        let noSitesDatabases = Databases(threadPool: threadPool, on: group)
        noSitesDatabases.use(.hotpath(NullDatabase.factory, models: [User.self], capturesCallSites: false), as: .init(string: "null"))
        let pinned = LoopTaskExecutor(loop)
        for _ in 0..<21 {
            let plain = try await withTaskExecutorPreference(pinned) { try await perQuery(take(plainDatabases), queries: 20_000, inRequest: true) }
            let captured = try await withTaskExecutorPreference(pinned) { try await perQuery(take(capturedDatabases), queries: 20_000, inRequest: true) }
            let noSites = try await withTaskExecutorPreference(pinned) { try await perQuery(take(noSitesDatabases), queries: 20_000, inRequest: true) }
            // Wrapped, but outside a request: only the wrapper (nothing is recorded).
            let idle = try await withTaskExecutorPreference(pinned) { try await perQuery(take(capturedDatabases), queries: 20_000, inRequest: false) }
            cost.pinned.add(plain: plain.perQuery, captured: captured.perQuery)
            cost.pinnedWithoutSites.add(plain: plain.perQuery, captured: noSites.perQuery)
            cost.pinnedOutsideRequests.add(plain: plain.perQuery, captured: idle.perQuery)
        }
        await plainDatabases.shutdownAsync()
        await capturedDatabases.shutdownAsync()
        await noSitesDatabases.shutdownAsync()
        return cost
    }

    /// Only the pinned-to-loop alternating rounds (`hotpath-bench fluent-pinned`): the steadiest
    /// of the three, quick enough to run while changing the capture.
    static func pinnedOnly() async throws {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let cost = try await nullDatabaseCost(threadPool: threadPool, on: .singleton, logger: logger, onlyPinned: true)
        print("RESULT-NULL pinned-to-loop \(cost.pinned.summary)")
        print("RESULT-NULL pinned-to-loop without-call-sites \(cost.pinnedWithoutSites.summary)")
        print("RESULT-NULL pinned-to-loop wrapped-outside-requests \(cost.pinnedOutsideRequests.summary)")
        try await threadPool.shutdownGracefully()
    }

    /// Alternating rounds of one measurement: per query, plain and captured.
    struct PairedRounds {
        var plain: [Double] = []
        var captured: [Double] = []
        var differences: [Double] = []

        mutating func add(plain: Double, captured: Double) {
            self.plain.append(plain)
            self.captured.append(captured)
            differences.append(captured - plain)
        }

        static func median(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.sorted()[values.count / 2] }
        var summary: String {
            "plain-us \(format(Self.median(plain))) captured-us \(format(Self.median(captured))) capture-overhead-us(median of paired differences) \(format(Self.median(differences)))"
        }
    }

    struct NullCost {
        var wall = PairedRounds()
        var cpu = PairedRounds()
        var pinned = PairedRounds()
        var pinnedWithoutSites = PairedRounds()
        var pinnedOutsideRequests = PairedRounds()
    }

    /// Only one side of the null-database measurement, for a profiler to look at: `queries`
    /// queries through the wrapped (or the plain) configuration, on the default executor or
    /// pinned to the database's event loop (one thread, as `RESULT-NULL pinned-to-loop`).
    static func nullOnly(captured: Bool, pinned: Bool, queries: Int) async throws {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let group = MultiThreadedEventLoopGroup.singleton
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let quiet = logger
        let databases = Databases(threadPool: threadPool, on: group)
        databases.use(captured ? .hotpath(NullDatabase.factory, models: [User.self]) : NullDatabase.factory, as: .init(string: "null"))
        let loop = group.any()
        let take: @Sendable () -> (any Database)? = { databases.database(logger: quiet, on: loop) }
        let result = pinned
            ? try await withTaskExecutorPreference(LoopTaskExecutor(loop)) { try await perQuery(take, queries: queries, inRequest: true) }
            : try await perQuery(take, queries: queries, inRequest: true)
        print("fluent-null \(captured ? "captured" : "plain")\(pinned ? " pinned" : ""): \(format(result.perQuery)) µs a query, \(format(result.cpuPerQuery)) µs of CPU")
        await databases.shutdownAsync()
        try await threadPool.shutdownGracefully()
    }

    /// Each step of a capture alone, on the query `User.find` runs, without the database's own
    /// time: far less noisy than the difference of two 280 µs queries. Median of 9 rounds of 20,000.
    static func isolatedCosts(on database: any Database) async throws -> (describe: Double, record: Double, querySite: Double, handleSite: Double) {
        guard let sql = database as? any SQLDatabase else { throw FluentError.noResults }
        let probe = FluentCaptureProbe(models: [User.self], database: sql)
        let query = User.query(on: database).filter(\.$id == 42).limit(1).query
        let recorder = Recorder(configuration: .init(maximumEventsPerRequest: 200))
        let count = 20_000
        func median(_ body: () -> Void) -> Double {
            var rounds: [Double] = []
            for _ in 0..<9 {
                let start = MonotonicClock.now()
                body()
                rounds.append(Double(MonotonicClock.now() - start) / Double(count) / 1_000)
            }
            return rounds.sorted()[rounds.count / 2]
        }
        var sink = 0
        let describe = median { for _ in 0..<count { sink &+= probe.describe(query) } }
        let record = median {
            var index = 0
            while index < count {
                let request = recorder.begin(method: "GET", path: "/bench")
                for _ in 0..<50 { probe.record(query, on: request) }
                _ = recorder.finish(request, route: "/bench", status: 200)
                index += 50
            }
        }
        // From inside a task, several async functions deep, as a query's capture runs.
        let querySite = await nested(depth: 6) { median { for _ in 0..<count { sink &+= probe.querySite() == nil ? 0 : 1 } } }
        let handleSite = await nested(depth: 6) { median { for _ in 0..<count { sink &+= probe.handleSite() == nil ? 0 : 1 } } }
        if sink == 42 { print("") }
        return (describe, record, querySite, handleSite)
    }

    static func nested(depth: Int, _ body: () -> Double) async -> Double {
        if depth == 0 { return body() }
        let value = await nested(depth: depth - 1, body)
        return value
    }

    static func perQuery(
        _ database: @escaping @Sendable () -> (any Database)?, queries: Int, inRequest: Bool
    ) async throws -> (perQuery: Double, cpuPerQuery: Double, site: String?) {
        let recorder = Recorder(configuration: .init(maximumEventsPerRequest: 200))
        let start = MonotonicClock.now()
        let cpuStart = processCPUNanoseconds()
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
        let cpu = processCPUNanoseconds() - cpuStart
        return (Double(MonotonicClock.now() - start) / Double(queries) / 1_000, cpu / Double(queries) / 1_000, site)
    }

    /// CPU time of every thread of this process, in nanoseconds.
    static func processCPUNanoseconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) * 1e9 + Double(time.tv_nsec)
    }

    static func format(_ value: Double) -> String {
        DecimalText.fixed(value, fractionDigits: 2)
    }
}
