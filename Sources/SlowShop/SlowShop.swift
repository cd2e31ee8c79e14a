import AsyncHTTPClient
import Foundation
import Hotpath
import HotpathHTTPClient
import HotpathHummingbird
import HotpathProfiler
import HotpathSQL
import HotpathWatchdog
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// SlowShop: a small shop on Hummingbird and SQLite, with a partner API upstream, in which
/// every suspect of the method lives in its own endpoint. With `fixed` each endpoint runs its
/// fixed twin instead, so the effect of every fix can be measured.
///
/// ```swift
/// try await SlowShop.run(SlowShop.Configuration(databasePath: "/tmp/shop.sqlite")) { url in
///     print("SlowShop on \(url)")   // e.g. http://127.0.0.1:41234
/// }
/// ```
public enum SlowShop {
    /// How big the data and the work are. `full` is what the demo measures; `small` keeps the
    /// same shapes at a fraction of the size, for debug builds and tests.
    public enum Scale: String, Sendable, CaseIterable {
        case full, small

        var users: Int { self == .full ? 5_000 : 1_000 }
        var orders: Int { self == .full ? 100_000 : 50_000 }
        var products: Int { self == .full ? 2_000 : 600 }
        var ordersPerPage: Int { self == .full ? 200 : 60 }
        var productsPerPage: Int { self == .full ? 500 : 200 }
        var imageSide: Int { self == .full ? 512 : 200 }
        var blurRadius: Int { 8 }
    }

    public struct Configuration: Sendable {
        /// The SQLite file; created and seeded when it does not exist.
        public var databasePath: String
        /// Serve the fixed twin of every endpoint (and create the missing index).
        public var fixed: Bool
        public var scale: Scale
        /// The simulated network round trip of each database statement (see ``RoundTripDatabase``).
        public var databaseRoundTrip: Duration
        /// How long each partner API call takes.
        public var partnerLatency: Duration
        /// The token of Hotpath's report endpoints (`/_hotpath`) and `?profile=1`.
        public var token: String
        public var host: String
        /// 0 picks a free port.
        public var port: Int
        /// How long the watchdog lets one request hold a worker thread before it reports a
        /// stall (20 ms; debug builds run everything several times slower, their tests wait longer).
        public var stallThreshold: Duration
        public var logger: Logger

        public init(
            databasePath: String, fixed: Bool = false, scale: Scale = .full, databaseRoundTrip: Duration = .milliseconds(1),
            partnerLatency: Duration = .milliseconds(80), token: String = "slowshop", host: String = "127.0.0.1", port: Int = 0,
            stallThreshold: Duration = .milliseconds(20),
            logger: Logger = Logger(label: "slowshop", factory: { _ in SwiftLogNoOpLogHandler() })
        ) {
            self.stallThreshold = stallThreshold
            self.databasePath = databasePath
            self.fixed = fixed
            self.scale = scale
            self.databaseRoundTrip = databaseRoundTrip
            self.partnerLatency = partnerLatency
            self.token = token
            self.host = host
            self.port = port
            self.logger = logger
        }
    }

    /// One planted endpoint: what is wrong with it, and what its fixed twin does instead.
    public struct Endpoint: Sendable, Equatable {
        /// The path to request (with a concrete id where the route has one).
        public var path: String
        /// The route pattern, as the report names it.
        public var route: String
        /// The finding the slow version must produce; nil for the control endpoint.
        public var planted: Finding.Kind?
        public var problem: String
        public var fix: String
    }

    /// Every endpoint, in the method's order of suspects; the last is the control.
    public static let endpoints: [Endpoint] = [
        Endpoint(path: "/orders", route: "/orders", planted: .nPlusOne,
                 problem: "lists the latest orders, then loads each order's customer with its own query (N+1)",
                 fix: "one JOIN brings the customers along"),
        Endpoint(path: "/orders/search", route: "/orders/search", planted: .missingIndex,
                 problem: "finds a customer's orders by email, a column without an index: every search reads the whole table",
                 fix: "CREATE INDEX on orders (customer_email)"),
        Endpoint(path: "/products", route: "/products", planted: .selectStar,
                 problem: "SELECT * on a 40-column table with long descriptions, to show id, name and price",
                 fix: "selects the three columns it shows"),
        Endpoint(path: "/dashboard", route: "/dashboard", planted: .manySmallQueries,
                 problem: "24 widgets, one small query each",
                 fix: "four statements, one per table"),
        Endpoint(path: "/checkout/quote", route: "/checkout/quote", planted: .sequentialCalls,
                 problem: "three independent partner calls (shipping, tax, stock) awaited one after another",
                 fix: "async let: the three calls run together"),
        Endpoint(path: "/prices", route: "/prices", planted: .repeatedCalls,
                 problem: "asks the partner for the same exchange rate once per price line",
                 fix: "the rate is fetched once and kept for a minute"),
        Endpoint(path: "/reports/daily", route: "/reports/daily", planted: .blockingCall,
                 problem: "a synchronous renderer (usleep inside) blocks a thread of the cooperative pool for 120 ms",
                 fix: "the renderer runs on an NIOThreadPool"),
        Endpoint(path: "/images/thumbnail", route: "/images/thumbnail", planted: .cpuStall,
                 problem: "a naive box blur, O(pixels × radius²), computed on the request's thread",
                 fix: "a separable running-sum blur, O(pixels)"),
        Endpoint(path: "/catalog/export", route: "/catalog/export", planted: .uncompressedResponse,
                 problem: "the whole catalogue as megabytes of JSON, encoded for every request and sent uncompressed",
                 fix: "gzip for clients that accept it, encoded once a minute and kept"),
        Endpoint(path: "/products/42", route: "/products/{id}", planted: nil,
                 problem: "none: one product by primary key (the control)",
                 fix: "nothing to fix"),
    ]

