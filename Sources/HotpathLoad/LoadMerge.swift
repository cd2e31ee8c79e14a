import Foundation
import Hotpath

/// `hotpath merge`: runs of one test from several generators, combined exactly.
///
/// Counts, status codes and errors add up; histograms merge bucket by bucket, so merged
/// percentiles are those of all requests together (never an average of percentiles);
/// timelines are laid on one wall clock (each run's `measuring_started_at`) in 1-second
/// buckets. Runs of different tests (another URL, method, protocol, latency model, stages
/// or duration) are refused: their sum would describe no test.
///
/// ```swift
/// let merged = try LoadMerge.merge([("a.json", a), ("b.json", b)])
/// print(merged.completed, merged.latency.percentile(99))
/// ```
public enum LoadMerge {
    /// The merged run. Throws a one-line error naming the file that does not fit.
    public static func merge(_ runs: [(name: String, report: LoadReport)]) throws(HotpathInputError) -> LoadResult {
        guard let first = runs.first else { throw HotpathInputError("give the JSON reports of the runs to merge: hotpath merge a.json b.json") }
        let identity = TestIdentity(first.report)
        for run in runs.dropFirst() {
            if let difference = identity.difference(TestIdentity(run.report)) {
                throw HotpathInputError("\(run.name) is not the same test as \(first.name): \(difference); merge only runs of one test")
            }
        }
        var results: [LoadResult] = []
        for run in runs {
            do {
                results.append(try LoadResult(report: run.report))
            } catch {
                throw HotpathInputError("\(run.name): \(error.message)")
            }
        }
        return merge(results)
    }

    /// The longest run a report may describe: about 115 days.
    static let longestRunSeconds = 1e7

    /// Sums results already known to be of one test.
    static func merge(_ results: [LoadResult]) -> LoadResult {
        var merged = results[0]
        let starts = results.compactMap(\.measuringStartedAt)
        let origin = starts.count == results.count ? starts.min() : nil
        for result in results.dropFirst() {
            merged.connections += result.connections
            merged.threads += result.threads
            merged.rate = merged.rate.flatMap { total in result.rate.map { total + $0 } }
            merged.completed &+= result.completed
            merged.drained &+= result.drained
            merged.bytesRead &+= result.bytesRead
            merged.latency.merge(result.latency)
            if var uncorrected = merged.uncorrectedLatency, let other = result.uncorrectedLatency {
                uncorrected.merge(other)
                merged.uncorrectedLatency = uncorrected
            }
            merged.statusCounts.add(result.statusCounts)
            merged.errors.add(result.errors)
            if result.stopReason == .interrupted || result.stopReason == .serverStopped { merged.stopReason = result.stopReason }
            merged.endpoints = mergeEndpoints(merged.endpoints, result.endpoints)
            for index in merged.stages.indices where index < result.stages.count {
                let other = result.stages[index]
                merged.stages[index].fromRate += other.fromRate
                merged.stages[index].toRate += other.toRate
                merged.stages[index].completed &+= other.completed
                merged.stages[index].unsuccessful &+= other.unsuccessful
                merged.stages[index].errors.add(other.errors)
                merged.stages[index].latency.merge(other.latency)
            }
        }
        if let origin {
            // From the first start to the last end: the window in which the server saw the load.
            let end = results.map { ($0.measuringStartedAt ?? origin) + $0.elapsedSeconds }.max() ?? origin
            merged.elapsed = .nanoseconds(Int64((end - origin) * 1e9))
            merged.measuringStartedAt = origin
            merged.timeline = mergeTimelines(results, origin: origin)
        } else {
            merged.elapsed = results.map(\.elapsed).max() ?? merged.elapsed
            merged.timeline = []
        }
        merged.mergedRuns = results.reduce(0) { $0 + $1.mergedRuns }
        return merged
    }

    private static func mergeEndpoints(_ left: [LoadEndpointResult], _ right: [LoadEndpointResult]) -> [LoadEndpointResult] {
        var merged = left
        for endpoint in right {
            if let index = merged.firstIndex(where: { $0.name == endpoint.name }) {
                merged[index].completed &+= endpoint.completed
                merged[index].drained &+= endpoint.drained
                merged[index].latency.merge(endpoint.latency)
                if var uncorrected = merged[index].uncorrectedLatency, let other = endpoint.uncorrectedLatency {
                    uncorrected.merge(other)
                    merged[index].uncorrectedLatency = uncorrected
                }
                merged[index].statusCounts.add(endpoint.statusCounts)
                merged[index].errors.add(endpoint.errors)
            } else {
                merged.append(endpoint)
            }
        }
        return merged
    }

