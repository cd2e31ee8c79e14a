/// Small decimal helpers shared by the duration and budget code.
///
/// The core module avoids Foundation (it only depends on HdrHistogram), so the little
/// formatting and strict number parsing it needs lives here.
public enum DecimalText {
    /// Parses an unsigned decimal such as `12`, `1.5`, `.5` or `5.`.
    ///
    /// Deliberately stricter than `Double(_:)`: no sign, exponent, `inf`, `nan` or hex,
    /// so user input like `1e400s` or `nans` cannot sneak through as a number.
    static func parseUnsigned<S: StringProtocol>(_ text: S) -> Double? {
        var digits = 0
        var dots = 0
        for character in text {
            if character.isASCII, character.isNumber {
                digits += 1
            } else if character == "." {
                dots += 1
            } else {
                return nil
            }
        }
        guard digits > 0, dots <= 1 else { return nil }
        return Double(String(text))
    }

    /// Formats `value` with exactly `fractionDigits` digits after the point, rounding to nearest.
    ///
    /// Used instead of `String(format:)` to stay Foundation-free.
    public static func fixed(_ value: Double, fractionDigits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        let digits = Swift.max(0, Swift.min(fractionDigits, 9))
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = (value.magnitude * Double(scale)).rounded()
        // Past this the integer conversion would trap; such values only come from
        // nonsense input, so the shortest round-trip text is good enough.
        guard scaled < 9.0e18 else { return "\(value)" }
        let units = UInt64(scaled)
        let sign = value < 0 && units != 0 ? "-" : ""
        let whole = units / scale
        guard digits > 0 else { return "\(sign)\(whole)" }
        let fraction = String(units % scale)
        let padding = String(repeating: "0", count: digits - fraction.count)
        return "\(sign)\(whole).\(padding)\(fraction)"
    }

    /// Formats `value` with at most `maxFractionDigits` decimals and no trailing zeros:
    /// `1.50` gives `1.5`, `2.0` gives `2`, `7.000000000000001` gives `7`.
    static func trimmed(_ value: Double, maxFractionDigits: Int) -> String {
        var text = fixed(value, fractionDigits: maxFractionDigits)
        guard text.contains(".") else { return text }
        while text.last == "0" { text.removeLast() }
        if text.last == "." { text.removeLast() }
        return text
    }

    /// Left-pads a small non-negative integer to two digits, as in `2m03s`.
    static func twoDigits(_ value: UInt64) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
