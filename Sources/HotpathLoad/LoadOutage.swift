import Hotpath

/// When the server was not answering during a run: seconds of the timeline in which no
/// response arrived while connections kept failing (refused, reset, closed). Timeouts alone are
/// a slow server's, not a gone one's: they count as errors, not as an outage.
///
/// A run whose server dies keeps "succeeding" on paper: the attempts that fail are few (each
/// connection backs off), so `errors<1%` passes and the throughput of the seconds before the
/// death can pass `rps>…`. This is what tells the truth instead: how long the server was
/// unreachable, and whether it stopped answering for good.
///
/// ```swift
/// if let stop = result.outage?.stoppedAt {
///     print("the server stopped answering at \(stop) s of \(result.elapsedSeconds) s")
/// }
/// ```
public struct LoadOutage: Sendable, Equatable, Codable {
    /// Seconds of the measured window in which nothing was answered and connections failed.
    public var unreachableSeconds: Double
    /// When the server stopped answering for the rest of the run (seconds since measuring
    /// started), if it did: the end of the last interval that had a response, or 0.
    public var stoppedAt: Double?

    public init(unreachableSeconds: Double, stoppedAt: Double?) {
        self.unreachableSeconds = unreachableSeconds
        self.stoppedAt = stoppedAt
    }

    /// The outage in a timeline, or nil when every interval either had an answer or had no
    /// failure (a slow server that answers nothing for a second is slow, not down).
    ///
    /// It stopped answering for good when the silent, failing stretch at the end lasts at least
    /// a second and at least three of the run's typical gaps between answers (a run at 1 req/s
    /// goes a second without answers by design).
    public static func find(in timeline: [LoadTimelinePoint], elapsedSeconds: Double, stoppedEarly: Bool) -> LoadOutage? {
        var unreachable = 0.0
        for point in timeline where point.requests == 0 && point.connectionFailures > 0 {
            unreachable += point.interval
        }
        guard unreachable > 0 || stoppedEarly else { return nil }
        var trailingStart = elapsedSeconds
        var trailingErrors: UInt64 = 0
        for point in timeline.reversed() {
            if point.requests > 0 { break }
            trailingStart = point.second - point.interval
            trailingErrors &+= point.connectionFailures
        }
        let answered = timeline.reduce(UInt64(0)) { $0 &+ $1.requests }
        let answeringSeconds = max(trailingStart, 0)
        let typicalGap = answered > 0 ? answeringSeconds / Double(answered) : elapsedSeconds
        let silence = elapsedSeconds - max(trailingStart, 0)
        let stopped = (stoppedEarly || (trailingErrors > 0 && silence >= max(1, 3 * typicalGap))) ? max(trailingStart, 0) : nil
        return LoadOutage(unreachableSeconds: min(unreachable, elapsedSeconds), stoppedAt: stopped)
    }

    /// Share of the measured window in which the server was unreachable: 0...1.
    public func unreachableShare(ofSeconds seconds: Double) -> Double {
        seconds > 0 ? min(1, unreachableSeconds / seconds) : 0
    }
}

extension LoadTimelinePoint {
    /// Socket errors other than timeouts: refused, reset, closed while reading or writing.
    var connectionFailures: UInt64 { errors &- Swift.min(timeouts, errors) }
}
