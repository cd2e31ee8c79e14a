import Foundation
import Hotpath
import HotpathHummingbird
import HotpathProfiler
import HotpathVapor
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import Vapor
import VaporTesting

#if canImport(Glibc)
import Glibc
#endif

/// The two frameworks the serving layer is translated into: every behaviour test of the
/// middleware runs once for each, on a real socket.
enum Framework: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case hummingbird, vapor

    var testDescription: String { rawValue }

    /// The route pattern of `/orders/{id}` as the framework writes it.
    var ordersPattern: String {
        switch self {
        case .hummingbird: "/orders/{id}"
        case .vapor: "/orders/:id"
        }
    }
}

/// A response as the tests read it: header names lowercased.
struct Served: Sendable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Sends requests to the app under test.
protocol TestClient: Sendable {
    func get(_ uri: String, headers: [(String, String)]) async throws -> Served
}

extension TestClient {
    func get(_ uri: String) async throws -> Served { try await get(uri, headers: []) }
}

/// The same little app on either framework, with the Hotpath middleware in front:
/// `/orders/{id}`, `/slow` (a 20 ms query then 10 ms of work), `/parallel` (three concurrent
/// queries and a lap), `/fail` (503), `/work` (120 ms of CPU), `/hello`.
enum TestApps {
    static let token = "serving-token-0123456789"

    static func withApp(
        _ framework: Framework, recorder: Recorder, token: String? = TestApps.token, profiling: RequestProfiling? = nil,
        _ body: @Sendable (any TestClient) async throws -> Void
    ) async throws {
        switch framework {
        case .hummingbird:
            let router = Router()
            router.add(middleware: HotpathMiddleware(recorder: recorder, reports: ReportAccess(token: token), profiling: profiling))
            router.get("/orders/{id}") { _, context in "order \(context.parameters.get("id") ?? "?")" }
            router.get("/slow") { _, _ in try await slow() }
            router.get("/parallel") { _, _ in try await parallel() }
            router.get("/fail") { _, _ -> String in throw HTTPError(.serviceUnavailable) }
            router.get("/work") { _, _ in "checksum \(Work.checksum(milliseconds: 120))" }
            router.get("/hello") { _, _ in "hello" }
            try await Application(router: router).test(.live) { client in
                try await body(HummingbirdClient(client: client))
            }
        case .vapor:
            try await VaporTesting.withApp(configure: { app in
                app.middleware.use(HotpathVaporMiddleware(recorder: recorder, reports: ReportAccess(token: token), profiling: profiling), at: .beginning)
                app.get("orders", ":id") { request -> String in "order \(request.parameters.get("id") ?? "?")" }
                app.get("slow") { _ in try await slow() }
                app.get("parallel") { _ in try await parallel() }
                app.get("fail") { _ -> String in throw Abort(.serviceUnavailable) }
                app.get("work") { _ in "checksum \(Work.checksum(milliseconds: 120))" }
                app.get("hello") { _ in "hello" }
            }) { app in
                let tester = try app.testing(method: .running(hostname: "127.0.0.1", port: 0))
                try await body(VaporClient(tester: tester))
            }
        }
    }

    static func slow() async throws -> String {
        // A 20 ms "query" recorded as the database layer would, then 10 ms of app work.
        let start = MonotonicClock.now()
        try await Task.sleep(for: .milliseconds(20))
        ActiveRequest.current?.recordQuery(QueryDetail(sql: "SELECT * FROM orders WHERE user_id = $1"), from: start, to: MonotonicClock.now())
        try await Task.sleep(for: .milliseconds(10))
        return "slow"
    }

    static func parallel() async throws -> String {
        // Child tasks: async let and a task group, each recording a 30 ms query.
        async let first: Void = fakeQuery("SELECT 1")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await fakeQuery("SELECT 2") }
            group.addTask { try await fakeQuery("SELECT 3") }
            try await group.waitForAll()
        }
        try await first
        var stopwatch = Stopwatch()
        stopwatch.lap("render")
        return "parallel"
    }

    static func fakeQuery(_ sql: String) async throws {
        let start = MonotonicClock.now()
        try await Task.sleep(for: .milliseconds(30))
        ActiveRequest.current?.recordQuery(QueryDetail(sql: sql), from: start, to: MonotonicClock.now())
    }
}

struct HummingbirdClient: TestClient {
    let client: any TestClientProtocol

    func get(_ uri: String, headers: [(String, String)]) async throws -> Served {
        var fields = HTTPFields()
        for (name, value) in headers { if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) } }
        return try await client.execute(uri: uri, method: .get, headers: fields) { response in
            var headers: [String: String] = [:]
            for field in response.headers where headers[field.name.canonicalName] == nil { headers[field.name.canonicalName] = field.value }
            return Served(status: Int(response.status.code), headers: headers, body: Array(buffer: response.body))
        }
    }
}

struct VaporClient: TestClient {
    let tester: any TestingApplicationTester

    func get(_ uri: String, headers: [(String, String)]) async throws -> Served {
        var fields = HTTPHeaders()
        for (name, value) in headers { fields.add(name: name, value: value) }
        let path = uri.hasPrefix("/") ? String(uri.dropFirst()) : uri
        var served = Served(status: 0, headers: [:], body: [])
        try await tester.test(.GET, path, headers: fields) { response in
            var headers: [String: String] = [:]
            for (name, value) in response.headers where headers[name.lowercased()] == nil { headers[name.lowercased()] = value }
            served = Served(status: Int(response.status.code), headers: headers, body: Array(response.body.readableBytesView))
        }
        return served
    }
}

enum Work {
    @inline(never) static func checksum(milliseconds: Int) -> UInt64 {
        // This thread's CPU time, so a busy machine does not shrink the work to nothing.
        func cpuNow() -> UInt64 {
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
        }
        let end = cpuNow() + UInt64(milliseconds) * 1_000_000
        var value: UInt64 = 17
        while cpuNow() < end {
            for _ in 0..<500 { value = value &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }
        }
        return value
    }
}