    /// 1-second buckets of the shared wall clock; each run's point goes to the bucket holding
    /// its middle. Rates add up run by run; percentiles come from the merged histograms.
    static func mergeTimelines(_ results: [LoadResult], origin: Double) -> [LoadTimelinePoint] {
        struct Bucket {
            var requests: UInt64 = 0
            var errors: UInt64 = 0
            var timeouts: UInt64 = 0
            var unsuccessful: UInt64 = 0
            var rate = 0.0
            var target: Double?
            /// Kept compact until the end: a full histogram per second would not fit a long run.
            var parts: [CompactLatency] = []
            var interval = 0.0
            var p50 = 0.0
            var p99 = 0.0
        }
        var buckets: [Int: Bucket] = [:]
        for result in results {
            let start = result.measuringStartedAt ?? origin
            // Per run first: a run with two short points in one bucket must not count its rate twice.
            var perRun: [Int: (requests: UInt64, seconds: Double, target: Double?)] = [:]
            for point in result.timeline {
                let middle = start + point.second - point.interval / 2 - origin
                let key = max(Int(middle.rounded(.down)), 0)
                var bucket = buckets[key] ?? Bucket()
                bucket.requests &+= point.requests
                bucket.errors &+= point.errors
                bucket.timeouts &+= point.timeouts
                bucket.unsuccessful &+= point.unsuccessful
                bucket.interval = max(bucket.interval, point.interval)
                if let histogram = point.latency {
                    bucket.parts.append(histogram)
                } else {
                    // Reports without per-second histograms: the worst of the runs, not an exact figure.
                    bucket.p50 = max(bucket.p50, point.p50)
                    bucket.p99 = max(bucket.p99, point.p99)
                }
                buckets[key] = bucket
                var run = perRun[key] ?? (0, 0, nil)
                run.requests &+= point.requests
                run.seconds += point.interval
                if let target = point.targetRequestsPerSecond { run.target = (run.target ?? 0) + target * point.interval }
                perRun[key] = run
            }
            for (key, run) in perRun {
                guard var bucket = buckets[key] else { continue }
                bucket.rate += Double(run.requests) / max(run.seconds, 1e-9)
                if let target = run.target { bucket.target = (bucket.target ?? 0) + target / max(run.seconds, 1e-9) }
                buckets[key] = bucket
            }
        }
        return buckets.keys.sorted().compactMap { key in
            guard let bucket = buckets[key] else { return nil }
            var merged: LatencyHistogram?
            for part in bucket.parts {
                if merged == nil { merged = part.histogram } else { merged?.merge(part.histogram) }
            }
            return LoadTimelinePoint(
                second: Double(key + 1),
                interval: min(bucket.interval, 1),
                requests: bucket.requests,
                requestsPerSecond: bucket.rate,
                p50: merged?.percentile(50) ?? bucket.p50,
                p99: merged?.percentile(99) ?? bucket.p99,
                errors: bucket.errors,
                unsuccessful: bucket.unsuccessful,
                targetRequestsPerSecond: bucket.target,
                latency: merged.map(CompactLatency.init),
                timeouts: bucket.timeouts
            )
        }
    }
}

/// What makes two runs the same test.
struct TestIdentity: Equatable {
    var requests: [String]
    var method: String
    var httpProtocol: String
    var latencyMode: String
    var stages: [LoadStage]
    var durationS: Double?

    init(_ report: LoadReport) {
        requests = report.config.requestLines ?? [report.config.url]
        method = report.config.method
        httpProtocol = report.config.httpProtocol ?? "http/1.1"
        latencyMode = report.config.latencyMode
        stages = report.config.stages ?? []
        durationS = report.config.durationS
    }

    /// The first thing that differs, in words; nil when the same.
    func difference(_ other: TestIdentity) -> String? {
        if requests != other.requests {
            if requests.count == 1, other.requests.count == 1 { return "URL \(requests[0]) vs \(other.requests[0])" }
            return "a different request list (\(requests.count) vs \(other.requests.count) lines)"
        }
        if method != other.method { return "method \(method) vs \(other.method)" }
        if httpProtocol != other.httpProtocol { return "protocol \(httpProtocol) vs \(other.httpProtocol)" }
        if latencyMode != other.latencyMode { return "latency \(latencyMode) vs \(other.latencyMode)" }
        if stages != other.stages { return "stages \(LoadStage.text(stages)) vs \(LoadStage.text(other.stages))" }
        if durationS != other.durationS {
            let text = { (value: Double?) in value.map { DurationText.formatCompact(nanoseconds: $0 * 1e9) } ?? "none" }
            return "duration \(text(durationS)) vs \(text(other.durationS))"
        }
        return nil
    }
}