    /// Serves the shop and its partner API until the calling task is cancelled. `onReady`
    /// gets the shop's base URL once both listen.
    public static func run(_ configuration: Configuration, onReady: @escaping @Sendable (String) async -> Void) async throws {
        let database = try await ShopDatabase.open(
            path: configuration.databasePath, scale: configuration.scale, fixed: configuration.fixed,
            roundTrip: configuration.databaseRoundTrip, logger: configuration.logger
        )
        let recorder = Recorder(configuration: Recorder.Configuration(
            planAdvisor: SQLiteExplainAdvisor(database: database.advisorConnection.sql())
        ))
        var watchdogConfiguration = Watchdog.Configuration()
        watchdogConfiguration.threshold = configuration.stallThreshold
        let watchdog = Watchdog(recorder: recorder, configuration: watchdogConfiguration)
        let blockingPool = NIOThreadPool(numberOfThreads: 8)
        blockingPool.start()
        // Enough connections to the partner that concurrent calls never queue for one.
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        watchdog.start()
        do {
            try await serveOrExplain(configuration, database: database, recorder: recorder, httpClient: httpClient, blockingPool: blockingPool, onReady: onReady)
        } catch is CancellationError {
        } catch {
            await shutDown(watchdog, httpClient, blockingPool, database)
            throw error
        }
        await shutDown(watchdog, httpClient, blockingPool, database)
    }

    /// Runs even when the serving task was cancelled (that is how the shop is stopped): in a
    /// task of its own, so closing the connections is not cancelled too.
    private static func shutDown(_ watchdog: Watchdog, _ client: HTTPClient, _ pool: NIOThreadPool, _ database: ShopDatabase) async {
        watchdog.stop()
        await Task {
            try? await client.shutdown()
            try? await pool.shutdownGracefully()
            await database.close()
        }.value
    }

    private static func serve(
        _ configuration: Configuration, database: ShopDatabase, recorder: Recorder, httpClient: HTTPClient,
        blockingPool: NIOThreadPool, onReady: @escaping @Sendable (String) async -> Void
    ) async throws {
        let (partnerPorts, partnerPortContinuation) = AsyncStream.makeStream(of: Int.self)
        let partner = Application(
            router: PartnerAPI.router(latency: configuration.partnerLatency),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: 0), serverName: nil),
            onServerRunning: { channel in
                partnerPortContinuation.yield(channel.localAddress?.port ?? 0)
                partnerPortContinuation.finish()
            },
            logger: configuration.logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // The port stream ends however the partner ends: a bind failure must not
                // leave the shop waiting for a port that never comes.
                defer { partnerPortContinuation.finish() }
                try await partner.run()
            }
            var partnerPort = 0
            for await port in partnerPorts { partnerPort = port }
            guard partnerPort > 0 else {
                // The partner's own error (the address cannot be bound) says more than ours.
                try await group.next()
                throw SlowShopError("the partner API did not start")
            }
            let shop = Application(
                router: router(configuration, database: database, recorder: recorder, httpClient: httpClient,
                               partner: "http://\(configuration.host):\(partnerPort)", blockingPool: blockingPool),
                configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
                onServerRunning: { channel in
                    let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
                    await onReady("http://\(host):\(channel.localAddress?.port ?? 0)")
                },
                logger: configuration.logger
            )
            group.addTask { try await shop.run() }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Runs ``serve`` and names a failure to listen as such: anything that ends it before the
    /// shop listens (an address that is not this machine's, a port in use, a host that does
    /// not resolve) is a ``ListenError``.
    private static func serveOrExplain(
        _ configuration: Configuration, database: ShopDatabase, recorder: Recorder, httpClient: HTTPClient,
        blockingPool: NIOThreadPool, onReady: @escaping @Sendable (String) async -> Void
    ) async throws {
        let listening = ListeningFlag()
        do {
            try await serve(configuration, database: database, recorder: recorder, httpClient: httpClient, blockingPool: blockingPool) { url in
                listening.set()
                await onReady(url)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            guard listening.isSet else { throw ListenError(host: configuration.host, port: configuration.port, reason: "\(error)") }
            throw error
        }
        if !listening.isSet, !Task.isCancelled {
            throw ListenError(host: configuration.host, port: configuration.port, reason: "the server stopped before it listened")
        }
    }

    /// SlowShop could not listen where it was asked to.
    public struct ListenError: Error, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var reason: String
        public var description: String { "cannot listen on \(host):\(port): \(reason)" }
    }

    static func router(
        _ configuration: Configuration, database: ShopDatabase, recorder: Recorder, httpClient: HTTPClient, partner: String,
        blockingPool: NIOThreadPool
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: HotpathMiddleware(
            recorder: recorder, reports: ReportAccess(token: configuration.token), profiling: RequestProfiling()
        ))
        let fixed = configuration.fixed
        let scale = configuration.scale
        OrdersEndpoints(database: database, fixed: fixed, pageSize: scale.ordersPerPage).register(on: router)
        CatalogEndpoints(database: database, fixed: fixed, listSize: scale.productsPerPage).register(on: router)
        DashboardEndpoint(database: database, fixed: fixed).register(on: router)
        PartnerEndpoints(client: HotpathHTTPClient(httpClient), partner: partner, fixed: fixed).register(on: router)
        WorkEndpoints(fixed: fixed, imageSide: scale.imageSide, blurRadius: scale.blurRadius, blockingPool: blockingPool).register(on: router)
        return router
    }
}

/// Set once, read from any task: whether the shop got to listen.
private final class ListeningFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
