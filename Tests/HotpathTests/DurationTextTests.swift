import Testing
@testable import Hotpath

@Suite("DurationText parsing")
struct DurationParseTests {
    @Test("units, decimals, compound and bare forms", arguments: [
        ("500ms", 500_000_000.0),
        ("30s", 30e9),
        ("2m", 120e9),
        ("1h", 3_600e9),
        ("1.5s", 1.5e9),
        ("250us", 250_000),
        ("250µs", 250_000),          // micro sign U+00B5
        ("250\u{03BC}s", 250_000),   // Greek mu U+03BC
        ("100ns", 100),
        ("1m30s", 90e9),
        ("1h2m3s", 3_723e9),
        ("1m 30s", 90e9),
        ("200 ms", 200e6),
        ("  10  ", 10e9),            // bare number is seconds, like wrk -d 10
        ("0.25", 0.25e9),
        ("0", 0),
        ("0s", 0),
        (".5s", 0.5e9),
        ("10MS", 10e6),
        ("2min", 120e9),
        ("720h", 720 * 3_600e9),     // exactly 30 days: the limit itself is allowed
        ("0.1s", 100_000_000),       // rounded to whole nanoseconds, no binary noise
    ] as [(String, Double)])
    func parses(text: String, nanoseconds: Double) throws {
        let duration = try DurationText.parse(text)
        #expect(duration.nanosecondsValue == nanoseconds)
    }

    @Test("a bare number takes the given unit", arguments: [
        (DurationText.Unit.nanoseconds, 500.0),
        (.microseconds, 500e3),
        (.milliseconds, 500e6),
        (.seconds, 500e9),
    ] as [(DurationText.Unit, Double)])
    func bareNumberUnit(unit: DurationText.Unit, nanoseconds: Double) throws {
        #expect(try DurationText.parse("500", bareNumberUnit: unit).nanosecondsValue == nanoseconds)
        // A number with its own unit ignores the bare-number unit.
        #expect(try DurationText.parse("2s", bareNumberUnit: unit) == .seconds(2))
    }

    @Test("bad input gives a one-line HotpathInputError", arguments: [
        ("", "it is empty"),
        ("   ", "it is empty"),
        ("-5s", "cannot be negative"),
        ("10parsecs", "unknown unit 'parsecs'"),
        ("ms", "use a number with a unit"),
        ("abc", "use a number with a unit"),
        ("nan", "use a number with a unit"),
        ("1e400s", "exponents are not supported"),
        ("1m30", "'30' has no unit"),
        ("10 20", "'10' has no unit"),
        ("1.2.3s", "'1.2.3' is not a number"),
        ("31d", "unknown unit 'd'"),
        ("721h", "30-day limit"),
        ("99999999999999999999999999999999999999s", "30-day limit"),
        ("5s!", "unknown unit 's!'"),
    ] as [(String, String)])
    func rejects(text: String, reason: String) {
        let error = #expect(throws: HotpathInputError.self) { try DurationText.parse(text) }
        let message = error?.message ?? ""
        #expect(message.hasPrefix("bad duration '\(text)': "))
        #expect(message.contains(reason))
        #expect(message.contains("like 500ms, 30s or 2m"))
        #expect(!message.contains("\n"))
    }

    @Test func messageMatchesTheDocumentedExample() {
        #expect(throws: HotpathInputError("bad duration 'abc': use a number with a unit, like 500ms, 30s or 2m")) {
            try DurationText.parse("abc")
        }
    }
}

@Suite("DurationText formatting")
struct DurationFormatTests {
    @Test("wrk-style units and boundaries", arguments: [
        (0.0, "0us"),
        (850, "850ns"),
        (999.4, "999ns"),
        (999.6, "1.00us"),           // rounding never prints 1000ns
        (1_000, "1.00us"),
        (635_910, "635.91us"),
        (999_994, "999.99us"),
        (999_996, "1.00ms"),         // nor 1000.00us
        (1_000_000, "1.00ms"),
        (1_230_000, "1.23ms"),
        (999_999_999, "1.00s"),
        (1_020_000_000, "1.02s"),
        (59_990_000_000, "59.99s"),
        (59_996_000_000, "1m00s"),
        (60e9, "1m00s"),
        (123e9, "2m03s"),
        (3_599e9, "59m59s"),
        (3_599.6e9, "1h00m"),
        (3_600e9, "1h00m"),
        (3_720e9, "1h02m"),
        (100 * 3_600e9, "100h00m"),
        (-1_500_000, "-1.50ms"),
        (.nan, "n/a"),
        (.infinity, "n/a"),
    ] as [(Double, String)])
    func formats(nanoseconds: Double, text: String) {
        #expect(DurationText.format(nanoseconds: nanoseconds) == text)
    }

    @Test func formatsDurations() {
        #expect(DurationText.format(.milliseconds(1_230)) == "1.23s")
        #expect(DurationText.format(.zero) == "0us")
    }

    @Test("compact form is exact and parses back", arguments: [
        (200e6, "200ms"), (1.5e9, "1.5s"), (120e9, "2m"), (3_600e9, "1h"), (90e9, "90s"),
        (250e3, "250us"), (100, "100ns"), (0, "0ms"), (1_234_567, "1.234567ms"), (90 * 60e9, "90m"),
    ] as [(Double, String)])
    func compact(nanoseconds: Double, text: String) throws {
        #expect(DurationText.formatCompact(nanoseconds: nanoseconds) == text)
        #expect(try DurationText.parse(text).nanosecondsValue == nanoseconds)
    }
}

@Suite("Duration helpers")
struct DurationHelperTests {
    @Test func nanosecondsValue() {
        #expect(Duration.seconds(2).nanosecondsValue == 2e9)
        #expect(Duration.microseconds(3).nanosecondsValue == 3_000)
        #expect(Duration.milliseconds(-5).nanosecondsValue == -5e6)
    }

    @Test func fromDouble() {
        #expect(Duration.nanoseconds(fromDouble: 1_500.4) == .nanoseconds(1_500))
        #expect(Duration.nanoseconds(fromDouble: 2.5e9) == .milliseconds(2_500))
        #expect(Duration.nanoseconds(fromDouble: .nan) == .zero)
        #expect(Duration.nanoseconds(fromDouble: .infinity) == .zero)
        // Clamped rather than trapping.
        #expect(Duration.nanoseconds(fromDouble: 1e30) > .seconds(1_000_000_000))
    }
}
