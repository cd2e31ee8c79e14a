import Foundation
import Hotpath
import HotpathHummingbird
import HotpathProfiler
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `?profile=1` on a real Hummingbird app served on a real socket.
@Suite("Hummingbird ?profile=1", .serialized)
struct ProfileParameterTests {
    static let token = "profile-token-0123456789"

    static func makeApp(profiling: RequestProfiling?) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: HotpathMiddleware(
            recorder: Recorder(), reports: ReportAccess(token: token), profiling: profiling
        ))
        router.get("/work") { _, _ -> String in
            "checksum \(ProfiledWork.checksumOrders(milliseconds: 120))"
        }
        router.get("/hello") { _, _ in "hello" }
        return Application(router: router)
    }

    static let profileHeader = HTTPField.Name(RequestProfiling.headerName)!
    static let tokenHeader = HTTPField.Name(ReportAccess.tokenHeader)!

    /// Other suites in this process may be profiling: wait for the profiler to be free.
    static func whenProfilerIsFree() async throws {
        for _ in 0..<12_000 where Profiler.isRunning { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func storesTheProfileAndServesItInEveryFormat() async throws {
        try await Self.makeApp(profiling: RequestProfiling()).test(.live) { client in
            var path = "busy"
            while path.hasPrefix("busy") {
                try await Self.whenProfilerIsFree()
                path = try await client.execute(uri: "/work?profile=1&token=\(Self.token)", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).hasPrefix("checksum"), "the app's own response is kept")
                    return try #require(response.headers[Self.profileHeader])
                }
            }
            #expect(path.hasPrefix("/_hotpath/profiles/"))
            let headers: HTTPFields = [Self.tokenHeader: Self.token]
            // The response went out before symbolication: the profile answers 503 (with
            // Retry-After and its location) until it is ready.
            var pending = true
            for _ in 0..<3_000 where pending {
                pending = try await client.execute(uri: path + ".json", method: .get, headers: headers) { response in
                    guard response.status == .serviceUnavailable else { return false }
                    #expect(response.headers[.retryAfter] == "1")
                    #expect(response.headers[Self.profileHeader] == path + ".json")
                    return true
                }
                if pending { try await Task.sleep(for: .milliseconds(20)) }
            }
            try await client.execute(uri: path, method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(String(buffer: response.body).contains("checksumOrders"))
            }
            try await client.execute(uri: path + ".json", method: .get, headers: headers) { response in
                let profile = try ProfileJSON.decode(Array(buffer: response.body))
                #expect(profile.frames.contains { $0.function == "ProfiledWork.checksumOrders(milliseconds:)" })
                #expect(profile.label == "GET /work")
            }
            try await client.execute(uri: path + ".txt", method: .get, headers: headers) { response in
                #expect(String(buffer: response.body).hasPrefix("Hotpath profile · GET /work"))
            }
            for suffix in [".speedscope.json", ".collapsed", ".pb"] {
                try await client.execute(uri: path + suffix, method: .get, headers: headers) { response in
                    #expect(response.status == .ok, "\(suffix)")
                    #expect(response.body.readableBytes > 100, "\(suffix)")
                }
            }
            // Without the token the profile cannot be seen (the router's 404).
            try await client.execute(uri: path + ".txt", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func answersWithTheFlamegraphWhenAsked() async throws {
        try await Self.makeApp(profiling: RequestProfiling()).test(.live) { client in
            var busy = true
            while busy {
                try await Self.whenProfilerIsFree()
                busy = try await client.execute(uri: "/work?profile=1&format=html&token=\(Self.token)", method: .get) { response in
                    if response.headers[Self.profileHeader]?.hasPrefix("busy") == true { return true }
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                    let page = String(buffer: response.body)
                    #expect(page.contains("<html") && page.contains("checksumOrders"))
                    return false
                }
            }
        }
    }

    @Test func onlyWithTheTokenAndWhenEnabled() async throws {
        try await Self.makeApp(profiling: RequestProfiling()).test(.live) { client in
            try await client.execute(uri: "/hello?profile=1", method: .get) { response in
                #expect(String(buffer: response.body) == "hello")
                #expect(response.headers[Self.profileHeader] == nil)
            }
        }
        try await Self.makeApp(profiling: nil).test(.live) { client in
            try await client.execute(uri: "/hello?profile=1&token=\(Self.token)", method: .get) { response in
                #expect(String(buffer: response.body) == "hello")
                #expect(response.headers[Self.profileHeader] == nil)
            }
        }
    }

    /// A profile running while 100 requests are served at once: no crash, no deadlock, and
    /// every request answered.
    @Test func profilingWhileServingManyConcurrentRequests() async throws {
        try await Self.makeApp(profiling: RequestProfiling()).test(.live) { client in
            let session = try await Profiler.start(waitingUpTo: .seconds(120))
            let answered = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        try await client.execute(uri: index % 10 == 0 ? "/work" : "/hello", method: .get) { $0.status == .ok }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            let profile = await session.stopInBackground()
            #expect(answered == 100)
            #expect(profile.samples.count > 50, "samples: \(profile.samples.count)")
            #expect(profile.frames.contains { $0.function.contains("checksumOrders") })
        }
    }
}

enum ProfiledWork {
    @inline(never) static func checksumOrders(milliseconds: Int) -> UInt64 {
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
