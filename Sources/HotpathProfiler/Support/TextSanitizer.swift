/// Frame names come from symbol tables and are not trusted: a control character or an ANSI
/// escape inside one must not break a line-oriented format or recolour a terminal.
enum TextSanitizer {
    /// Replaces newlines and tabs with their escapes and other control characters with
    /// U+FFFD, so the result is one printable line.
    static func singleLine(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{00}"..."\u{1F}", "\u{7F}"..."\u{9F}", "\u{2028}", "\u{2029}":
                result.unicodeScalars.append("\u{FFFD}")
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
