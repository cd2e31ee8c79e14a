import Hotpath

/// Text and numbers as the page shows them.
///
/// Everything that comes from the model (routes, SQL, function names, messages) goes through
/// ``escape(_:)`` before it reaches the page, so no name can become markup or close a tag.
enum HTMLText {
    /// For element content and for attribute values in double quotes (quotes are escaped too,
    /// so the same text is safe in both places).
    static func escape(_ text: String) -> String { HTMLEscaping.text(text) }

    /// Prose with its code as `<code>`.
    static func prose(_ prose: Prose) -> String { HTMLEscaping.prose(prose) }

    /// A fix: its sentence, then its code and the framework variants, each snippet in a `<pre>`.
    static func fix(_ fix: Fix) -> String {
        var html = "<span class=\"fix-summary\">" + escape(fix.summary) + "</span>"
        for snippet in fix.snippets {
            html += "<pre class=\"snippet \(escape(snippet.language.rawValue))\"><code>\(escape(snippet.code))</code></pre>"
        }
        if !fix.variants.isEmpty {
            html += "<details class=\"variants\"><summary>In your framework</summary><dl>"
            for variant in fix.variants {
                html += "<dt>\(escape(variant.framework.rawValue))</dt><dd>\(escape(variant.summary))"
                for snippet in variant.snippets {
                    html += "<pre class=\"snippet \(escape(snippet.language.rawValue))\"><code>\(escape(snippet.code))</code></pre>"
                }
                html += "</dd>"
            }
            html += "</dl></details>"
        }
        return html
    }

    /// The first `limit` characters with an ellipsis when cut; whole characters only, so an
    /// emoji or a combining accent is never split.
    static func truncated(_ text: String, to limit: Int) -> String {
        // SQL often spans lines; a label has one.
        let flat = text.contains(where: \.isNewline) ? text.split(whereSeparator: \.isNewline).joined(separator: " ") : text
        guard flat.count > limit else { return flat }
        return String(flat.prefix(max(limit - 1, 1))) + "…"
    }

    /// A latency that is given in milliseconds: `0.42 ms`, `4.21 ms`, `41.2 ms`, `412 ms`, `12.3 s`.
    static func ms(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let magnitude = value.magnitude
        if magnitude >= 10_000 { return DecimalText.fixed(value / 1_000, fractionDigits: 1) + " s" }
        if magnitude >= 100 { return grouped(value) + " ms" }
        if magnitude >= 10 { return DecimalText.fixed(value, fractionDigits: 1) + " ms" }
        return DecimalText.fixed(value, fractionDigits: 2) + " ms"
    }

    /// A plain number with a fixed number of decimals, or without trailing zeros when
    /// `trimmed` (averages of counts: `26`, `2.5`); "n/a" when not finite.
    static func decimal(_ value: Double, digits: Int, trimmed: Bool = false) -> String {
        guard value.isFinite else { return "n/a" }
        var text = DecimalText.fixed(value, fractionDigits: digits)
        guard trimmed, text.contains(".") else { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Requests per second: one decimal under 100, whole numbers (grouped) above.
    static func rate(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        return value.magnitude >= 100 ? grouped(value) : DecimalText.fixed(value, fractionDigits: 1)
    }

    /// A share already in percent (0–100): `42.1%`, `0.4%`, `100%`.
    static func percent(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        return value.magnitude >= 99.95 || value == 0
            ? DecimalText.fixed(value, fractionDigits: 0) + "%"
            : DecimalText.fixed(value, fractionDigits: 1) + "%"
    }

    /// A signed change in percent: `+12.5%`, `−3.0%`.
    static func change(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let text = DecimalText.fixed(value.magnitude, fractionDigits: 1) + "%"
        if text == "0.0%" { return "±0.0%" }
        return (value < 0 ? "−" : "+") + text
    }

    /// A size in bytes: `812 B`, `14.2 KB`, `3.10 MB` (powers of 1,000, as HTTP tools print).
    static func bytes(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let magnitude = value.magnitude
        if magnitude < 1_000 { return DecimalText.fixed(value, fractionDigits: 0) + " B" }
        if magnitude < 1_000_000 { return DecimalText.fixed(value / 1_000, fractionDigits: 1) + " KB" }
        return DecimalText.fixed(value / 1_000_000, fractionDigits: 2) + " MB"
    }

    /// A count with thousands separators: `12,345`.
    static func count<T: BinaryInteger>(_ value: T) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return (value < 0 ? "-" : "") + result
    }

    /// A whole number with thousands separators; non-finite and huge values as plain text.
    static func grouped(_ value: Double) -> String {
        guard value.isFinite, value.magnitude < 9e15 else { return DecimalText.fixed(value, fractionDigits: 0) }
        return count(Int64(saturating: value.rounded()))
    }

    /// A coordinate for SVG attributes: one decimal is finer than a pixel, and non-finite
    /// values (which would break the element) become 0.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        var text = DecimalText.fixed(value, fractionDigits: 1)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text == "-0" ? "0" : text
    }
}
