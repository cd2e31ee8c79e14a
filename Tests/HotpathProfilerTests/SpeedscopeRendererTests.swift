import Foundation
import Testing
@testable import HotpathProfiler

@Suite("speedscope renderer")
struct SpeedscopeRendererTests {
    private func decode(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func structure() throws {
        let profile = Fixtures.twoThreads()
        let file = try decode(SpeedscopeRenderer().render(profile))
        #expect(file["$schema"] as? String == "https://www.speedscope.app/file-format-schema.json")
        #expect(file["activeProfileIndex"] as? Int == 0)
        let frames = try #require((file["shared"] as? [String: Any])?["frames"] as? [[String: Any]])
        #expect(frames.map { $0["name"] as? String } == ["main", "work()", "io()"])
        let profiles = try #require(file["profiles"] as? [[String: Any]])
        #expect(profiles.map { $0["name"] as? String } == ["all threads", "worker", "io"])
        for entry in profiles {
            #expect(entry["type"] as? String == "sampled")
            #expect(entry["unit"] as? String == "nanoseconds")
            let samples = try #require(entry["samples"] as? [[Int]])
            let weights = try #require(entry["weights"] as? [Int])
            #expect(samples.count == weights.count)
            #expect(entry["startValue"] as? Int == 0)
            #expect(entry["endValue"] as? Int == weights.reduce(0, +))
            for stack in samples { #expect(stack.allSatisfy { frames.indices.contains($0) }) }
        }
        let worker = try #require(profiles[1]["samples"] as? [[Int]])
        #expect(worker.count == 60)
        #expect(worker.first == [0, 1])          // root first: main, work()
        let io = try #require(profiles[2]["samples"] as? [[Int]])
        #expect(io.first == [0, 2])
        #expect((profiles[0]["samples"] as? [[Int]])?.count == 100)
    }

    @Test func filtersAndOneThread() throws {
        let onCPU = try decode(SpeedscopeRenderer(filter: .onCPU).render(Fixtures.twoThreads()))
        let profiles = try #require(onCPU["profiles"] as? [[String: Any]])
        #expect(profiles.map { $0["name"] as? String } == ["all threads", "worker"])
        let one = try decode(SpeedscopeRenderer(filter: SampleFilter(thread: 2)).render(Fixtures.twoThreads()))
        #expect((one["profiles"] as? [[String: Any]])?.map { $0["name"] as? String } == ["io"])
        let perThread = try decode(SpeedscopeRenderer(includeMergedProfile: false).render(Fixtures.twoThreads()))
        #expect((perThread["profiles"] as? [[String: Any]])?.count == 2)
    }

    @Test func framesCarryFileAndLineAndMergeCallSites() throws {
        var builder = ProfileBuilder()
        var other = Fixtures.list
        other.line = 50
        builder.addSample([Fixtures.main, Fixtures.list])
        builder.addSample([Fixtures.main, other])
        let file = try decode(SpeedscopeRenderer().render(builder.build()))
        let frames = try #require((file["shared"] as? [String: Any])?["frames"] as? [[String: Any]])
        #expect(frames.count == 2)
        #expect(frames[1]["file"] as? String == "Sources/SlowShop/OrderController.swift")
        #expect(frames[1]["line"] as? Int == 42)
    }

    @Test func hostileNamesRoundTrip() throws {
        let file = try decode(SpeedscopeRenderer().render(Fixtures.hostile()))
        let frames = try #require((file["shared"] as? [String: Any])?["frames"] as? [[String: Any]])
        let names = frames.compactMap { $0["name"] as? String }
        for name in Fixtures.hostileNames where !name.isEmpty { #expect(names.contains(name)) }
        #expect(names.contains("?"))
    }

    @Test func emptyProfile() throws {
        let file = try decode(SpeedscopeRenderer().render(Fixtures.empty()))
        let profiles = try #require(file["profiles"] as? [[String: Any]])
        #expect(profiles.count == 1)
        #expect((profiles[0]["samples"] as? [Any])?.isEmpty == true)
    }

    /// Validates against speedscope's published JSON schema with Python's `jsonschema`.
    @Test(.enabled(if: ExternalTools.hasJSONSchema, "python3 with jsonschema is not installed"))
    func validatesAgainstPublishedSchema() async throws {
        let schema = try #require(ExternalTools.resource("speedscope-file-format-schema.json"))
        let directory = try ExternalTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let validator = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        for path in sys.argv[2:]:
            jsonschema.validate(json.load(open(path)), schema)
        # A broken document must fail, or the check proves nothing.
        try:
            jsonschema.validate({"$schema": "https://www.speedscope.app/file-format-schema.json", "shared": {"frames": [{"line": 1}]}, "profiles": []}, schema)
        except jsonschema.ValidationError:
            print("valid")
        """
        var paths: [String] = []
        for (index, profile) in [Fixtures.seventyThirty(), Fixtures.twoThreads(), Fixtures.hostile(), Fixtures.empty(), Fixtures.withLibraries()].enumerated() {
            let url = directory.appendingPathComponent("profile-\(index).speedscope.json")
            try Data(SpeedscopeRenderer().render(profile)).write(to: url)
            paths.append(url.path)
        }
        let result = try #require(await ExternalTools.runOffPool(["python3", "-c", validator, schema.path] + paths))
        #expect(result.status == 0, "jsonschema: \(result.stderr)")
        #expect(result.stdout.contains("valid"))
    }
}
