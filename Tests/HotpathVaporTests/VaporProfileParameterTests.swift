import Hotpath
import HotpathProfiler
import HotpathVapor
import Testing

#if canImport(Glibc)
import Glibc
#endif
import Vapor
import VaporTesting

/// `?profile=1` on a real Vapor app.
@Suite("Vapor ?profile=1", .serialized)
struct VaporProfileParameterTests {
    static let token = "vapor-profile-token-0123"

    @Test func profilesARequestAndServesTheProfile() async throws {
        let recorder = Recorder()
        try await withApp(configure: { app in
            app.middleware.use(
                HotpathVaporMiddleware(recorder: recorder, reports: ReportAccess(token: Self.token), profiling: RequestProfiling()),
                at: .beginning
            )
            app.get("work") { _ -> String in "\(VaporWork.spin(milliseconds: 100))" }
        }) { app in
            let tester = try app.testing()
            var path = "busy"
            while path.hasPrefix("busy") {
                for _ in 0..<12_000 where Profiler.isRunning { try await Task.sleep(for: .milliseconds(10)) }
                try await tester.test(.GET, "work?profile=1&token=\(Self.token)") { response in
                    #expect(response.status == .ok)
                    path = response.headers.first(name: RequestProfiling.headerName) ?? ""
                }
            }
            #expect(path.hasPrefix("/_hotpath/profiles/"), "\(path)")
            var headers = HTTPHeaders()
            headers.add(name: ReportAccess.tokenHeader, value: Self.token)
            // The response went out before symbolication: the profile answers 503 (with
            // Retry-After) until it is ready.
            var pending = true
            for _ in 0..<3_000 where pending {
                try await tester.test(.GET, String(path.dropFirst()) + ".json", headers: headers) { response in
                    pending = response.status == .serviceUnavailable
                    if pending { #expect(response.headers.first(name: .retryAfter) == "1") }
                }
                if pending { try await Task.sleep(for: .milliseconds(20)) }
            }
            // The stored profile holds the handler's frames (the condensed tree may hide them
            // on a busy machine, where other threads' samples weigh more).
            try await tester.test(.GET, String(path.dropFirst()) + ".json", headers: headers) { response in
                #expect(response.status == .ok)
                let profile = try ProfileJSON.decode(Array(response.body.readableBytesView))
                #expect(profile.frames.contains { $0.function == "VaporWork.spin(milliseconds:)" })
                #expect(profile.label == "GET /work")
            }
            try await tester.test(.GET, String(path.dropFirst()) + ".txt", headers: headers) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.hasPrefix("Hotpath profile · GET /work"))
            }
            try await tester.test(.GET, String(path.dropFirst()) + ".txt") { response in
                #expect(response.status == .notFound, "no token, no profile")
            }
        }
    }
}

enum VaporWork {
    @inline(never) static func spin(milliseconds: Int) -> UInt64 {
        // This thread's CPU time, so a busy machine does not shrink the work to nothing.
        func cpuNow() -> UInt64 {
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
        }
        let end = cpuNow() + UInt64(milliseconds) * 1_000_000
        var value: UInt64 = 9
        while cpuNow() < end {
            for _ in 0..<500 { value = value &* 6_364_136_223_846_793_005 &+ 1 }
        }
        return value
    }
}
