import Foundation
import Hotpath
import HotpathDiagnose
import HotpathLoad
import HotpathProfiler
import HotpathTestSupport
import Testing

/// Seeded mutations of every document Hotpath reads from a file or a server (a load report, a
/// diagnosis, a profile): each one is either refused with an error or read and then used as
/// the CLI uses it (compared, rendered), without a trap. A trap ends this test process, so a
/// crash here fails the suite loudly.
@Suite("input fuzzing")
struct InputFuzzTests {
    static let mutationsPerFormat = 300
    /// Bootstrap rounds of each comparison: the code paths are the same as with 200, at a
    /// fraction of the time a debug build takes.
    static let resamples = 8

    /// A small, deterministic generator (SplitMix64).
    struct Seeded {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
    }

    /// Numbers a hostile or broken file would hold: extremes, negatives, fractions, 2^53..2^64.
    static var hostileNumbers: [Any] { [
        0, -1, 1, 0.5, -0.5, 1e300, -1e300, 1e19, 18_446_744_073_709_551_615 as UInt64, 9_223_372_036_854_775_807 as Int64,
        4_611_686_018_427_387_904 as UInt64, 9_007_199_254_740_993 as UInt64, 3_600_000_001, 1e-300,
    ] }
    static var hostileStrings: [Any] { ["", "\u{1B}[31m\u{7}", String(repeating: "x", count: 5_000), "p95<", "💥", "-1", "NaN", "\"quoted\""] }

    /// A step into a JSON tree: a key of an object or an index of an array.
    enum Step {
        case key(String)
        case index(Int)
    }

    /// Every leaf (number, string, bool, null) and every container, by its path.
    static func paths(_ value: Any, _ prefix: [Step] = [], into paths: inout [[Step]]) {
        paths.append(prefix)
        if let object = value as? [String: Any] {
            for key in object.keys.sorted() { Self.paths(object[key] ?? NSNull(), prefix + [.key(key)], into: &paths) }
        } else if let array = value as? [Any] {
            for (index, element) in array.enumerated() { Self.paths(element, prefix + [.index(index)], into: &paths) }
        }
    }

    /// `tree` with the value at `path` changed by `change` (nil removes it).
    static func changing(_ tree: Any, at path: ArraySlice<Step>, _ change: (Any) -> Any?) -> Any? {
        guard let step = path.first else { return change(tree) }
        switch step {
        case .key(let key):
            guard var object = tree as? [String: Any], let inner = object[key] else { return tree }
            object[key] = changing(inner, at: path.dropFirst(), change)
            return object
        case .index(let index):
            guard var array = tree as? [Any], array.indices.contains(index) else { return tree }
            if let changed = changing(array[index], at: path.dropFirst(), change) { array[index] = changed } else { array.remove(at: index) }
            return array
        }
    }

    /// Mostly a hostile value of the same kind (so the document still reads and the figures
    /// reach the code that uses them); sometimes another kind, an emptied or doubled array, or
    /// nothing (the key removed).
    static func hostile(_ value: Any, _ random: inout Seeded) -> Any? {
        let roll = random.below(10)
        if roll == 0 { return nil }
        if roll == 1 { return [NSNull(), [Any](), [String: Any](), hostileStrings[0], hostileNumbers[0]][random.below(5)] }
        switch value {
        case let array as [Any]: return random.below(2) == 0 ? [Any]() : array + array
        case is [String: Any]: return [String: Any]()
        case is String: return hostileStrings[random.below(hostileStrings.count)]
        case is NSNumber: return hostileNumbers[random.below(hostileNumbers.count)]
        default: return hostileNumbers[random.below(hostileNumbers.count)]
        }
    }

    /// `mutationsPerFormat` mutated copies of `document` (one to three changes each, every
    /// 25th also cut short), each handed to `use`.
    static func fuzz(_ document: Data, seed: UInt64, _ use: (Int, Data) -> Void) throws {
        let tree = try JSONSerialization.jsonObject(with: document)
        var all: [[Step]] = []
        paths(tree, into: &all)
        var random = Seeded(state: seed)
        for round in 0..<mutationsPerFormat {
            var mutated: Any = tree
            for _ in 0...random.below(3) {
                let path = all[random.below(all.count)]
                mutated = changing(mutated, at: path[...]) { hostile($0, &random) } ?? mutated
            }
            guard var bytes = try? JSONSerialization.data(withJSONObject: mutated) else { continue }
            if round % 25 == 24 { bytes = bytes.prefix(random.below(bytes.count)) }
            use(round, bytes)
        }
    }

