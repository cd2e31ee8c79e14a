import Foundation
import Hotpath

/// The `--json` document of a run: versioned, self-describing, and complete enough that
/// `hotpath compare` and plots can be made from it without the run.
///
/// Times are milliseconds (`_ms`) or seconds (`_s`) as the key says; the histogram keeps
/// microsecond buckets so the distribution can be rebuilt exactly.
public struct LoadReport: Sendable, Codable {
    public static let schema = "hotpath-load/1"

    public var schema: String
    public var tool: Tool
    public var startedAt: String
    public var config: Config
    public var stopReason: LoadStopReason
    public var summary: Summary
    public var latency: Latency
    public var uncorrectedLatency: Latency?
    public var statusCodes: [String: UInt64]
    public var errors: LoadErrors
    public var timeline: [TimelinePoint]
    public var warnings: [LoadWarning]
    public var budget: [BudgetLine]
    public var budgetPassed: Bool
    /// The server's CPU during the run, when it runs on this machine and could be read.
    public var server: ServerUsage?
    /// With `--ramp`: every step, and where throughput stopped growing.
    public var ramp: [RampStep]?
    public var plateau: RampPlateau?
    /// Wall-clock time (Unix seconds, fractional) when measuring started; `hotpath merge`
    /// aligns the timelines of runs from several machines by it.
    public var measuringStartedAt: Double?
    /// Per request name, for a run with many URLs (`--urls`).
    public var endpoints: [Endpoint]?
    /// Per arrival-rate stage (`--stages`): target against achieved.
    public var stages: [Stage]?
    /// A merged report: how many runs, and the files they came from.
    public var mergedRuns: Int?
    public var mergedFrom: [String]?
    /// When the server answered nothing while connections failed, and whether it stopped
    /// answering for good (absent when it answered throughout).
    public var outage: LoadOutage?

    public struct Endpoint: Sendable, Codable {
        public var name: String
        public var requests: UInt64
        /// Of `requests`, answered after the window; absent when none.
        public var drained: UInt64?
        public var requestsPerSecond: Double
        public var socketErrors: UInt64
        public var non2xx3xx: UInt64
        public var errorRate: Double
        public var statusCodes: [String: UInt64]
        public var errors: LoadErrors
        public var latency: Latency
        public var uncorrectedLatency: Latency?
        public var budget: [BudgetLine]?
        public var budgetPassed: Bool?
    }

    public struct Stage: Sendable, Codable {
        public var startS: Double
        public var durationS: Double
        public var fromRps: Double
        public var toRps: Double
        /// The mean rate the stage asked for, and what completed in its window.
        public var targetRps: Double
        public var achievedRps: Double
        public var requests: UInt64
        public var errors: LoadErrors
        public var non2xx3xx: UInt64
        public var latency: Latency
    }

    public struct ServerUsage: Sendable, Codable, Equatable {
        public var pid: Int32
        public var name: String
        /// Percent of one core over the run (200 = two cores busy).
        public var cpuPercent: Double
        public var cores: Int

        public init(pid: Int32, name: String, cpuPercent: Double, cores: Int) {
            self.pid = pid
            self.name = name
            self.cpuPercent = cpuPercent
            self.cores = cores
        }
    }

    public struct Tool: Sendable, Codable {
        public var name: String
        public var version: String
    }

    public struct Config: Sendable, Codable {
        public var url: String
        public var method: String
        public var connections: Int
        public var threads: Int
        public var durationS: Double?
        public var requests: Int?
        public var rate: Double?
        public var warmupS: Double
        public var timeoutS: Double
        /// "corrected" (rate mode, from intended send time) or "closed-loop".
        public var latencyMode: String
        /// `http/1.1`, `h2c` or `h2` (absent in reports from before HTTP/2: http/1.1).
        public var httpProtocol: String?
        public var streamsPerConnection: Int?
        /// `--stages` as given.
        public var stages: [LoadStage]?
        /// `--urls`: every line's method and URL, and the order they were picked in.
        public var requestLines: [String]?
        public var order: RequestOrder?
    }

