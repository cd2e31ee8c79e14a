import Foundation
import HotpathLoad
import HotpathTestSupport
import Testing

/// Three generators against one server, merged: in three network namespaces of their own
/// (veth pairs on a bridge in a fourth namespace that holds the server) when this machine lets
/// the tests make namespaces (root and `ip`), else three processes on loopback. The merged
/// count must equal the server's own count, and the merged percentiles those of all requests.
@Suite("Distributed runs merged", .serialized)
struct DistributedRunTests {
    /// HTTP/1.1 keep-alive server (asyncio): `/delay/{ms}` sleeps, every answer is counted and
    /// the count written to a file ten times a second.
    static let script = """
    import asyncio, sys
    count = 0
    async def handle(reader, writer):
        global count
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                parts = line.split()
                path = parts[1].decode() if len(parts) > 1 else "/"
                length = 0
                while True:
                    header = await reader.readline()
                    if header in (b"\\r\\n", b"\\n", b""):
                        break
                    if header.lower().startswith(b"content-length:"):
                        length = int(header.split(b":")[1])
                if length:
                    await reader.readexactly(length)
                if path.startswith("/delay/"):
                    await asyncio.sleep(int(path.split("/")[2]) / 1000)
                count += 1
                writer.write(b"HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\nContent-Type: text/plain\\r\\n\\r\\nhello")
                await writer.drain()
        except Exception:
            pass
        finally:
            writer.close()
    async def report(path):
        while True:
            with open(path + ".tmp", "w") as f:
                f.write(str(count))
            import os
            os.replace(path + ".tmp", path)
            await asyncio.sleep(0.1)
    async def main():
        server = await asyncio.start_server(handle, sys.argv[1], int(sys.argv[2]), backlog=512)
        asyncio.ensure_future(report(sys.argv[3]))
        async with server:
            await server.serve_forever()
    asyncio.run(main())
    """

    /// Namespaces and links made for one test, removed again by `tearDown`.
    struct Network {
        var server: String
        var generators: [String]
        var serverAddress: String

        static func make() -> (Network?, reason: String) {
            guard getuid() == 0 else { return (nil, "not root: network namespaces need CAP_SYS_ADMIN") }
            guard let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                return (nil, "no ip command (iproute2)")
            }
            let tag = String(getpid() % 100_000)
            let network = Network(server: "hps\(tag)", generators: (1...3).map { "hpg\($0)-\(tag)" }, serverAddress: "10.213.0.1")
            var commands: [[String]] = [
                ["netns", "add", network.server],
                ["-n", network.server, "link", "set", "lo", "up"],
                ["-n", network.server, "link", "add", "br0", "type", "bridge"],
                ["-n", network.server, "addr", "add", "10.213.0.1/24", "dev", "br0"],
                ["-n", network.server, "link", "set", "br0", "up"],
            ]
            for (index, generator) in network.generators.enumerated() {
                let outside = "hpv\(index + 1)g\(tag)"
                let inside = "hpv\(index + 1)s\(tag)"
                commands += [
                    ["netns", "add", generator],
                    ["-n", generator, "link", "set", "lo", "up"],
                    ["link", "add", outside, "type", "veth", "peer", "name", inside],
                    ["link", "set", outside, "netns", generator],
                    ["link", "set", inside, "netns", network.server],
                    ["-n", network.server, "link", "set", inside, "master", "br0"],
                    ["-n", network.server, "link", "set", inside, "up"],
                    ["-n", generator, "addr", "add", "10.213.0.\(index + 2)/24", "dev", outside],
                    ["-n", generator, "link", "set", outside, "up"],
                ]
            }
            for command in commands {
                let status = (try? CLIRunner.runProcess(ip, command, timeout: 10))?.status ?? -1
                if status != 0 {
                    network.tearDown()
                    return (nil, "'ip \(command.joined(separator: " "))' failed (exit \(status))")
                }
            }
            return (network, "")
        }

        func tearDown() {
            for name in [server] + generators {
                _ = try? CLIRunner.runProcess("/usr/bin/env", ["ip", "netns", "del", name], timeout: 10)
            }
        }

