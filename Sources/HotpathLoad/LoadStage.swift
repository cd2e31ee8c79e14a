import Hotpath

/// One arrival-rate stage of `--stages`: the rate moves linearly from the previous stage's
/// target (0 before the first) to `targetRate` over `seconds`, as k6's ramping-arrival-rate.
///
/// ```swift
/// let stages = try LoadStage.parseList("30s:100,1m:500,30s:0")
/// // ramp 0→100 req/s over 30 s, 100→500 over a minute, back to 0 over 30 s
/// ```
public struct LoadStage: Sendable, Codable, Equatable {
    public var seconds: Double
    public var targetRate: Double

    public init(seconds: Double, targetRate: Double) {
        self.seconds = seconds
        self.targetRate = targetRate
    }

    public static let maximumStages = 50

    /// Parses `DURATION:RATE[,DURATION:RATE]...`; a `0s` stage jumps to its rate at once.
    public static func parseList(_ text: String) throws(HotpathInputError) -> [LoadStage] {
        let hint = "write stages as DURATION:RATE separated by commas, like --stages 30s:100,1m:500,30s:0"
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
        guard !parts.isEmpty, parts.count <= maximumStages else {
            throw HotpathInputError("--stages '\(text)': between 1 and \(maximumStages) stages; \(hint)")
        }
        var stages: [LoadStage] = []
        for part in parts {
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count == 2 else { throw HotpathInputError("bad stage '\(part)' in --stages: \(hint)") }
            let durationText = pieces[0].trimmingSpaces
            var seconds: Double
            if ["0", "0s", "0ms"].contains(durationText) {
                seconds = 0
            } else {
                do {
                    seconds = try DurationText.parse(durationText).nanosecondsValue / 1e9
                } catch {
                    throw HotpathInputError("bad stage '\(part)' in --stages: \(error.message)")
                }
            }
            guard let rate = Double(pieces[1].trimmingSpaces), rate.isFinite, rate >= 0, rate <= 10_000_000 else {
                throw HotpathInputError("bad stage '\(part)' in --stages: the rate '\(pieces[1])' is not a number of requests per second from 0 to 10000000")
            }
            seconds = max(seconds, 0)
            stages.append(LoadStage(seconds: seconds, targetRate: rate))
        }
        guard stages.contains(where: { $0.seconds > 0 }) else {
            throw HotpathInputError("--stages '\(text)' lasts no time; give at least one stage a duration, like 30s:100")
        }
        guard stages.contains(where: { $0.targetRate > 0 }) else {
            throw HotpathInputError("--stages '\(text)' never sends: every target rate is 0")
        }
        return stages
    }

    /// The stages as typed: `30s:100,1m:500`.
    public static func text(_ stages: [LoadStage]) -> String {
        stages.map { stage in
            let duration = stage.seconds == 0 ? "0s" : DurationText.formatCompact(nanoseconds: stage.seconds * 1e9)
            let rate = stage.targetRate == stage.targetRate.rounded() ? String(Int(stage.targetRate)) : String(stage.targetRate)
            return "\(duration):\(rate)"
        }.joined(separator: ",")
    }
}

/// When each request of an open-model run should be sent: the inverse of the cumulative
/// arrival count N(t) of a constant rate (`-R`) or of piecewise-linear stages (`--stages`).
///
/// Arrivals are numbered 0, 1, 2…; connection *j* of *C* sends arrivals *j*, *j*+*C*, *j*+2*C*…,
/// so the whole run follows the curve however the requests are spread over connections.
struct ArrivalSchedule: Sendable {
    struct Segment: Sendable {
        var start: Double
        var length: Double
        var from: Double
        var to: Double
        var arrivalsBefore: Double
        var arrivals: Double { (from + to) / 2 * length }
    }

    let segments: [Segment]
    /// A constant rate with no end (`-R`): the run's duration or `-n` ends it.
    let endlessRate: Double?

    init(rate: Double) {
        segments = []
        endlessRate = rate
    }

    init(stages: [LoadStage]) {
        var segments: [Segment] = []
        var start = 0.0
        var rate = 0.0
        var before = 0.0
        for stage in stages {
            let segment = Segment(start: start, length: stage.seconds, from: rate, to: stage.targetRate, arrivalsBefore: before)
            if stage.seconds > 0 { segments.append(segment) }
            before += segment.arrivals
            start += stage.seconds
            rate = stage.targetRate
        }
        self.segments = segments
        endlessRate = nil
    }

    /// How long the schedule lasts; nil when endless.
    var totalSeconds: Double? {
        endlessRate != nil ? nil : segments.last.map { $0.start + $0.length } ?? 0
    }

    /// N(t): arrivals due by `t` seconds.
    func arrivals(by t: Double) -> Double {
        if let endlessRate { return max(t, 0) * endlessRate }
        guard t > 0 else { return 0 }
        for segment in segments where t < segment.start + segment.length {
            let tau = t - segment.start
            return segment.arrivalsBefore + segment.from * tau + (segment.to - segment.from) / (2 * segment.length) * tau * tau
        }
        return segments.last.map { $0.arrivalsBefore + $0.arrivals } ?? 0
    }

    /// The target rate at `t` seconds.
    func rate(at t: Double) -> Double {
        if let endlessRate { return endlessRate }
        for segment in segments where t < segment.start + segment.length && t >= segment.start {
            return segment.from + (segment.to - segment.from) * (t - segment.start) / segment.length
        }
        return 0
    }

    /// Seconds from the start at which arrival `k` is due; nil when the schedule ends first.
    func time(ofArrival k: UInt64) -> Double? {
        let a = Double(k)
        if let endlessRate { return a / endlessRate }
        for segment in segments where a < segment.arrivalsBefore + segment.arrivals {
            let within = a - segment.arrivalsBefore
            if within <= 0 { return segment.start }
            let slope = (segment.to - segment.from) / segment.length
            // τ solving from·τ + slope/2·τ² = within; this form is exact for slope 0 and stable
            // for either sign.
            let root = max(segment.from * segment.from + 2 * slope * within, 0).squareRoot()
            let tau = 2 * within / (segment.from + root)
            return segment.start + min(tau, segment.length)
        }
        return nil
    }
}
