import Foundation
import Hotpath
import HotpathTestSupport
import Testing

@testable import HotpathLoad

@Suite("Merging runs", .serialized)
struct LoadMergeTests {
    static func run(_ url: String, requests: Int) async throws -> LoadReport {
        var configuration = LoadConfiguration(target: try LoadTarget(parsing: url))
        configuration.connections = 2
        // The request count ends it; the duration only bounds a broken run (a starved CI
        // machine once took 26 s for 500 requests of 5 ms, and a 5 s cap cut three off).
        configuration.duration = .seconds(120)
        configuration.requests = requests
        let result = try await LoadRun(configuration: configuration).run()
        // Through JSON, as the files of several machines would come.
        return try LoadReport.decode(try LoadReport(result: result, verdicts: [], startedAt: .now).encoded())
    }

    /// Two real runs at the same time: the merge is their sum, and its histogram is the union.
    @Test func mergedRunsAreTheSum() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        async let first = Self.run(server.url + "/delay/5", requests: 300)
        async let second = Self.run(server.url + "/delay/5", requests: 200)
        let reports = try await [first, second]
        let merged = try LoadMerge.merge([("a.json", reports[0]), ("b.json", reports[1])])
        #expect(merged.completed == 500)
        #expect(Int(merged.completed) == server.requestCount)
        #expect(merged.latency.count == 500)
        var union = reports[0].latency.histogram
        union.merge(reports[1].latency.histogram)
        #expect(merged.latency == union)
        #expect(merged.latency.percentile(99) == union.percentile(99))
        #expect(merged.statusCounts.byStatus.map(\.count) == [500])
        #expect(merged.mergedRuns == 2)
        #expect(merged.connections == 4)
        #expect(merged.timeline.reduce(0) { $0 + $1.requests } == 500)
        let starts = reports.compactMap(\.measuringStartedAt)
        #expect(starts.count == 2)
        // A wall-clock span covers both runs, so it is at least the longer one.
        #expect(merged.elapsedSeconds >= max(reports[0].summary.elapsedS, reports[1].summary.elapsedS) - 1e-6)
        let report = LoadReport(result: merged, verdicts: [], startedAt: .now)
        #expect(report.summary.requests == 500)
        #expect(report.mergedRuns == 2)
    }

    @Test func refusesADifferentTest() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let first = try await Self.run(server.url + "/", requests: 20)
        let second = try await Self.run(server.url + "/status/200", requests: 20)
        do {
            _ = try LoadMerge.merge([("a.json", first), ("b.json", second)])
            Issue.record("merged two tests")
        } catch {
            #expect(error.message.hasPrefix("b.json is not the same test as a.json: URL"), "\(error.message)")
        }
    }

    /// Timelines are laid on the wall clock: a run that started 2 s later fills later buckets.
    @Test func alignsTimelinesByWallClock() throws {
        func result(startedAt: Double, requests: [UInt64]) throws -> LoadResult {
            var histogram = LatencyHistogram()
            histogram.record(nanoseconds: 1_000_000, count: requests.reduce(0, +))
            var result = LoadResult(
                target: try LoadTarget(parsing: "http://127.0.0.1:1/"), method: "GET", connections: 1, threads: 1,
                requestedDuration: .seconds(3), requestedRequests: nil, rate: nil, warmup: .zero, timeout: .seconds(2),
                stopReason: .duration, elapsed: .seconds(3), completed: requests.reduce(0, +), bytesRead: 0, latency: histogram,
                uncorrectedLatency: nil, statusCounts: StatusCounts([200: requests.reduce(0, +)]), errors: LoadErrors(),
                timeline: requests.enumerated().map { index, count in
                    LoadTimelinePoint(
                        second: Double(index + 1), interval: 1, requests: count, requestsPerSecond: Double(count), p50: 1e6, p99: 1e6,
                        errors: 0, unsuccessful: 0
                    )
                }
            )
            result.measuringStartedAt = startedAt
            return result
        }
        let merged = LoadMerge.merge([try result(startedAt: 1000, requests: [10, 10, 10]), try result(startedAt: 1002, requests: [5, 5, 5])])
        #expect(merged.timeline.map(\.requests) == [10, 10, 15, 5, 5])
        #expect(merged.timeline.map(\.requestsPerSecond) == [10, 10, 15, 5, 5])
        #expect(merged.elapsedSeconds == 5)
    }
}