        /// `command` run inside namespace `name`.
        func inside(_ name: String, _ command: [String]) -> (String, [String]) {
            ("/usr/bin/env", ["ip", "netns", "exec", name] + command)
        }
    }

    /// Heavy (four processes loading both cores for seconds): takes turns with the other heavy tests.
    @Test func threeGeneratorsMergeToTheServersCount() async throws {
        try await HeavyTests.oneAtATime { try await Self.threeGenerators() }
    }

    static func threeGenerators() async throws {
        let (network, reason) = Network.make()
        defer { network?.tearDown() }
        if let network {
            print("distributed run: server in namespace \(network.server), generators in \(network.generators.joined(separator: ", "))")
        } else {
            print("distributed run on loopback, not in namespaces: \(reason)")
        }
        let port = network == nil ? try FreePorts.take(1)[0] : 18_213
        let host = network?.serverAddress ?? "127.0.0.1"
        let countFile = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-count-\(UUID().uuidString)").path
        let python = Process()
        var serverCommand = ["python3", "-c", script, network == nil ? "127.0.0.1" : "0.0.0.0", String(port), countFile]
        if let network { serverCommand = ["ip", "netns", "exec", network.server] + serverCommand }
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = serverCommand
        python.standardOutput = FileHandle.nullDevice
        python.standardError = FileHandle.nullDevice
        try python.run()
        defer {
            kill(python.processIdentifier, SIGKILL)
            python.waitUntilExit()
            try? FileManager.default.removeItem(atPath: countFile)
        }
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: countFile) { try await Task.sleep(for: .milliseconds(25)) }
        #expect(FileManager.default.fileExists(atPath: countFile), "the server did not start")

        let url = "http://\(host):\(port)/delay/5"
        let reports = (1...3).map { FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-gen\($0)-\(UUID().uuidString).json").path }
        defer { for path in reports { try? FileManager.default.removeItem(atPath: path) } }
        let counts = [300, 400, 500]
        try await withThrowingTaskGroup(of: CLIRunner.Outcome.self) { group in
            for index in 0..<3 {
                var command = [CLIRunner.binary.path, "load", url, "-n", String(counts[index]), "-c", "4", "--json", reports[index], "--no-progress"]
                if let network { command = ["ip", "netns", "exec", network.generators[index]] + command }
                group.addTask { try await CLIRunner.runProcessOffPool("/usr/bin/env", command, timeout: 60) }
            }
            for try await outcome in group { #expect(outcome.status == 0, "\(outcome.stderr)") }
        }
        try await Task.sleep(for: .milliseconds(400))
        let served = Int((try? String(contentsOfFile: countFile, encoding: .utf8)) ?? "") ?? -1

        let merged = try temporaryFile("merged.json")
        defer { try? FileManager.default.removeItem(atPath: merged) }
        let outcome = try CLIRunner.run(["merge"] + reports + ["--json", merged])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Merged: 3 runs"), "\(outcome.stdout)")
        let inputs = try reports.map { try LoadReport.decode(Data(contentsOf: URL(fileURLWithPath: $0))) }
        let report = try LoadReport.decode(Data(contentsOf: URL(fileURLWithPath: merged)))
        #expect(inputs.map(\.summary.requests) == [300, 400, 500])
        #expect(report.summary.requests == 1200)
        #expect(served == 1200, "the server counted \(served)")
        #expect(report.statusCodes["200"] == 1200)
        #expect(report.latency.count == 1200)
        #expect(report.mergedRuns == 3)
        #expect(report.mergedFrom == reports)
        // Percentiles of all requests together: never below the server's 5 ms, within the runs'
        // own range, and the maximum is the largest of the three.
        let p50s = inputs.compactMap { $0.latency.percentilesMs["p50"] }
        let p99s = inputs.compactMap { $0.latency.percentilesMs["p99"] }
        let mergedP50 = try #require(report.latency.percentilesMs["p50"])
        let mergedP99 = try #require(report.latency.percentilesMs["p99"])
        #expect(mergedP50 >= 5)
        #expect(mergedP50 >= (p50s.min() ?? 0) && mergedP50 <= (p50s.max() ?? 0))
        #expect(mergedP99 >= (p99s.min() ?? 0) && mergedP99 <= (p99s.max() ?? 0))
        #expect(report.latency.maxMs == inputs.map(\.latency.maxMs).max())
        #expect(report.timeline.reduce(0) { $0 + $1.requests } == 1200)
    }

    static func temporaryFile(_ name: String) throws -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-\(UUID().uuidString)-\(name)").path
    }
}
