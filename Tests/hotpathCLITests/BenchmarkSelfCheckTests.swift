import Foundation
import HotpathLoad
import HotpathStacks
import HotpathTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The benchmarks' own checks, in a short form (issue 22): a benchmark that measures nothing
/// (a profile without samples, a middleware that saw no request) fails the build instead of
/// printing a figure.
@Suite("Benchmark self-checks", .serialized)
struct BenchmarkSelfCheckTests {
    static var bench: URL { CLIRunner.binary.deletingLastPathComponent().appendingPathComponent("hotpath-bench") }

    @Test func profilerBenchmarkSamplesWhatItMeasures() async throws {
        let outcome = try await HeavyTests.oneAtATime {
            try await CLIRunner.runProcessOffPool(Self.bench.path, ["profiler", "--rounds", "3", "--units", "12"], timeout: 180)
        }
        #expect(outcome.status == 0, "\(outcome.stdout)\n\(outcome.stderr)")
        #expect(outcome.stdout.contains("CHECK samples within 20 %"), "\(outcome.stdout)")
    }

    @Test func middlewareBenchmarkSeesEveryRequest() async throws {
        for mode in ["on", "noop"] {
            let port = Int.random(in: 20_000..<40_000)
            let server = try ChildProcess.start(Self.bench.path, ["hello", String(port), mode])
            defer { server.stopBlocking(grace: .zero) }
            var ready = false
            for _ in 0..<300 where !ready {
                ready = (try? await HTTPFetch.get("http://127.0.0.1:\(port)/", timeout: .seconds(2)))?.status == 200
                if !ready { try await Task.sleep(for: .milliseconds(50)) }
            }
            try #require(ready, "the hello server did not start")
            let before = try await Self.seen(port)
            let load = try await CLIRunner.runOffPool(["load", "http://127.0.0.1:\(port)/", "-n", "500", "-c", "4", "--no-progress"])
            #expect(load.status == 0, "\(load.stderr)")
            let after = try await Self.seen(port)
            // 500 requests, plus the check's own request (the warm-up ones came before `before`).
            #expect(after - before == 501, "\(mode): saw \(after - before)")
        }
    }

    static func seen(_ port: Int) async throws -> Int {
        let answer = try await HTTPFetch.get("http://127.0.0.1:\(port)/_bench/requests", timeout: .seconds(10))
        return Int(String(decoding: answer.body, as: UTF8.self)) ?? -1
    }
}
