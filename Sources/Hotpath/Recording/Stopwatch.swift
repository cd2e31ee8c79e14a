/// A stopwatch with laps, the seed method's lightest tool.
///
/// ```swift
/// var stopwatch = Stopwatch()
/// let a = try await loadA()
/// stopwatch.lap("load a")
/// let b = try await loadB()
/// stopwatch.lap("load b")
/// let page = combine(a, b)
/// stopwatch.lap("combine")
/// print(stopwatch)   // load a: 12.3ms  load b: 40.1ms  combine: 2.0ms
/// ```
///
/// Inside a request served with Hotpath's middleware each lap is also recorded as a span on
/// that request, so it shows in the report's waterfall.
public struct Stopwatch: Sendable, CustomStringConvertible {
    public struct Lap: Sendable, Equatable {
        public var name: String
        public var nanoseconds: UInt64
    }

    public private(set) var laps: [Lap] = []
    private let startedAt: UInt64
    private var lastLapAt: UInt64

    public init() {
        startedAt = MonotonicClock.now()
        lastLapAt = startedAt
    }

    /// Ends the current lap, names it and starts the next. Returns the lap's length.
    @discardableResult
    public mutating func lap(_ name: String, fileID: String = #fileID, line: Int = #line) -> Duration {
        let now = MonotonicClock.now()
        let elapsed = now &- lastLapAt
        laps.append(Lap(name: name, nanoseconds: elapsed))
        ActiveRequest.current?.recordSpan(name, from: lastLapAt, to: now, callSite: CallSite(fileID: fileID, line: line))
        lastLapAt = now
        return .nanoseconds(Int64(clamping: elapsed))
    }

    /// Time since the stopwatch started.
    public var elapsed: Duration {
        .nanoseconds(Int64(clamping: MonotonicClock.now() &- startedAt))
    }

    /// `load a: 12.3ms  load b: 40.1ms  combine: 2.0ms`
    public var description: String {
        laps.map { "\($0.name): \(Self.format($0.nanoseconds))" }.joined(separator: "  ")
    }

    /// Milliseconds with one decimal; microseconds below 0.1 ms; seconds from 10 s.
    static func format(_ nanoseconds: UInt64) -> String {
        if nanoseconds < 100_000 { return "\((nanoseconds &+ 500) / 1_000)us" }
        if nanoseconds >= 10_000_000_000 {
            let hundredths = (nanoseconds &+ 5_000_000) / 10_000_000
            return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)s"
        }
        let tenths = (nanoseconds &+ 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10)ms"
    }
}
