/// Parsing and formatting of durations as people type and read them.
///
/// Parsing accepts the forms load-testing tools use on the command line (`500ms`, `30s`,
/// `2m`, `1m30s`, a bare `10` like wrk's `-d 10`); formatting prints what wrk prints
/// (`635.91us`, `1.23ms`, `1.02s`), extended to minutes and hours.
public enum DurationText {
    /// The unit a bare number (one without a unit) is read in.
    public enum Unit: Sendable, Equatable, CaseIterable {
        case nanoseconds, microseconds, milliseconds, seconds

        /// How many nanoseconds one of this unit is.
        public var nanosecondsPerUnit: Double {
            switch self {
            case .nanoseconds: 1
            case .microseconds: 1e3
            case .milliseconds: 1e6
            case .seconds: 1e9
            }
        }
    }

    /// The longest duration accepted: anything beyond is surely a typo, and refusing it
    /// keeps every parsed value far from `Int64` nanosecond overflow.
    public static let maximum: Duration = .seconds(30 * 24 * 3600)

    /// Parses `500ms`, `30s`, `2m`, `1h`, `1.5s`, `250us`/`250µs`, `100ns`, compound `1m30s`,
    /// and a bare number as seconds (like wrk's `-d 10`).
    ///
    /// Whitespace around the text, and between a number and its unit, is ignored.
    /// Zero is accepted. Negative, empty, non-numeric, unknown-unit or absurd (over 30 days)
    /// input throws a one-line ``HotpathInputError`` such as
    /// `bad duration 'abc': use a number with a unit, like 500ms, 30s or 2m`.
    public static func parse(_ text: String) throws(HotpathInputError) -> Duration {
        try parse(text, bareNumberUnit: .seconds)
    }

    /// Like ``parse(_:)`` but a bare number is read in `bareNumberUnit`
    /// (k6 budgets read `p(95)<500` as 500 milliseconds).
    public static func parse(_ text: String, bareNumberUnit: Unit) throws(HotpathInputError) -> Duration {
        switch DurationParser.nanoseconds(in: text, bareNumberUnit: bareNumberUnit) {
        case .success(let nanoseconds):
            return .nanoseconds(fromDouble: nanoseconds)
        case .failure(let problem):
            throw HotpathInputError("bad duration '\(text)': \(problem.explanation)")
        }
    }
}

extension DurationParser.Problem {
    /// The part of a duration error message after the quoted input.
    var explanation: String {
        let advice = "use a number with a unit, like 500ms, 30s or 2m"
        switch self {
        case .empty:
            return "it is empty; \(advice)"
        case .negative:
            return "a duration cannot be negative; \(advice)"
        case .missingNumber:
            return advice
        case .malformedNumber(let number):
            return "'\(number)' is not a number; \(advice)"
        case .missingUnit(let number):
            return "'\(number)' has no unit; \(advice)"
        case .unknownUnit(let unit):
            return "unknown unit '\(unit)' (known: ns, us, ms, s, m, h); \(advice)"
        case .exponent:
            return "exponents are not supported; \(advice)"
        case .tooLong:
            return "longer than the 30-day limit; \(advice)"
        }
    }
}
