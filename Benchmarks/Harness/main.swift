import Hotpath
import HotpathHummingbird
import HotpathWatchdog
import Hummingbird
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Harness for the benchmark scripts (not a user tool):
//   hotpath-bench hello PORT on|off|on-no-header|noop|on-watchdog   a hello-world Hummingbird
//                                     server with or without Hotpath (on-no-header: without the
//                                     Server-Timing header; noop: an empty middleware, the cost of
//                                     any middleware; on-watchdog: the middleware and the watchdog)
//   hotpath-bench recorder            the recorder's cost per event and per request
//   hotpath-bench sql                 SQL capture's cost per query (SQLite in memory)
//   hotpath-bench http                outbound-call capture's cost per call (no network)
//   hotpath-bench profiler            the sampling profiler's overhead on a CPU-bound workload
//   hotpath-bench profile-tree [S]    a profile of S seconds of that workload: symbolication time, tree
//   hotpath-bench workload [S]        the workload alone (for perf record)

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "hello":
    let rest = Array(arguments.dropFirst())
    guard rest.count == 2, let port = Int(rest[0]), ["on", "off", "on-no-header", "noop", "on-watchdog"].contains(rest[1]) else {
        print("usage: hotpath-bench hello PORT on|off|on-no-header|noop|on-watchdog")
        exit(2)
    }
    try await serveHello(port: port, mode: rest[1])
case "recorder":
    RecorderBenchmark.run()
case "profiler":
    // profiler [--rounds N] [--units U]: the short form runs in the tests, as a self-check.
    let options = Array(arguments.dropFirst())
    func value(_ name: String, _ fallback: Int) -> Int {
        guard let index = options.firstIndex(of: name), index + 1 < options.count, let number = Int(options[index + 1]) else { return fallback }
        return number
    }
    try ProfilerBenchmark.overhead(rounds: value("--rounds", 11), units: value("--units", 1_000))
case "profile-tree":
    try ProfilerBenchmark.tree(seconds: Double(arguments.dropFirst().first ?? "10") ?? 10)
case "workload":
    ProfilerBenchmark.workload(seconds: Double(arguments.dropFirst().first ?? "10") ?? 10)
case "sql":
    try await SQLCaptureBenchmark.run()
case "fluent":
    try await FluentCaptureBenchmark.run()
case "fluent-pinned":
    try await FluentCaptureBenchmark.pinnedOnly()
case "fluent-null":
    // fluent-null [plain] [pinned] [QUERIES]
    let words = arguments.dropFirst()
    try await FluentCaptureBenchmark.nullOnly(
        captured: !words.contains("plain"), pinned: words.contains("pinned"), queries: words.compactMap { Int($0) }.first ?? 200_000
    )
case "http":
    HTTPCaptureBenchmark.run()
default:
    print("usage: hotpath-bench hello PORT on|off|on-no-header|noop | hotpath-bench recorder | hotpath-bench sql | hotpath-bench fluent | hotpath-bench http | hotpath-bench profiler | profile-tree [S] | workload [S]")
    exit(2)
}

func serveHello(port: Int, mode: String) async throws {
    var logger = Logger(label: "hello")
    logger.logLevel = .error
    let router = Router()
    let seen: SeenRequests
    switch mode {
    case "on", "on-no-header":
        let recorder = Recorder()
        router.add(middleware: HotpathMiddleware(recorder: recorder, reports: ReportAccess(token: "bench"), serverTiming: mode == "on"))
        seen = .recorder(recorder)
    case "on-watchdog":
        let recorder = Recorder()
        router.add(middleware: HotpathMiddleware(recorder: recorder, reports: ReportAccess(token: "bench")))
        let watchdog = Watchdog(recorder: recorder)
        watchdog.start()
        seen = .recorder(recorder)
    case "noop":
        let middleware = PassThroughMiddleware<BasicRequestContext>()
        router.add(middleware: middleware)
        seen = .counter(middleware.counter)
    default:
        seen = .none
    }
    router.get("/") { _, _ in "hello" }
    // What the server saw, for the benchmark's check that the middleware measured every request.
    router.get("/_bench/requests") { _, _ in String(seen.count()) }
    // For the README's example output: four 2 ms "queries" recorded as a driver would, and a lap.
    router.get("/demo/orders/{id}") { _, context -> String in
        var stopwatch = Stopwatch()
        for table in ["orders", "users", "items", "prices"] {
            let start = MonotonicClock.now()
            try await Task.sleep(for: .milliseconds(2))
            ActiveRequest.current?.recordQuery(
                QueryDetail(sql: "SELECT * FROM \(table) WHERE order_id = $1"), from: start, to: MonotonicClock.now(),
                callSite: CallSite(fileID: #fileID, line: #line)
            )
        }
        stopwatch.lap("load order")
        return "order \(context.parameters.get("id") ?? "")"
    }
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: port)),
        logger: logger
    )
    try await app.runService()
}

