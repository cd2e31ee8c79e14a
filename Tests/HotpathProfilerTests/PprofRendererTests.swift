import Foundation
import Testing
@testable import HotpathProfiler

@Suite("pprof renderer")
struct PprofRendererTests {
    /// The essentials of a decoded pprof profile.
    struct Decoded {
        var strings: [String]
        var sampleTypes: [String]
        /// Function names per sample, leaf first, with the values.
        var samples: [(stack: [String], values: [UInt64], labels: [String: String])]
        var functionNames: [String]
        var period: UInt64
        var periodType: String
        var durationNanos: UInt64
        var timeNanos: UInt64
        var comments: [String]
        var defaultSampleType: UInt64

        init(_ bytes: [UInt8]) throws {
            let profile = try WireMessage(bytes)
            strings = profile.strings(6)
            let strings = strings
            func string(_ index: UInt64) -> String {
                strings.indices.contains(Int(index)) ? strings[Int(index)] : "<bad string \(index)>"
            }
            sampleTypes = try profile.messages(1).map { "\(string($0.varint(1)))/\(string($0.varint(2)))" }
            var functions: [UInt64: String] = [:]
            for function in try profile.messages(5) {
                functions[function.varint(1)] = string(function.varint(2))
            }
            functionNames = try profile.messages(5).map { string($0.varint(2)) }
            var locations: [UInt64: String] = [:]
            for location in try profile.messages(4) {
                let line = try #require(try location.messages(4).first)
                locations[location.varint(1)] = functions[line.varint(1)] ?? "<no function>"
            }
            samples = try profile.messages(2).map { sample in
                var labels: [String: String] = [:]
                for label in try sample.messages(3) {
                    labels[string(label.varint(1))] = label.varints(2).isEmpty ? String(label.varint(3)) : string(label.varint(2))
                }
                return (try sample.packed(1).map { locations[$0] ?? "<no location \($0)>" }, try sample.packed(2), labels)
            }
            let periodTypeMessage = try profile.messages(11).first
            periodType = periodTypeMessage.map { "\(string($0.varint(1)))/\(string($0.varint(2)))" } ?? ""
            period = profile.varint(12)
            durationNanos = profile.varint(10)
            timeNanos = profile.varint(9)
            comments = try profile.packed(13).map(string)
            defaultSampleType = profile.varint(14)
        }
    }

    @Test func essentials() throws {
        let decoded = try Decoded(PprofRenderer().render(Fixtures.seventyThirty()))
        #expect(decoded.strings.first == "")
        #expect(decoded.sampleTypes == ["samples/count", "cpu/nanoseconds"])
        #expect(decoded.periodType == "cpu/nanoseconds")
        #expect(decoded.period == 10_000_000)
        #expect(decoded.durationNanos == 1_000_000_000)
        #expect(decoded.timeNanos == 1_700_000_000_000_000_000)
        #expect(decoded.comments == ["GET /orders"])
        #expect(decoded.defaultSampleType == 1)
        #expect(decoded.functionNames == ["main", "OrderController.list(request:)", "render()"])
        #expect(decoded.samples.count == 2)
        // Leaf first.
        #expect(decoded.samples[0].stack == ["OrderController.list(request:)", "main"])
        #expect(decoded.samples[0].values == [70, 700_000_000])
        #expect(decoded.samples[1].stack == ["render()", "main"])
        #expect(decoded.samples[1].values == [30, 300_000_000])
        #expect(decoded.samples[0].labels == ["thread": "1", "thread_name": "thread 1"])
    }

    @Test func wallTimeWithOffCPUSamples() throws {
        let all = try Decoded(PprofRenderer().render(Fixtures.twoThreads()))
        #expect(all.sampleTypes == ["samples/count", "wall/nanoseconds"])
        #expect(all.samples.map(\.labels["thread_name"]) == ["worker", "io"])
        let cpu = try Decoded(PprofRenderer(filter: .onCPU).render(Fixtures.twoThreads()))
        #expect(cpu.sampleTypes == ["samples/count", "cpu/nanoseconds"])
        #expect(cpu.samples.count == 1)
        #expect(cpu.samples[0].values == [60, 60_000_000])
    }

