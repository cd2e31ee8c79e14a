import Foundation
import HotpathLoad
import HotpathTestSupport
import Testing

@Suite("Ramp plateau and server CPU")
struct RampAnalysisTests {
    static func step(_ connections: Int, _ rps: Double, _ p99: Double, cpu: Double?) -> RampStep {
        RampStep(connections: connections, requestsPerSecond: rps, p50Ms: p99 / 2, p99Ms: p99, serverCPUPercent: cpu)
    }

    @Test func flatThroughputWithLowCPUIsWaiting() throws {
        let plateau = try #require(RampPlateau.find(in: [
            Self.step(1, 48, 22, cpu: 3), Self.step(4, 50, 85, cpu: 4), Self.step(16, 50, 330, cpu: 4),
        ], cores: 2))
        #expect(plateau.cause == .waiting)
        #expect(plateau.connections == 1)
        #expect(plateau.message.contains("blocking calls in async code"))
    }

    @Test func flatThroughputWithFullCPUIsCPUBound() throws {
        let plateau = try #require(RampPlateau.find(in: [
            Self.step(1, 9_000, 0.3, cpu: 95), Self.step(4, 18_000, 0.5, cpu: 190), Self.step(16, 18_500, 2.0, cpu: 198),
        ], cores: 2))
        #expect(plateau.cause == .cpuBound)
        #expect(plateau.connections == 4)
    }

    @Test func growingThroughputIsNoPlateau() {
        #expect(RampPlateau.find(in: [
            Self.step(1, 45, 22, cpu: 2), Self.step(4, 180, 23, cpu: 5), Self.step(16, 700, 25, cpu: 12),
        ], cores: 2) == nil)
        #expect(RampPlateau.find(in: [Self.step(4, 100, 10, cpu: 1)], cores: 2) == nil, "one step says nothing")
    }

    /// Gain is judged per doubling of connections: ×4 connections for 11 % more (5 % per
    /// doubling) is a plateau; for 25 % more (12 % per doubling) it is not.
    @Test func aLongStepIsJudgedPerDoubling() throws {
        let flat = try #require(RampPlateau.find(in: [
            Self.step(1, 12.5, 135, cpu: 1), Self.step(4, 16.0, 320, cpu: 1), Self.step(16, 17.7, 1_700, cpu: 1),
        ], cores: 2))
        #expect(flat.connections == 4 && flat.cause == .waiting)
        #expect(RampPlateau.find(in: [Self.step(4, 100, 20, cpu: 1), Self.step(16, 125, 60, cpu: 1)], cores: 2) == nil)
        #expect(RampPlateau.find(in: [Self.step(4, 100, 20, cpu: 1), Self.step(8, 109, 60, cpu: 1)], cores: 2) != nil)
        #expect(RampPlateau.find(in: [Self.step(4, 100, 20, cpu: 1), Self.step(8, 111, 60, cpu: 1)], cores: 2) == nil)
    }

    @Test func unknownCPUStillReportsThePlateau() throws {
        let plateau = try #require(RampPlateau.find(in: [Self.step(2, 50, 40, cpu: nil), Self.step(8, 51, 160, cpu: nil)], cores: 2))
        #expect(plateau.cause == .unknown)
    }

    /// The test's own HTTP server listens in this process: found by its port, and its CPU
    /// time grows when this process computes.
    @Test func findsTheLocalServerByPortAndReadsItsCPU() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let port = try #require(Int(server.url.split(separator: ":").last ?? ""))
        let process = try #require(ServerProcess.listening(onPort: port))
        #expect(process.pid == ProcessInfo.processInfo.processIdentifier)
        let before = try #require(process.cpuSeconds())
        var value: UInt64 = 1
        // Compute until 0.1 s of CPU shows (or 5 s pass): a machine busy with other suites'
        // servers gives this process only a share of a core.
        var after = before
        let deadline = Date().addingTimeInterval(5)
        while after - before < 0.1, Date() < deadline {
            for _ in 0..<100_000 { value = value &* 6_364_136_223_846_793_005 &+ 1 }
            after = try #require(process.cpuSeconds())
        }
        #expect(after - before >= 0.1, "cpu \(before) → \(after) (\(value))")
        #expect(ServerProcess.listening(onPort: 1) == nil)
    }
}
