/// The one escaping of text placed into an HTML page (the recorder's report, the flamegraph,
/// the diagnosis report), so hostile names (`<script>`, quotes, `</script>`) stay text.
public enum HTMLEscaping {
    /// For element content and for attribute values in single or double quotes. NUL is
    /// dropped (parsers replace it anyway; it would only clutter `srcdoc` and tooltips).
    public static func text(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\u{0}": break
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Prose with its code as `<code>`, everything escaped.
    public static func prose(_ prose: Prose) -> String {
        prose.parts.map { part in
            switch part {
            case .text(let value): text(value)
            case .code(let code): "<code>" + text(code) + "</code>"
            }
        }.joined()
    }
}