enum RecorderBenchmark {
    static func run() {
        let recorder = Recorder()
        // Per event: one query-shaped event recorded on a request (the hot path of adapters).
        let eventsPerRequest = 100
        let requests = 20_000
        var sink = 0
        let eventStart = MonotonicClock.now()
        var finishNanoseconds: UInt64 = 0
        for index in 0..<requests {
            let request = recorder.begin(method: "GET", path: "/orders/\(index % 100)")
            for _ in 0..<eventsPerRequest {
                let now = MonotonicClock.now()
                request.recordQuery(QueryDetail(sql: "SELECT * FROM orders WHERE id = $1"), from: now, to: now &+ 1_000)
            }
            let finishStart = MonotonicClock.now()
            sink &+= Int(recorder.finish(request, route: "/orders/{id}", status: 200).id)
            finishNanoseconds &+= MonotonicClock.now() &- finishStart
        }
        let total = MonotonicClock.now() &- eventStart
        let events = Double(requests * eventsPerRequest)
        let perEvent = Double(total &- finishNanoseconds) / events
        let perFinish = Double(finishNanoseconds) / Double(requests)
        // A request with no events (a hello-world route): what the middleware adds per request.
        let emptyStart = MonotonicClock.now()
        for index in 0..<requests {
            let request = recorder.begin(method: "GET", path: "/hello")
            sink &+= Int(recorder.finish(request, route: "/hello", status: 200).id) &+ index
        }
        let perEmptyRequest = Double(MonotonicClock.now() &- emptyStart) / Double(requests)
        // The Server-Timing header of a request with no events, as the middleware builds it.
        let headerRequest = recorder.begin(method: "GET", path: "/")
        let headerStart = MonotonicClock.now()
        for _ in 0..<requests { sink &+= ServerTiming.header(for: headerRequest.timing()).utf8.count }
        let perHeader = Double(MonotonicClock.now() &- headerStart) / Double(requests)
        print("RESULT per-server-timing-header-ns \(String(format: perHeader))")
        print("recorder: \(Int(events)) events on \(requests) requests (\(eventsPerRequest) each, cap 200)")
        print("RESULT per-empty-request-begin+finish-ns \(String(format: perEmptyRequest))")
        print("RESULT per-event-ns \(String(format: perEvent)) per-request-finish-ns \(String(format: perFinish)) (sink \(sink % 10))")
    }

    static func String(format value: Double) -> Swift.String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

/// A middleware that does nothing but count (one relaxed atomic add): the floor any
/// middleware costs in Hummingbird.
struct PassThroughMiddleware<Context: RequestContext>: RouterMiddleware {
    let counter = RequestCounter()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        counter.count.add(1, ordering: .relaxed)
        return try await next(request, context)
    }
}

final class RequestCounter: Sendable {
    let count = Atomic<Int>(0)
}

/// Who counted the requests the hello server served, for `/_bench/requests`.
enum SeenRequests: Sendable {
    case recorder(Recorder)
    case counter(RequestCounter)
    case none

    /// Requests seen so far (-1 when nobody counts: the server without middleware).
    func count() -> Int {
        switch self {
        case .recorder(let recorder): Int(recorder.report().routes.reduce(0) { $0 + $1.count })
        case .counter(let counter): counter.count.load(ordering: .relaxed)
        case .none: -1
        }
    }
}