extension LoadResult {
    /// The run a `--json` report describes, rebuilt from its exact histograms and counts.
    public init(report: LoadReport) throws(HotpathInputError) {
        guard report.schema == LoadReport.schema else {
            throw HotpathInputError("schema '\(report.schema)' is not \(LoadReport.schema)")
        }
        let config = report.config
        let target = try LoadTarget(parsing: config.url)
        // A report is a file: every figure that becomes a duration, a clock or a count to add
        // is checked to be one a run can have.
        func seconds(_ value: Double, _ key: String) throws(HotpathInputError) -> Duration {
            guard value.isFinite, value >= 0, value <= LoadMerge.longestRunSeconds else {
                throw HotpathInputError("\(key) \(value) is not a run's length (0 to \(Int(LoadMerge.longestRunSeconds)) seconds)")
            }
            return .nanoseconds(Int64(value * 1e9))
        }
        for (value, key) in [(config.connections, "config.connections"), (config.threads, "config.threads")] where !(0...1_000_000).contains(value) {
            throw HotpathInputError("\(key) \(value) is out of range (0 to 1,000,000)")
        }
        if let started = report.measuringStartedAt, !(started.isFinite && started >= 0 && started <= 1e11) {
            throw HotpathInputError("measuring_started_at \(started) is not a Unix time")
        }
        for point in report.timeline {
            _ = try seconds(point.second, "timeline[].second")
            _ = try seconds(point.intervalS, "timeline[].interval_s")
        }
        let requested = try config.durationS.map { value throws(HotpathInputError) in try seconds(value, "config.duration_s") }
        let warmup = try seconds(config.warmupS, "config.warmup_s")
        let timeout = try seconds(config.timeoutS, "config.timeout_s")
        let elapsed = try seconds(report.summary.elapsedS, "summary.elapsed_s")
        var statusCounts: [Int: UInt64] = [:]
        for (code, count) in report.statusCodes { if let status = Int(code) { statusCounts[status] = count } }
        self.init(
            target: target, method: config.method, connections: config.connections, threads: config.threads,
            requestedDuration: requested, requestedRequests: config.requests,
            rate: config.rate, warmup: warmup, timeout: timeout,
            stopReason: report.stopReason, elapsed: elapsed,
            completed: report.summary.requests, bytesRead: report.summary.bytes, latency: report.latency.histogram,
            uncorrectedLatency: report.uncorrectedLatency?.histogram, statusCounts: StatusCounts(statusCounts),
            errors: report.errors,
            timeline: report.timeline.map {
                LoadTimelinePoint(
                    second: $0.second, interval: $0.intervalS, requests: $0.requests, requestsPerSecond: $0.rps,
                    p50: $0.p50Ms * 1e6, p99: $0.p99Ms * 1e6, errors: $0.errors, unsuccessful: $0.non2xx3xx,
                    targetRequestsPerSecond: $0.targetRps, latency: $0.histogram, timeouts: $0.timeouts ?? 0
                )
            }
        )
        protocolName = config.httpProtocol ?? "http/1.1"
        streamsPerConnection = config.streamsPerConnection ?? 1
        stageSpec = config.stages ?? []
        order = config.order
        requestLines = config.requestLines ?? ["\(config.method) \(config.url)"]
        measuringStartedAt = report.measuringStartedAt
        mergedRuns = report.mergedRuns ?? 1
        endpoints = try (report.endpoints ?? []).map { endpoint throws(HotpathInputError) in
            var codes: [Int: UInt64] = [:]
            for (code, count) in endpoint.statusCodes { if let status = Int(code) { codes[status] = count } }
            let clauses = endpoint.budget?.map(\.clause) ?? []
            return LoadEndpointResult(
                name: endpoint.name, completed: endpoint.requests, drained: endpoint.drained ?? 0, latency: endpoint.latency.histogram,
                uncorrectedLatency: endpoint.uncorrectedLatency?.histogram, statusCounts: StatusCounts(codes),
                errors: endpoint.errors, budget: clauses.isEmpty ? nil : try Budget(parsing: clauses.joined(separator: ", "))
            )
        }
        stages = (report.stages ?? []).map { stage in
            LoadStageResult(
                start: stage.startS, seconds: stage.durationS, fromRate: stage.fromRps, toRate: stage.toRps,
                completed: stage.requests, unsuccessful: stage.non2xx3xx, errors: stage.errors, latency: stage.latency.histogram
            )
        }
    }
}