    public struct Summary: Sendable, Codable {
        public var elapsedS: Double
        public var requests: UInt64
        public var bytes: UInt64
        public var requestsPerSecond: Double
        public var bytesPerSecond: Double
        public var socketErrors: UInt64
        public var non2xx3xx: UInt64
        public var errorRate: Double
        /// Of `requests`, those answered after the window (waited for so the slowest count in
        /// the latencies; left out of `requestsPerSecond`). Absent when none.
        public var drained: UInt64?
    }

    public struct Latency: Sendable, Codable {
        public var count: UInt64
        public var avgMs: Double
        public var stdevMs: Double
        public var minMs: Double
        public var maxMs: Double
        public var percentilesMs: [String: Double]
        public var feel: [String: Feel]
        /// HdrHistogram percentile spectrum: (percentile, value) points for plotting.
        public var curve: [CurvePoint]
        public var histogram: LatencyHistogram
    }

    public struct CurvePoint: Sendable, Codable {
        public var percentile: Double
        public var ms: Double
        public var count: UInt64
    }

    public struct TimelinePoint: Sendable, Codable {
        public var second: Double
        public var intervalS: Double
        public var requests: UInt64
        public var rps: Double
        public var p50Ms: Double
        public var p99Ms: Double
        public var errors: UInt64
        /// Of `errors`, the timeouts (absent in reports of earlier versions).
        public var timeouts: UInt64?
        public var non2xx3xx: UInt64
        /// Open model: the rate the schedule asked for in this interval.
        public var targetRps: Double?
        /// The interval's latencies (exact per-second percentiles after a merge).
        public var histogram: CompactLatency?
    }

    public struct BudgetLine: Sendable, Codable {
        public var clause: String
        public var measured: String
        public var passed: Bool
    }

    /// The percentiles the summary prints, in order.
    public static let reportedPercentiles: [(key: String, value: Double)] = [
        ("p50", 50), ("p75", 75), ("p90", 90), ("p95", 95), ("p99", 99), ("p99.9", 99.9), ("p99.99", 99.99),
    ]

