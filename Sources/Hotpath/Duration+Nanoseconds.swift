extension Duration {
    /// The whole duration in nanoseconds, as a `Double` (exact up to about 104 days).
    public var nanosecondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    /// A duration of `ns` nanoseconds, rounded to the nearest nanosecond.
    ///
    /// Non-finite input gives `.zero`; values beyond what `Duration` can hold as whole
    /// nanoseconds in an `Int64` (about ±292 years) are clamped, so this never traps.
    public static func nanoseconds(fromDouble ns: Double) -> Duration {
        guard ns.isFinite else { return .zero }
        let limit = 9.2e18
        let clamped = Swift.min(Swift.max(ns.rounded(), -limit), limit)
        return .nanoseconds(Int64(clamped))
    }
}
