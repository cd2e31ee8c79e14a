import Foundation

/// One step of a connection ramp: the same load at a given number of connections.
public struct RampStep: Sendable, Codable, Equatable {
    public var connections: Int
    public var requestsPerSecond: Double
    public var p50Ms: Double
    public var p99Ms: Double
    /// The server's CPU during the step, percent of one core; nil when it could not be read.
    public var serverCPUPercent: Double?

    /// `serverCPUPercent` is spelled `serverCpuPercent` so the snake_case strategies round-trip
    /// it (`server_cpu_percent`).
    enum CodingKeys: String, CodingKey {
        case connections, requestsPerSecond, p50Ms, p99Ms
        case serverCPUPercent = "serverCpuPercent"
    }

    public init(connections: Int, requestsPerSecond: Double, p50Ms: Double, p99Ms: Double, serverCPUPercent: Double?) {
        self.connections = connections
        self.requestsPerSecond = requestsPerSecond
        self.p50Ms = p50Ms
        self.p99Ms = p99Ms
        self.serverCPUPercent = serverCPUPercent
    }
}

/// Where throughput stops growing with more connections, and what the server's CPU says
/// about why (the method's symptom of blocking work: throughput collapses while CPU stays low).
public struct RampPlateau: Sendable, Codable, Equatable {
    public enum Cause: String, Sendable, Codable {
        /// The CPU stayed low: requests wait on something else.
        case waiting = "waiting"
        /// The CPU is used up.
        case cpuBound = "cpu-bound"
        /// The server's CPU could not be read.
        case unknown
    }

    /// The step from which more connections stopped adding throughput.
    public var connections: Int
    public var requestsPerSecond: Double
    public var serverCPUPercent: Double?
    public var cause: Cause
    public var message: String

    enum CodingKeys: String, CodingKey {
        case connections, requestsPerSecond, cause, message
        case serverCPUPercent = "serverCpuPercent"
    }

    /// A plateau: doubling connections (or more) adds under `minimumGain` (10 %) throughput per
    /// doubling while p99 grows (a ×4 step that adds 11 % gained 5 % per doubling: a plateau,
    /// which the noise of a busy machine would otherwise hide behind one number). Low CPU: under
    /// `lowCPUShare` (50 %) of the machine's cores.
    public static func find(in steps: [RampStep], cores: Int, minimumGain: Double = 0.10, lowCPUShare: Double = 0.5) -> RampPlateau? {
        let ordered = steps.sorted { $0.connections < $1.connections }
        guard ordered.count >= 2 else { return nil }
        for index in 1..<ordered.count {
            let before = ordered[index - 1]
            let after = ordered[index]
            guard after.connections >= before.connections * 2, before.requestsPerSecond > 0 else { continue }
            let doublings = log2(Double(after.connections) / Double(before.connections))
            let gainPerDoubling = pow(after.requestsPerSecond / before.requestsPerSecond, 1 / doublings) - 1
            guard gainPerDoubling < minimumGain, after.p99Ms > before.p99Ms else { continue }
            let cpu = max(before.serverCPUPercent ?? -1, after.serverCPUPercent ?? -1)
            let capacity = Double(max(cores, 1)) * 100
            let rps = Int(before.requestsPerSecond.rounded())
            let cause: Cause
            let message: String
            if cpu < 0 {
                cause = .unknown
                message = "Throughput stopped growing at \(before.connections) connections (\(rps) req/s): more connections only add latency. The server's CPU could not be read (give --server-pid for a local server) to tell waiting from computing."
            } else if cpu < capacity * lowCPUShare {
                cause = .waiting
                message = "Throughput stopped growing at \(before.connections) connections (\(rps) req/s) while the server used \(Int(cpu.rounded()))% CPU (of \(Int(capacity))%): requests wait on something other than the CPU — blocking calls in async code (synchronous sleeps, file or socket I/O on the cooperative pool or an event loop), a lock, or a small pool of database connections or threads. Hotpath's watchdog names the blocking call."
            } else {
                cause = .cpuBound
                message = "Throughput stopped growing at \(before.connections) connections (\(rps) req/s) with the server at \(Int(cpu.rounded()))% CPU (of \(Int(capacity))%): it is CPU-bound. Profile a request (?profile=1) for the hot path; if one core is full while others idle, give the server more event-loop threads."
            }
            return RampPlateau(
                connections: before.connections, requestsPerSecond: before.requestsPerSecond,
                serverCPUPercent: cpu < 0 ? nil : cpu, cause: cause, message: message
            )
        }
        return nil
    }
}
