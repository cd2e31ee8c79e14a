#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hotpath

/// speedscope's file format (<https://www.speedscope.app/file-format-schema.json>): "sampled"
/// profiles in nanoseconds over one shared frame table; open it at
/// <https://www.speedscope.app> or with the `speedscope` CLI.
///
/// One profile per thread, in time order, and by default a first profile "all threads" with
/// every sample (speedscope's left-heavy and sandwich views are the merged call tree; its
/// time-order view interleaves threads there). Frames are one per function, like the call
/// tree, so the sandwich view sums a function's call sites.
///
/// ```swift
/// let bytes = try SpeedscopeRenderer().render(profile)
/// ```
public struct SpeedscopeRenderer: Sendable {
    public var filter: SampleFilter
    /// Add the "all threads" profile before the per-thread ones.
    public var includeMergedProfile: Bool

    public init(filter: SampleFilter = .all, includeMergedProfile: Bool = true) {
        self.filter = filter
        self.includeMergedProfile = includeMergedProfile
    }

    public static let schemaURL = "https://www.speedscope.app/file-format-schema.json"

    public func render(_ profile: Profile) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(document(profile)))
    }

    /// The document before encoding.
    func document(_ profile: Profile) -> SpeedscopeFile {
        var frames: [SpeedscopeFile.Frame] = []
        var frameIndexes: [FunctionKey: Int] = [:]
        // Profile frame index → speedscope frame index (one frame per function; the line is
        // the first one seen). Sample indexes outside the table are dropped below.
        let mapping: [Int] = profile.frames.map { frame in
            if let existing = frameIndexes[frame.functionKey] { return existing }
            frames.append(SpeedscopeFile.Frame(name: frame.function.isEmpty ? "?" : frame.function, file: frame.file, line: frame.line))
            frameIndexes[frame.functionKey] = frames.count - 1
            return frames.count - 1
        }
        let selected = filter.samples(of: profile)
        func sampled(_ name: String, _ samples: [ProfileSample]) -> SpeedscopeFile.SampledProfile {
            let ordered = samples.sorted { $0.timestampNanoseconds < $1.timestampNanoseconds }
            let stacks = ordered.map { sample in
                sample.stack.compactMap { index in
                    mapping.indices.contains(Int(index)) ? mapping[Int(index)] : nil
                }
            }
            let weights = ordered.map(\.weightNanoseconds)
            return SpeedscopeFile.SampledProfile(
                name: name, startValue: 0, endValue: weights.reduce(0, &+), samples: stacks, weights: weights
            )
        }
        var profiles: [SpeedscopeFile.SampledProfile] = []
        if includeMergedProfile {
            let name = filter.thread.map { profile.threadName($0) } ?? "all threads"
            profiles.append(sampled(name, selected))
        }
        let byThread = Dictionary(grouping: selected, by: \.thread)
        if !(includeMergedProfile && filter.thread != nil) {
            for thread in byThread.keys.sorted() {
                profiles.append(sampled(profile.threadName(thread), byThread[thread] ?? []))
            }
        }
        return SpeedscopeFile(
            shared: .init(frames: frames),
            profiles: profiles,
            name: profile.label ?? "Hotpath profile",
            exporter: "hotpath \(HotpathVersion.current)"
        )
    }
}

/// The subset of speedscope's `FileFormat.File` we write.
struct SpeedscopeFile: Codable {
    struct Frame: Codable {
        var name: String
        var file: String?
        var line: Int?
    }

    struct Shared: Codable {
        var frames: [Frame]
    }

    struct SampledProfile: Codable {
        var type = "sampled"
        var name: String
        var unit = "nanoseconds"
        var startValue: UInt64
        var endValue: UInt64
        /// Indexes into `shared.frames`, root first.
        var samples: [[Int]]
        var weights: [UInt64]
    }

    var schema = SpeedscopeRenderer.schemaURL
    var shared: Shared
    var profiles: [SampledProfile]
    var name: String
    var activeProfileIndex = 0
    var exporter: String

    enum CodingKeys: String, CodingKey {
        case schema = "$schema"
        case shared, profiles, name, activeProfileIndex, exporter
    }
}