    public init(result: LoadResult, verdicts: [BudgetVerdict], startedAt: Date) {
        schema = Self.schema
        tool = Tool(name: "hotpath", version: HotpathVersion.current)
        self.startedAt = ISO8601DateFormatter().string(from: startedAt)
        config = Config(
            url: result.target.description,
            method: result.method,
            connections: result.connections,
            threads: result.threads,
            durationS: result.requestedDuration.map { $0.nanosecondsValue / 1e9 },
            requests: result.requestedRequests,
            rate: result.rate,
            warmupS: result.warmup.nanosecondsValue / 1e9,
            timeoutS: result.timeout.nanosecondsValue / 1e9,
            latencyMode: result.isOpenModel ? "corrected" : "closed-loop",
            httpProtocol: result.protocolName,
            streamsPerConnection: result.streamsPerConnection,
            stages: result.stageSpec.isEmpty ? nil : result.stageSpec,
            requestLines: result.order == nil ? nil : result.requestLines,
            order: result.order
        )
        stopReason = result.stopReason
        summary = Summary(
            elapsedS: result.elapsedSeconds,
            requests: result.completed,
            bytes: result.bytesRead,
            requestsPerSecond: result.requestsPerSecond,
            bytesPerSecond: result.bytesPerSecond,
            socketErrors: result.errors.total,
            non2xx3xx: result.statusCounts.unsuccessful,
            errorRate: result.errorRate,
            drained: result.drained > 0 ? result.drained : nil
        )
        latency = Self.latency(result.latency)
        uncorrectedLatency = result.uncorrectedLatency.map(Self.latency)
        statusCodes = Self.statusCodes(result.statusCounts)
        errors = result.errors
        timeline = result.timeline.map {
            TimelinePoint(
                second: $0.second, intervalS: $0.interval, requests: $0.requests, rps: $0.requestsPerSecond,
                p50Ms: $0.p50 / 1e6, p99Ms: $0.p99 / 1e6, errors: $0.errors, timeouts: $0.timeouts, non2xx3xx: $0.unsuccessful,
                targetRps: $0.targetRequestsPerSecond, histogram: $0.latency
            )
        }
        warnings = result.warnings
        outage = result.outage
        budget = Self.lines(verdicts)
        measuringStartedAt = result.measuringStartedAt
        var passed = verdicts.allSatisfy(\.passed)
        if !result.endpoints.isEmpty {
            endpoints = result.endpoints.map { endpoint in
                let endpointVerdicts = endpoint.budget?.evaluate(endpoint.budgetMeasurement(elapsedSeconds: result.elapsedSeconds))
                if let endpointVerdicts, !endpointVerdicts.allSatisfy(\.passed) { passed = false }
                return Endpoint(
                    name: endpoint.name,
                    requests: endpoint.completed,
                    drained: endpoint.drained > 0 ? endpoint.drained : nil,
                    requestsPerSecond: endpoint.requestsPerSecond(elapsedSeconds: result.elapsedSeconds),
                    socketErrors: endpoint.errors.total,
                    non2xx3xx: endpoint.statusCounts.unsuccessful,
                    errorRate: Double(endpoint.failed) / Double(max(endpoint.completed &+ endpoint.errors.total, 1)),
                    statusCodes: Self.statusCodes(endpoint.statusCounts),
                    errors: endpoint.errors,
                    latency: Self.latency(endpoint.latency),
                    uncorrectedLatency: endpoint.uncorrectedLatency.map(Self.latency),
                    budget: endpointVerdicts.map(Self.lines),
                    budgetPassed: endpointVerdicts.map { $0.allSatisfy(\.passed) }
                )
            }
        }
        if !result.stages.isEmpty {
            stages = result.stages.map { stage in
                Stage(
                    startS: stage.start, durationS: stage.seconds, fromRps: stage.fromRate, toRps: stage.toRate,
                    targetRps: stage.targetRate, achievedRps: stage.achievedRate, requests: stage.completed,
                    errors: stage.errors, non2xx3xx: stage.unsuccessful, latency: Self.latency(stage.latency)
                )
            }
        }
        if result.mergedRuns > 1 { mergedRuns = result.mergedRuns }
        budgetPassed = passed
    }

    static func statusCodes(_ counts: StatusCounts) -> [String: UInt64] {
        Dictionary(uniqueKeysWithValues: counts.byStatus.map { (String($0.status), $0.count) })
    }

    static func lines(_ verdicts: [BudgetVerdict]) -> [BudgetLine] {
        verdicts.map { BudgetLine(clause: $0.clause.description, measured: $0.measuredText, passed: $0.passed) }
    }

    static func latency(_ histogram: LatencyHistogram) -> Latency {
        var percentiles: [String: Double] = [:]
        for (key, value) in reportedPercentiles { percentiles[key] = histogram.percentile(value) / 1e6 }
        var feel: [String: Feel] = [:]
        for key in ["p50", "p95", "p99"] { feel[key] = Feel(nanoseconds: (percentiles[key] ?? 0) * 1e6) }
        return Latency(
            count: histogram.count,
            avgMs: histogram.mean / 1e6,
            stdevMs: histogram.standardDeviation / 1e6,
            minMs: histogram.min / 1e6,
            maxMs: histogram.max / 1e6,
            percentilesMs: percentiles,
            feel: feel,
            curve: histogram.percentileCurve().map { CurvePoint(percentile: $0.percentile, ms: $0.nanoseconds / 1e6, count: $0.totalCount) },
            histogram: histogram
        )
    }

    /// Pretty, key-sorted JSON.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> LoadReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(LoadReport.self, from: data)
    }
}
