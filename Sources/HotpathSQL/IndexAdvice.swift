import Hotpath

/// Columns a statement filters and sorts on, read from its fingerprint (shared by the SQLite
/// and PostgreSQL advisors).
public enum FilterColumns {
    /// `(equality, range, orderBy)` column names of the WHERE and ORDER BY clauses.
    public static func of(_ fingerprint: String) -> (equality: [String], range: [String], orderBy: [String]) {
        let tokens = fingerprint
            .replacing("(", with: " ( ").replacing(")", with: " ) ").replacing(",", with: " , ")
            .replacing("<=", with: " <= ").replacing(">=", with: " >= ").replacing("<>", with: " <> ")
            .replacing("!=", with: " != ")
            .split(separator: " ").map(String.init)
        var equality: [String] = []
        var range: [String] = []
        var orderBy: [String] = []
        var section = ""
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            switch token {
            case "where": section = "where"
            case "order" where index + 1 < tokens.count && tokens[index + 1] == "by":
                section = "order"
                index += 1
            case "group", "limit", "offset", "having", "returning": section = ""
            default:
                if section == "where", index + 1 < tokens.count, isColumn(token) {
                    let next = tokens[index + 1]
                    if next == "=" || next == "in" || next == "is" {
                        append(column(token), to: &equality)
                    } else if ["<", ">", "<=", ">=", "between", "like"].contains(next) {
                        append(column(token), to: &range)
                    }
                } else if section == "order", isColumn(token), !["asc", "desc", "nulls", "first", "last"].contains(token) {
                    append(column(token), to: &orderBy)
                }
            }
            index += 1
        }
        return (equality, range, orderBy)
    }

    private static func isColumn(_ token: String) -> Bool {
        guard let first = token.first, first.isLetter || first == "_" || first == "\"" else { return false }
        let keywords: Set<String> = ["and", "or", "not", "null", "true", "false", "select", "from", "where", "by", "on", "as"]
        return !keywords.contains(token) && token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "\"" }
    }

    /// `"orders"."customer_email"` → `customer_email`.
    static func column(_ token: String) -> String {
        (token.split(separator: ".").last.map(String.init) ?? token).replacing("\"", with: "")
    }

    private static func append(_ value: String, to list: inout [String]) {
        if !list.contains(value) { list.append(value) }
    }
}
