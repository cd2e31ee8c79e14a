/// Fixed-point formatting without Foundation's `String(format:)`, so the renderers stay
/// Foundation-free and print the same digits on every platform.
enum NumberText {
    /// `value` with exactly `digits` digits after the point, rounded to nearest.
    static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        let digits = max(0, min(digits, 9))
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = (value.magnitude * Double(scale)).rounded()
        // Past this the integer conversion would trap; only nonsense input gets here.
        guard scaled < 9.0e18 else { return "\(value)" }
        let units = UInt64(scaled)
        let sign = value < 0 && units != 0 ? "-" : ""
        let whole = units / scale
        guard digits > 0 else { return "\(sign)\(whole)" }
        var fraction = String(units % scale)
        while fraction.count < digits { fraction = "0" + fraction }
        return "\(sign)\(whole).\(fraction)"
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