    /// Seconds of CPU each: off the cooperative pool (the SlowShop diagnoses in this target
    /// serve their shop on it) and one heavy test at a time.
    static func heavy(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await HeavyTests.oneAtATime {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
            }
        }
    }

    @Test func loadReportsAreReadOrRefusedAndComparedWithoutATrap() async throws {
        try await Self.heavy { try Self.fuzzLoadReports() }
    }

    @Test func diagnosesAreReadOrRefusedAndRenderedWithoutATrap() async throws {
        try await Self.heavy { try Self.fuzzDiagnoses() }
    }

    @Test func profilesAreReadOrRefusedAndRenderedWithoutATrap() async throws {
        try await Self.heavy { try Self.fuzzProfiles() }
    }

    static func fuzzLoadReports() throws {
        let diagnosis = try DiagnosisFixtures.diagnosis()
        let original = diagnosis.endpoints[0].load
        var read = 0
        try Self.fuzz(try original.encoded(), seed: 1) { _, bytes in
            guard let report = try? LoadReport.decode(bytes) else { return }
            read += 1
            // What `hotpath compare`, `merge` and a budget do with it.
            _ = RunComparison.compare(
                before: original.latency.histogram, after: report.latency.histogram,
                beforeThroughput: original.timeline.filter { $0.intervalS >= 0.5 }.map(\.rps),
                afterThroughput: report.timeline.filter { $0.intervalS >= 0.5 }.map(\.rps), noiseFloorPercent: 5,
                resamples: Self.resamples
            )
            _ = DiagnosisComparison.compare(original, report, resamples: Self.resamples)
            _ = try? LoadMerge.merge([("a.json", original), ("b.json", report)])
            if let result = try? LoadResult(report: report) {
                _ = result.warnings
                _ = Budget.methodDefault.evaluate(result.budgetMeasurement)
            }
        }
        #expect(read > Self.mutationsPerFormat / 10, "most mutations are still reports: \(read) of \(Self.mutationsPerFormat)")
    }

    static func fuzzDiagnoses() throws {
        let original = try DiagnosisFixtures.diagnosis()
        var read = 0
        try Self.fuzz(try DiagnosisJSON.encode(original, pretty: false), seed: 2) { _, bytes in
            guard let diagnosis = try? DiagnosisJSON.decode(bytes) else { return }
            read += 1
            _ = DiagnosisText.render(diagnosis)
            _ = DiagnosisHTML.render(diagnosis, comparison: DiagnosisComparison.compare(before: original, after: diagnosis, resamples: Self.resamples))
            _ = DiagnosisText.renderComparison(DiagnosisComparison.compare(before: diagnosis, after: original, resamples: Self.resamples))
        }
        #expect(read > Self.mutationsPerFormat / 10, "\(read) of \(Self.mutationsPerFormat)")
    }

    static func fuzzProfiles() throws {
        let diagnosis = try DiagnosisFixtures.diagnosis()
        let original = try #require(diagnosis.endpoints.compactMap(\.profile?.profile).first)
        var read = 0
        try Self.fuzz(Data(try ProfileJSON.encode(original)), seed: 3) { _, bytes in
            guard let profile = try? ProfileJSON.decode(Array(bytes)) else { return }
            read += 1
            let tree = CallTree(profile)
            _ = TextTreeRenderer(options: .init(unicode: true, color: false)).render(tree, profile: profile)
            _ = HTMLFlamegraphRenderer().render(tree, profile: profile)
            _ = try? SpeedscopeRenderer(filter: SampleFilter()).render(profile)
            _ = PprofRenderer(filter: SampleFilter()).render(profile)
            _ = CollapsedStacksRenderer().render(profile, filter: SampleFilter(), mergeThreads: true)
        }
        #expect(read > Self.mutationsPerFormat / 10, "\(read) of \(Self.mutationsPerFormat)")
    }
}
