import AsyncHTTPClient
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

/// Puts the clinic together: the store, Hotpath's recorder with its plan advisor, the
/// watchdog, the upstream registry, the outbound client, and the routes.
enum ClinicServer {
    static func run(_ options: Options, onListening: @escaping @Sendable (String) async -> Void) async throws {
        let quiet = Logger(label: "clinicdesk", factory: { _ in SwiftLogNoOpLogHandler() })
        let store = try await ClinicStore.open(path: options.databasePath, logger: quiet)
        let recorder = Recorder(configuration: Recorder.Configuration(
            planAdvisor: SQLiteExplainAdvisor(database: store.explainConnection.sql())
        ))
        var watchdogSettings = Watchdog.Configuration()
        watchdogSettings.threshold = options.stallThreshold
        let watchdog = Watchdog(recorder: recorder, configuration: watchdogSettings)

        // The upstream gets an event loop of its own and never uses Swift's cooperative pool:
        // the blocking route parks pool threads waiting for its answer, and an upstream that
        // needed those threads to answer would never answer.
        let upstreamLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let upstream: RegistryUpstream
        do {
            upstream = try await RegistryUpstream.start(group: upstreamLoops)
        } catch {
            try? await upstreamLoops.shutdownGracefully()
            await store.close()
            throw error
        }

        var clientSettings = HTTPClient.Configuration()
        // Concurrent calls of one request (and of concurrent requests) never queue for a connection.
        clientSettings.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 48
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientSettings)
        // Where blocking work belongs: threads meant to block, not the cooperative pool.
        let offloadPool = NIOThreadPool(numberOfThreads: 4)
        offloadPool.start()
        watchdog.start()

        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: HotpathMiddleware(
            recorder: recorder, reports: ReportAccess(token: options.token), profiling: RequestProfiling()
        ))
        BookingRoutes(store: store).register(on: router)
        VisitRoutes(store: store).register(on: router)
        CoverageRoutes(client: HotpathHTTPClient(httpClient, recorder: recorder), registry: upstream.baseURL).register(on: router)
        LetterRoutes(store: store, archive: LegacyArchiveClient(port: upstream.port), offloadPool: offloadPool)
            .register(on: router)
        ScheduleRoutes(roster: Roster.month()).register(on: router)

        let host = options.host.contains(":") ? "[\(options.host)]" : options.host
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in await onListening("http://\(host):\(channel.localAddress?.port ?? 0)") },
            logger: quiet
        )
        var failure: (any Error)?
        do {
            try await app.run()
        } catch is CancellationError {
        } catch {
            failure = error
        }
        watchdog.stop()
        // Cancellation (how the clinic is stopped) would cancel the shutdown too: it runs in a
        // task of its own.
        await Task {
            try? await httpClient.shutdown()
            try? await offloadPool.shutdownGracefully()
            await upstream.close()
            try? await upstreamLoops.shutdownGracefully()
            await store.close()
        }.value
        if let failure { throw failure }
    }
}
