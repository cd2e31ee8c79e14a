import HotpathLoad
import Testing

/// When a run's server was unreachable, from its per-second timeline.
@Suite struct LoadOutageTests {
    /// One-second points: (answered, socket errors, of which timeouts).
    static func timeline(_ seconds: [(UInt64, UInt64, UInt64)], lastInterval: Double = 1) -> [LoadTimelinePoint] {
        seconds.enumerated().map { index, second in
            let interval = index == seconds.count - 1 ? lastInterval : 1
            return LoadTimelinePoint(
                second: Double(index) + interval, interval: interval, requests: second.0, requestsPerSecond: Double(second.0) / interval,
                p50: 1e6, p99: 2e6, errors: second.1, unsuccessful: 0, timeouts: second.2
            )
        }
    }

    @Test func aServerKilledMidRunStoppedAnsweringWhereItsAnswersEnd() throws {
        let points = Self.timeline([(900, 0, 0), (850, 0, 0), (0, 12, 0), (0, 9, 0), (0, 10, 0)])
        let outage = try #require(LoadOutage.find(in: points, elapsedSeconds: 5, stoppedEarly: false))
        #expect(outage.stoppedAt == 2)
        #expect(outage.unreachableSeconds == 3)
        #expect(abs(outage.unreachableShare(ofSeconds: 5) - 0.6) < 1e-9)
    }

    @Test func timeoutsAloneAreASlowServerNotAGoneOne() {
        let points = Self.timeline([(0, 4, 4), (0, 4, 4), (0, 4, 4)])
        #expect(LoadOutage.find(in: points, elapsedSeconds: 3, stoppedEarly: false) == nil)
    }

    @Test func aQuietEndOfASlowRateRunIsNotAnOutage() {
        // One answer every two seconds, and one refused connection in the last, answerless
        // second: under three typical gaps, so not "stopped answering".
        let points = Self.timeline([(1, 0, 0), (0, 0, 0), (1, 0, 0), (0, 0, 0), (1, 0, 0), (0, 1, 0)])
        let outage = LoadOutage.find(in: points, elapsedSeconds: 6, stoppedEarly: false)
        #expect(outage?.stoppedAt == nil)
        #expect(outage?.unreachableSeconds == 1)
    }

    @Test func aBlipInTheMiddleCountsButTheServerCameBack() throws {
        let points = Self.timeline([(500, 0, 0), (0, 30, 0), (480, 0, 0), (510, 0, 0)])
        let outage = try #require(LoadOutage.find(in: points, elapsedSeconds: 4, stoppedEarly: false))
        #expect(outage.stoppedAt == nil)
        #expect(outage.unreachableSeconds == 1)
    }

    @Test func aShortFailingTailUnderASecondIsNotYetAnOutage() throws {
        let points = Self.timeline([(500, 0, 0), (500, 0, 0), (0, 3, 0)], lastInterval: 0.4)
        let outage = try #require(LoadOutage.find(in: points, elapsedSeconds: 2.4, stoppedEarly: false))
        #expect(outage.stoppedAt == nil)
    }

    @Test func aRequestCountRunTheEngineGaveUpOnStoppedAnswering() throws {
        let points = Self.timeline([(300, 0, 0)] + Array(repeating: (0, 2, 0), count: 10))
        let outage = try #require(LoadOutage.find(in: points, elapsedSeconds: 11, stoppedEarly: true))
        #expect(outage.stoppedAt == 1)
    }

    @Test func aServerThatAnsweredThroughoutHasNoOutage() {
        let points = Self.timeline([(500, 1, 0), (500, 0, 0), (499, 2, 1)])
        #expect(LoadOutage.find(in: points, elapsedSeconds: 3, stoppedEarly: false) == nil)
    }
}
