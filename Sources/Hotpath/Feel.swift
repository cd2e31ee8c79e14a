/// How a response time feels to a person waiting for it.
///
/// The bands follow the usual human-perception guidance (about 100 ms feels instantaneous,
/// about 1 s keeps the flow of thought, beyond a few seconds people give up), so reports can
/// say what a latency *means*, not only how big it is.
public enum Feel: String, Sendable, Codable, CaseIterable, Comparable {
    /// Under 100 ms.
    case instant
    /// 100 ms up to (not including) 300 ms.
    case snappy
    /// 300 ms up to (not including) 1 s.
    case noticeable
    /// 1 s to 3 s, both included.
    case slow
    /// Over 3 s.
    case broken

    /// The band a latency of `nanoseconds` falls in. NaN counts as ``broken``: an unknown
    /// latency should never be reported as fine.
    public init(nanoseconds: Double) {
        if nanoseconds < 100e6 {
            self = .instant
        } else if nanoseconds < 300e6 {
            self = .snappy
        } else if nanoseconds < 1e9 {
            self = .noticeable
        } else if nanoseconds <= 3e9 {
            self = .slow
        } else {
            self = .broken
        }
    }

    /// The band a latency falls in; see ``init(nanoseconds:)``.
    public init(_ duration: Duration) {
        self.init(nanoseconds: duration.nanosecondsValue)
    }

    /// The latency range of the band, for legends: `< 100ms`, `100-300ms`, `300ms-1s`, `1-3s`, `> 3s`.
    public var range: String {
        switch self {
        case .instant: "< 100ms"
        case .snappy: "100-300ms"
        case .noticeable: "300ms-1s"
        case .slow: "1-3s"
        case .broken: "> 3s"
        }
    }

    /// One short phrase saying what the band means to a user.
    public var meaning: String {
        switch self {
        case .instant: "feels instant"
        case .snappy: "snappy"
        case .noticeable: "noticeable delay"
        case .slow: "slow: users wait"
        case .broken: "broken: users give up"
        }
    }

    /// Ordered from best to worst, so `max()` over requests gives the worst feel.
    public static func < (lhs: Feel, rhs: Feel) -> Bool {
        lhs.rank < rhs.rank
    }

    private var rank: Int {
        switch self {
        case .instant: 0
        case .snappy: 1
        case .noticeable: 2
        case .slow: 3
        case .broken: 4
        }
    }
}
