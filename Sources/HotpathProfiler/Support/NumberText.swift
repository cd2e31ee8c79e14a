import Hotpath

/// Fixed-point formatting without Foundation's `String(format:)`, so the renderers stay
/// Foundation-free and print the same digits on every platform.
enum NumberText {
    /// `value` with exactly `digits` digits after the point, rounded to nearest.
    static func fixed(_ value: Double, digits: Int) -> String {
        DecimalText.fixed(value, fractionDigits: digits)
    }

    /// "70.3%" for 0.703.
    static func percent(_ share: Double) -> String {
        fixed(share * 100, digits: 1) + "%"
    }

    /// The share `part / whole`, 0 for an empty whole.
    static func share(_ part: UInt64, of whole: UInt64) -> Double {
        whole == 0 ? 0 : Double(part) / Double(whole)
    }

    /// "0.703 s" at second scale, "12.500 ms" below a second, picked by `scale` (the largest
    /// value shown) so a whole view uses one unit.
    static func duration(_ nanoseconds: UInt64, scale: UInt64) -> String {
        if scale >= 1_000_000_000 {
            return fixed(Double(nanoseconds) / 1e9, digits: 3) + " s"
        }
        return fixed(Double(nanoseconds) / 1e6, digits: 3) + " ms"
    }
}
