extension Int {
    /// `value` toward zero, clamped to `Int`'s range, NaN as 0: for a figure that came from a
    /// file or a server (a diagnosis, a report) and may hold anything, where `Int(_:)` traps.
    ///
    /// ```swift
    /// Int(saturating: 1e300)   // Int.max
    /// ```
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 9.223_372_036_854_775e18 {
            self = .max
        } else if value <= -9.223_372_036_854_775e18 {
            self = .min
        } else {
            self = Int(value)
        }
    }
}

extension Int64 {
    /// As ``Swift/Int/init(saturating:)``, for `Int64`.
    public init(saturating value: Double) {
        self = Int64(Int(saturating: value))
    }
}
