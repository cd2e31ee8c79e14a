import Foundation
import Hotpath

/// A plain-language observation about a run, from the method's rules of thumb.
public struct LoadWarning: Sendable, Codable, Equatable {
    /// Stable identifier for machines: tail, socket-errors, unsuccessful, rate-not-reached,
    /// closed-loop, few-samples, nothing-completed, interrupted, server-stopped, unreachable, throughput-fell.
    public var kind: String
    public var message: String
}

extension LoadResult {
    /// What a person should notice about this run, most important first.
    public var warnings: [LoadWarning] {
        var warnings: [LoadWarning] = []
        let ms = { (nanoseconds: Double) in DurationText.format(nanoseconds: nanoseconds) }
        switch stopReason {
        case .interrupted:
            warnings.append(.init(kind: "interrupted", message: "interrupted after \(ms(elapsed.nanosecondsValue)): the figures cover only that time"))
        case .serverStopped, .duration, .requestCount:
            break
        }
        let outage = self.outage
        if let outage, let stoppedAt = outage.stoppedAt {
            let early = stopReason == .serverStopped
                ? " The run stopped early (after \(completed &+ errors.total) of \(requestedRequests.map(String.init) ?? "the") requests): nothing answered for \(ms((elapsedSeconds - stoppedAt) * 1e9))."
                : ""
            warnings.append(.init(kind: "server-stopped", message: "the server stopped answering at \(Self.seconds(stoppedAt)) of \(Self.seconds(elapsedSeconds)): every attempt after that failed (connect \(errors.connect), read \(errors.read), reset \(errors.reset), timeout \(errors.timeout)); the figures cover the time it answered.\(early)"))
        } else if let outage {
            warnings.append(.init(kind: "unreachable", message: "the server answered nothing for \(Self.seconds(outage.unreachableSeconds)) of \(Self.seconds(elapsedSeconds)) while connections failed: counted against an error budget as that share of the run (\(Self.percent(outage.unreachableShare(ofSeconds: elapsedSeconds) * 100)))."))
        }
        if completed == 0 {
            warnings.append(.init(kind: "nothing-completed", message: "no request completed: nothing to measure; check the errors below and that the URL answers (curl -i \(target))"))
            return warnings
        }
        if errors.total > 0 {
            let share = Double(errors.total) / Double(max(attempts &+ errors.connect, 1)) * 100
            warnings.append(.init(kind: "socket-errors", message: "\(errors.total) failures at the socket level (\(Self.percent(share)) of attempts: connect \(errors.connect), read \(errors.read), write \(errors.write), timeout \(errors.timeout)). Under load this means the server drops or resets connections (full accept backlog, crashes, too few file descriptors) or answers slower than --timeout \(ms(timeout.nanosecondsValue))."))
        }
        let unsuccessful = statusCounts.unsuccessful
        if unsuccessful > 0 {
            let common = statusCounts.byStatus.filter { !(200..<400).contains($0.status) }.max { $0.count < $1.count }
            let commonText = common.map { " (most: \($0.status) ×\($0.count))" } ?? ""
            warnings.append(.init(kind: "unsuccessful", message: "\(unsuccessful) responses (\(Self.percent(Double(unsuccessful) / Double(completed) * 100))) were not 2xx/3xx\(commonText). A fast error is not a fast success: under load this often means rate limiting, an exhausted pool or a crash."))
        }
        let p50 = latency.percentile(50)
        let p99 = latency.percentile(99)
        if completed >= 100, p99 >= 4 * p50, p99 - p50 >= 10_000_000 {
            warnings.append(.init(kind: "tail", message: "tail latency: p99 \(ms(p99)) is \(Self.ratio(p99 / max(p50, 1)))× the median \(ms(p50)): one request in a hundred is much slower than typical. Look for what only some requests do: a slow query for some inputs, lock or pool contention, a cold cache, a blocked event loop."))
        }
        if let rate, requestsPerSecond < rate * 0.95, stopReason != .interrupted {
            warnings.append(.init(kind: "rate-not-reached", message: "asked for \(Self.number(rate)) req/s, got \(Self.number(requestsPerSecond)): the server (or this machine) could not keep up, so requests queued; the latency above includes that waiting."))
        }
        for (index, stage) in stages.enumerated() where stage.targetRate * stage.seconds >= 20 && stopReason != .interrupted {
            if stage.achievedRate < stage.targetRate * 0.95 {
                warnings.append(.init(kind: "stage-rate-not-reached", message: "stage \(index + 1) asked for \(Self.number(stage.targetRate)) req/s on average, got \(Self.number(stage.achievedRate)): the server (or the connections, -c) could not keep up; its latency includes the waiting."))
            }
        }
        if !isOpenModel, completed >= 100, latency.max >= 20 * max(p99, 1), latency.max >= 50_000_000 {
            warnings.append(.init(kind: "closed-loop", message: "the slowest request took \(ms(latency.max)), far above p99: the server stalled at least once. Closed-loop latency hides how long requests would have waited behind a stall (coordinated omission); measure at a fixed rate with -R to see it."))
        }
        if completed < 100 {
            warnings.append(.init(kind: "few-samples", message: "only \(completed) responses: the high percentiles rest on one or two samples; run longer (-d) or with more requests (-n) for a stable p99."))
        }
        if timeline.count >= 6, outage?.stoppedAt == nil {
            let full = timeline.filter { $0.interval >= 0.5 }
            let third = full.count / 3
            if third >= 2 {
                let first = full.prefix(third).map(\.requestsPerSecond).reduce(0, +) / Double(third)
                let last = full.suffix(third).map(\.requestsPerSecond).reduce(0, +) / Double(third)
                if first > 0, last < first * 0.5 {
                    warnings.append(.init(kind: "throughput-fell", message: "throughput fell from \(Self.number(first)) to \(Self.number(last)) req/s during the run: something accumulates (a leak, a growing table or queue, a filling pool)."))
                }
            }
        }
        return warnings
    }

    static func percent(_ value: Double) -> String {
        value >= 10 ? "\(Int(saturating: value.rounded()))%" : "\(String(format: "%.2f", value))%"
    }

    static func seconds(_ value: Double) -> String {
        "\(String(format: "%.1f", value)) s"
    }

    static func ratio(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    static func number(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f", value) : String(format: "%.1f", value)
    }
}