    @Test func hostileNamesAreJustStrings() throws {
        let decoded = try Decoded(PprofRenderer().render(Fixtures.hostile()))
        for name in Fixtures.hostileNames { #expect(decoded.functionNames.contains(name)) }
        #expect(decoded.samples.first?.stack.count == Fixtures.hostileNames.count)
        #expect(decoded.samples.first?.stack.first == "")
        #expect(decoded.samples.first?.stack.last == Fixtures.hostileNames.first)
    }

    @Test func emptyProfile() throws {
        let decoded = try Decoded(PprofRenderer().render(Fixtures.empty()))
        #expect(decoded.samples.isEmpty)
        #expect(decoded.strings.first == "")
        #expect(decoded.sampleTypes.count == 2)
    }

    @Test func varints() {
        var writer = ProtobufWriter()
        writer.varint(300)
        writer.varint(0)
        writer.varint(UInt64.max)
        #expect(writer.bytes == [0xAC, 0x02, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
    }

    /// Decodes our bytes with the real protobuf runtime, compiling pprof's `profile.proto`.
    @Test(.enabled(if: ExternalTools.protoCompiler != nil, "needs python3 with protobuf, and grpcio-tools or protoc"))
    func decodesWithProtoc() async throws {
        let protoc = try #require(ExternalTools.protoCompiler)
        let proto = try #require(ExternalTools.resource("profile.proto"))
        let directory = try ExternalTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: proto, to: directory.appendingPathComponent("profile.proto"))
        let compile = try #require(await ExternalTools.runOffPool(
            protoc + ["-I.", "--python_out=.", "profile.proto"], in: directory
        ))
        try #require(compile.status == 0, "protoc: \(compile.stderr)")
        var profile = Fixtures.withLibraries()
        profile.label = "GET /orders/{id}"
        try Data(PprofRenderer().render(profile)).write(to: directory.appendingPathComponent("libs.pb"))
        try Data(PprofRenderer().render(Fixtures.hostile())).write(to: directory.appendingPathComponent("hostile.pb"))
        try Data(PprofRenderer().render(Fixtures.empty())).write(to: directory.appendingPathComponent("empty.pb"))
        let script = """
        import json, sys
        sys.path.insert(0, ".")
        import profile_pb2
        out = {}
        for name in ["libs", "hostile", "empty"]:
            p = profile_pb2.Profile()
            p.ParseFromString(open(name + ".pb", "rb").read())
            s = p.string_table
            functions = {f.id: s[f.name] for f in p.function}
            locations = {l.id: [functions[line.function_id] for line in l.line] for l in p.location}
            out[name] = {
                "first_string": s[0] if len(s) else None,
                "sample_types": [s[t.type] + "/" + s[t.unit] for t in p.sample_type],
                "samples": [{"stack": [n for loc in x.location_id for n in locations[loc]], "values": list(x.value)} for x in p.sample],
                "functions": [s[f.name] for f in p.function],
                "system_names": [s[f.system_name] for f in p.function],
                "period": p.period, "duration": p.duration_nanos,
                "comments": [s[c] for c in p.comment],
                "mappings": [[m.id, int(m.has_functions), int(m.has_line_numbers)] for m in p.mapping],
                "location_mappings": sorted({l.mapping_id for l in p.location}),
            }
        print(json.dumps(out))
        """
        let result = try #require(await ExternalTools.runOffPool(["python3", "-c", script], in: directory))
        try #require(result.status == 0, "python: \(result.stderr)")
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [String: Any]])
        let libs = try #require(decoded["libs"])
        #expect(libs["first_string"] as? String == "")
        #expect(libs["sample_types"] as? [String] == ["samples/count", "cpu/nanoseconds"])
        #expect(libs["period"] as? Int == 1_000_000)
        #expect(libs["duration"] as? Int == 100_000_000)
        #expect(libs["comments"] as? [String] == ["GET /orders/{id}"])
        let samples = try #require(libs["samples"] as? [[String: Any]])
        #expect(samples.count == 2)
        #expect(samples.map { $0["values"] as? [Int] } == [[60, 60_000_000], [40, 40_000_000]])
        #expect(samples[0]["stack"] as? [String] == [
            "_merge(low:mid:high:buffer:by:)", "Array.sort(by:)", "OrderController.list(request:)", "App.handle(request:)",
            "reabstraction thunk", "ChannelPipeline.fireChannelRead(_:)", "SelectableEventLoop.run()", "start_thread",
        ])
        #expect((libs["system_names"] as? [String])?.contains("NIOPosix`SelectableEventLoop.run()") == true)
        #expect(libs["mappings"] as? [[Int]] == [[1, 1, 1]])
        #expect(libs["location_mappings"] as? [Int] == [1])
        let hostile = try #require(decoded["hostile"]?["functions"] as? [String])
        #expect(Set(hostile) == Set(Fixtures.hostileNames))
        #expect((decoded["empty"]?["samples"] as? [Any])?.isEmpty == true)
    }
}
