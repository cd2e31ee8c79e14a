extension DurationText {
    /// Human form as wrk prints it, with 2 decimals: `635.91us`, `1.23ms`, `1.02s`;
    /// from one minute `2m03s`, from one hour `1h02m`.
    ///
    /// Zero prints as `0us` (latencies are measured in microseconds); a non-zero value under
    /// a microsecond prints in whole nanoseconds (`850ns`) rather than as a misleading
    /// `0.00us`. Uses ASCII `us` so columns line up in any terminal. Negative values get a
    /// leading `-`; non-finite ones print as `n/a`.
    public static func format(nanoseconds: Double) -> String {
        guard nanoseconds.isFinite else { return "n/a" }
        if nanoseconds < 0 { return "-" + format(nanoseconds: -nanoseconds) }
        if nanoseconds == 0 { return "0us" }

        // Each step checks the *rounded* value, so 999.996us is shown as 1.00ms, never 1000.00us.
        if nanoseconds.rounded() < 1e3 {
            return "\(UInt64(nanoseconds.rounded()))ns"
        }
        if (nanoseconds / 1e3 * 100).rounded() < 100_000 {
            return DecimalText.fixed(nanoseconds / 1e3, fractionDigits: 2) + "us"
        }
        if (nanoseconds / 1e6 * 100).rounded() < 100_000 {
            return DecimalText.fixed(nanoseconds / 1e6, fractionDigits: 2) + "ms"
        }
        if (nanoseconds / 1e9 * 100).rounded() < 6_000 {
            return DecimalText.fixed(nanoseconds / 1e9, fractionDigits: 2) + "s"
        }
        // Keeps the integer conversions below in range; about 31 years, never a real latency.
        let clamped = Swift.min(nanoseconds, 1e18)
        let totalSeconds = UInt64((clamped / 1e9).rounded())
        if totalSeconds < 3_600 {
            return "\(totalSeconds / 60)m\(DecimalText.twoDigits(totalSeconds % 60))s"
        }
        let totalMinutes = UInt64((clamped / 60e9).rounded())
        return "\(totalMinutes / 60)h\(DecimalText.twoDigits(totalMinutes % 60))m"
    }

    /// Human form of a duration; see ``format(nanoseconds:)``.
    public static func format(_ duration: Duration) -> String {
        format(nanoseconds: duration.nanosecondsValue)
    }

    /// The shortest exact text that ``parse(_:)`` reads back to the same value, in the
    /// largest unit that keeps it short: `200ms`, `1.5s`, `2m`, `1h`, `250us`, `90s`.
    ///
    /// Used to print budget thresholds the way a user would have typed them. The value is
    /// rounded to whole nanoseconds; zero prints as `0ms`.
    public static func formatCompact(nanoseconds: Double) -> String {
        guard nanoseconds.isFinite else { return "n/a" }
        if nanoseconds < 0 { return "-" + formatCompact(nanoseconds: -nanoseconds) }
        let total = UInt64(Swift.min(nanoseconds, 1e18).rounded())
        if total == 0 { return "0ms" }
        if total % 3_600_000_000_000 == 0 { return "\(total / 3_600_000_000_000)h" }
        if total % 60_000_000_000 == 0 { return "\(total / 60_000_000_000)m" }
        if total >= 1_000_000_000 { return exactDecimal(total, scale: 1_000_000_000) + "s" }
        if total >= 1_000_000 { return exactDecimal(total, scale: 1_000_000) + "ms" }
        if total >= 1_000 { return exactDecimal(total, scale: 1_000) + "us" }
        return "\(total)ns"
    }

    /// Writes `value / scale` exactly in decimal, trimming trailing zeros (scale is a power of ten).
    private static func exactDecimal(_ value: UInt64, scale: UInt64) -> String {
        let whole = value / scale
        var remainder = value % scale
        guard remainder != 0 else { return "\(whole)" }
        var digits = ""
        var place = scale / 10
        while remainder != 0 {
            digits.append(String(remainder / place))
            remainder %= place
            place /= 10
        }
        return "\(whole).\(digits)"
    }
}
