/// The one-line log of a request, shared by the framework adapters: `GET /orders/42 → /orders/{id} 200 57.4ms (db 12.3ms/4 queries, http 40.0ms/2 calls, app 5.1ms)`.
public enum RequestLogText {
    public static func text(_ request: CompletedRequest) -> String {
        let timing = request.timing
        var parts: [String] = []
        if timing.queryCount > 0 { parts.append("db \(ms(timing.databaseNanoseconds))/\(timing.queryCount) queries") }
        if timing.httpCallCount > 0 { parts.append("http \(ms(timing.httpNanoseconds))/\(timing.httpCallCount) calls") }
        parts.append("app \(ms(timing.appNanoseconds))")
        return "\(request.method) \(request.path) → \(request.route) \(request.status) \(ms(timing.totalNanoseconds)) (\(parts.joined(separator: ", ")))"
    }

    private static func ms(_ nanoseconds: UInt64) -> String {
        DurationText.format(nanoseconds: Double(nanoseconds))
    }
}
