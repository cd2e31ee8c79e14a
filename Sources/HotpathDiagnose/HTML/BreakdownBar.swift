/// Where an average request's time goes: database, outbound HTTP, and the app's own code,
/// as one stacked bar.
enum BreakdownBar {
    static func render(_ breakdown: TimeBreakdown) -> String {
        let parts: [(style: String, name: String, ms: Double)] = [
            ("database", "database", breakdown.databaseMs), ("http", "outbound HTTP", breakdown.httpMs), ("app", "app code", breakdown.appMs),
        ]
        let sum = parts.map { $0.ms.isFinite ? max($0.ms, 0) : 0 }.reduce(0, +)
        var html = "<div class=\"split\" role=\"img\" aria-label=\"time split\">"
        for part in parts where sum > 0 && part.ms.isFinite && part.ms > 0 {
            let share = part.ms / sum * 100
            html += "<span class=\"\(part.style)\" style=\"width:\(HTMLText.coordinate(share))%\" title=\"\(part.name) \(HTMLText.ms(part.ms))\">"
            html += share >= 12 ? "\(part.name) \(HTMLText.percent(share))" : ""
            html += "</span>"
        }
        html += "</div><p class=\"split-text\">"
        html += parts.map { "<span class=\"swatch \($0.style)\"></span>\($0.name) <b>\(HTMLText.ms($0.ms))</b>" }.joined(separator: " · ")
        html += " · of \(HTMLText.ms(breakdown.totalMs)) per request on average · "
        html += "\(HTMLText.decimal(breakdown.queries, digits: 1, trimmed: true)) queries (max \(HTMLText.count(breakdown.maxQueries))) and "
        html += "\(HTMLText.decimal(breakdown.httpCalls, digits: 1, trimmed: true)) outbound calls per request</p>"
        return html
    }
}
