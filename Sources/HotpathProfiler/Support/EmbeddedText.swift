import Hotpath

/// Escaping for text placed into an HTML page, so hostile frame names (`<script>`, quotes,
/// `</script>`) stay text.
enum EmbeddedText {
    /// For element content and quoted attribute values.
    static func html(_ text: String) -> String { HTMLEscaping.text(text) }

    /// A JSON string literal, quotes included, safe inside `<script>`: `<`, `>` and `&` are
    /// `\u` escapes, so neither `</script>` nor `<!--` can appear, and U+2028/U+2029 are
    /// escaped for older JavaScript parsers.
    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "<", ">", "&", "'", "\u{2028}", "\u{2029}", "\u{00}"..."\u{1F}", "\u{7F}":
                result += "\\u" + hex4(scalar.value)
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
