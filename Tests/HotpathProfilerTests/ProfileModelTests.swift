import Foundation
import Testing
@testable import HotpathProfiler

@Suite("Profile model")
struct ProfileModelTests {
    @Test func builderInternsFrames() {
        var builder = ProfileBuilder(intervalNanoseconds: 1_000)
        builder.addSample(["main", "a()"], count: 3)
        builder.addSample(["main", "b()"], thread: 2)
        let profile = builder.build()
        #expect(profile.frames.map(\.function) == ["main", "a()", "b()"])
        #expect(profile.samples.count == 4)
        #expect(profile.samples.map(\.stack) == [[0, 1], [0, 1], [0, 1], [0, 2]])
        // Each thread has its own clock.
        #expect(profile.samples.map(\.timestampNanoseconds) == [0, 1_000, 2_000, 0])
        #expect(profile.durationNanoseconds == 3_000)
        #expect(profile.threads == [1, 2])
    }

    @Test func jsonRoundTrip() throws {
        var profile = Fixtures.hostile()
        profile.threadNames[-7] = "negative"
        profile.droppedSamples = 3
        profile.frames.append(ProfileFrame(function: "async", module: nil, file: nil, line: nil, isLibrary: true, isAsync: true))
        let bytes = try ProfileJSON.encode(profile)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"schema\":\"hotpath-profile/1\""))
        #expect(text.contains("\"interval_nanoseconds\":1000000"))
        #expect(text.contains("\"is_library\""))
        #expect(text.contains("\"on_cpu\":true"))
        #expect(text.contains("\"thread_names\":{"))
        let decoded = try ProfileJSON.decode(bytes)
        #expect(decoded.frames == profile.frames)
        #expect(decoded.samples == profile.samples)
        #expect(decoded.threadNames == profile.threadNames)
        #expect(decoded.intervalNanoseconds == profile.intervalNanoseconds)
        #expect(decoded.durationNanoseconds == profile.durationNanoseconds)
        #expect(decoded.startedAt == profile.startedAt)
        #expect(decoded.droppedSamples == 3)
        #expect(decoded.label == profile.label)
        // Pretty output decodes the same.
        let pretty = try ProfileJSON.decode(ProfileJSON.encode(profile, pretty: true))
        #expect(pretty.samples == profile.samples)
    }

    @Test func emptyProfileRoundTrips() throws {
        let decoded = try ProfileJSON.decode(ProfileJSON.encode(Fixtures.empty()))
        #expect(decoded.samples.isEmpty)
        #expect(decoded.frames.isEmpty)
        #expect(decoded.label == nil)
    }

    @Test func rejectsOtherSchemas() throws {
        let bytes = Array(#"{"schema":"hotpath-report/1","profile":{}}"#.utf8)
        #expect(throws: ProfileJSONError.unsupportedSchema("hotpath-report/1")) {
            try ProfileJSON.decode(bytes)
        }
    }

    @Test func rejectsNonNumericThreadIDs() {
        let bytes = Array(#"""
        {"schema":"hotpath-profile/1","tool":"x","profile":{"frames":[],"samples":[],"interval_nanoseconds":1,
        "started_at":0,"duration_nanoseconds":0,"thread_names":{"main":"x"},"dropped_samples":0}}
        """#.utf8)
        #expect(throws: DecodingError.self) { try ProfileJSON.decode(bytes) }
    }

    @Test func shortLocation() {
        #expect(Fixtures.list.shortLocation == "OrderController.swift:42")
        #expect(ProfileFrame(function: "f", file: "a/b.swift").shortLocation == "b.swift")
        #expect(ProfileFrame(function: "f").shortLocation == nil)
    }
}
