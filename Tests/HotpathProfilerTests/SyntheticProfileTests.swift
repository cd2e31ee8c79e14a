import Foundation
import Testing
@testable import HotpathProfiler

/// Every view of one large synthetic profile must agree on the numbers.
@Suite("Synthetic profile")
struct SyntheticProfileTests {
    static let profile = SyntheticProfile.make()

    @Test func treeInvariants() {
        let profile = Self.profile
        let total = profile.totalSampleWeightNanoseconds
        for options in [CallTreeOptions.condensed, .showAll, CallTreeOptions(filter: .onCPU, mergeThreads: false), HTMLFlamegraphRenderer.flamegraphTreeOptions] {
            let tree = CallTree(profile, options: options)
            if options.filter == .all { #expect(tree.totalNanoseconds == total) }
            for node in tree.nodes {
                let childTotal = tree.children(of: node).reduce(UInt64(0)) { $0 + $1.totalNanoseconds }
                #expect(node.totalNanoseconds == node.selfNanoseconds + node.hiddenNanoseconds + childTotal)
            }
            let selfSum = tree.nodes.reduce(UInt64(0)) { $0 + $1.selfNanoseconds + $1.hiddenNanoseconds }
            #expect(selfSum == tree.totalNanoseconds)
            for function in tree.functions {
                #expect(function.totalNanoseconds <= tree.totalNanoseconds)
                #expect(function.selfNanoseconds <= function.totalNanoseconds)
            }
            #expect(tree.functions.reduce(UInt64(0)) { $0 + $1.selfNanoseconds } == tree.totalNanoseconds)
        }
        // Recursive Discounts.fold is on at most 10 % of the stacks, however deep it recursed.
        let fold = CallTree(profile).functions.first { $0.name == "Discounts.fold(_:depth:)" }
        #expect((fold?.totalSampleCount ?? 0) < 2_400)
        #expect((fold?.totalSampleCount ?? 0) > 1_600)
    }

    @Test func condensedTextIsShort() {
        let text = TextTreeRenderer().render(Self.profile)
        let lines = text.split(separator: "\n")
        #expect(lines.count < 40, "\(text)")
        #expect(text.contains("frames hidden] libc.so.6, NIOPosix, NIOCore, Hummingbird"))
        #expect(text.contains("OrderRepository.find(id:)  OrderRepository.swift:"))
        #expect(text.contains("Dropped: 12"))
    }

    @Test func collapsedCountsEverySample() {
        let text = CollapsedStacksRenderer().render(Self.profile)
        let counts = text.split(separator: "\n").compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
        #expect(counts.reduce(0, +) == Self.profile.samples.count)
    }

    @Test func pprofValuesAddUp() throws {
        let profile = try WireMessage(PprofRenderer().render(Self.profile))
        var samples = 0, nanoseconds: UInt64 = 0
        for sample in try profile.messages(2) {
            let values = try sample.packed(2)
            samples += Int(values[0])
            nanoseconds += values[1]
        }
        #expect(samples == Self.profile.samples.count)
        #expect(nanoseconds == Self.profile.totalSampleWeightNanoseconds)
    }

    @Test func speedscopeCountsEverySample() throws {
        let object = try JSONSerialization.jsonObject(with: Data(SpeedscopeRenderer().render(Self.profile)))
        let profiles = try #require((object as? [String: Any])?["profiles"] as? [[String: Any]])
        #expect(profiles.count == 5)
        #expect((profiles[0]["samples"] as? [Any])?.count == Self.profile.samples.count)
        #expect(profiles.dropFirst().reduce(0) { $0 + (($1["samples"] as? [Any])?.count ?? 0) } == Self.profile.samples.count)
    }

    /// Writes every format of the synthetic profile to `$HOTPATH_PROFILER_ARTIFACTS` for a
    /// look by eye (browser, speedscope.app, flamegraph.pl, go tool pprof).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["HOTPATH_PROFILER_ARTIFACTS"] != nil, "HOTPATH_PROFILER_ARTIFACTS is not set"))
    func writeArtifacts() throws {
        let directory = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment["HOTPATH_PROFILER_ARTIFACTS"]))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let profile = Self.profile
        let tree = CallTree(profile, options: HTMLFlamegraphRenderer.flamegraphTreeOptions)
        try Data(HTMLFlamegraphRenderer().render(tree, profile: profile).utf8).write(to: directory.appendingPathComponent("synthetic.html"))
        try Data(TextTreeRenderer().render(profile).utf8).write(to: directory.appendingPathComponent("synthetic.txt"))
        try Data(TextTreeRenderer().render(profile, showAll: true).utf8).write(to: directory.appendingPathComponent("synthetic-all.txt"))
        try Data(SpeedscopeRenderer().render(profile)).write(to: directory.appendingPathComponent("synthetic.speedscope.json"))
        try Data(CollapsedStacksRenderer().render(profile).utf8).write(to: directory.appendingPathComponent("synthetic.folded"))
        try Data(PprofRenderer().render(profile)).write(to: directory.appendingPathComponent("synthetic.pb"))
        try Data(ProfileJSON.encode(profile)).write(to: directory.appendingPathComponent("synthetic.hotpath-profile.json"))
    }
}
