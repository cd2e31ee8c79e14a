/// The `Server-Timing` response header, which browsers' devtools show in the Timing tab:
/// `db;dur=12.3;desc="4 queries", http;dur=40.0;desc="2 calls", app;dur=5.1, total;dur=57.4`.
public enum ServerTiming {
    public static let headerName = "Server-Timing"

    /// Built by appending into one string: it is made for every response.
    public static func header(for timing: RequestTiming) -> String {
        var header = ""
        header.reserveCapacity(96)
        if timing.queryCount > 0 {
            header += "db;dur="
            appendMilliseconds(timing.databaseNanoseconds, to: &header)
            header += ";desc=\""
            header += String(timing.queryCount)
            header += timing.queryCount == 1 ? " query\", " : " queries\", "
        }
        if timing.httpCallCount > 0 {
            header += "http;dur="
            appendMilliseconds(timing.httpNanoseconds, to: &header)
            header += ";desc=\""
            header += String(timing.httpCallCount)
            header += timing.httpCallCount == 1 ? " call\", " : " calls\", "
        }
        header += "app;dur="
        appendMilliseconds(timing.appNanoseconds, to: &header)
        header += ", total;dur="
        appendMilliseconds(timing.totalNanoseconds, to: &header)
        return header
    }

    /// Milliseconds with one decimal (`12.3`), the precision devtools display.
    static func appendMilliseconds(_ nanoseconds: UInt64, to header: inout String) {
        let tenths = (nanoseconds &+ 50_000) / 100_000
        header += String(tenths / 10)
        header += "."
        header += String(tenths % 10)
    }
}
