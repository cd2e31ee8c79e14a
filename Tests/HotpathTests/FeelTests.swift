import Testing
import Hotpath

@Suite("Feel")
struct FeelTests {
    @Test("band boundaries", arguments: [
        (0.0, Feel.instant),
        (99.999e6, .instant),
        (100e6, .snappy),
        (299.9e6, .snappy),
        (300e6, .noticeable),
        (999.999e6, .noticeable),
        (1e9, .slow),
        (3e9, .slow),
        (3.001e9, .broken),
        (.nan, .broken),
    ] as [(Double, Feel)])
    func band(nanoseconds: Double, feel: Feel) {
        #expect(Feel(nanoseconds: nanoseconds) == feel)
    }

    @Test func fromDuration() {
        #expect(Feel(.milliseconds(150)) == .snappy)
        #expect(Feel(.seconds(3)) == .slow)
    }

    @Test func orderedFromBestToWorst() {
        #expect(Feel.allCases.sorted() == [.instant, .snappy, .noticeable, .slow, .broken])
        #expect(Feel.instant < .broken)
        #expect([Feel.slow, .instant, .noticeable].max() == .slow)
    }

    @Test func legendTexts() {
        #expect(Feel.allCases.map(\.range) == ["< 100ms", "100-300ms", "300ms-1s", "1-3s", "> 3s"])
        #expect(Feel.allCases.map(\.meaning) == [
            "feels instant", "snappy", "noticeable delay", "slow: users wait", "broken: users give up",
        ])
    }

    @Test func codableAsRawString() {
        #expect(Feel(rawValue: "noticeable") == .noticeable)
        #expect(Feel.broken.rawValue == "broken")
    }
}
