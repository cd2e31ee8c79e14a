/// pprof's `profile.proto` (github.com/google/pprof/proto/profile.proto), uncompressed.
/// Open it with `go tool pprof -http=: profile.pb` (pprof accepts raw as well as gzipped).
///
/// Two sample types: `samples/count` and `cpu/nanoseconds` (or `wall/nanoseconds` when
/// off-CPU samples are included). Each location is one interned frame (one function at one
/// line) in one mapping marked as already symbolized; each function is one ``FunctionKey``. Identical stacks on the same thread become
/// one pprof sample carrying the sum, with `thread` (numeric) and `thread_name` labels.
///
/// ```swift
/// let bytes = PprofRenderer().render(profile)      // write to profile.pb
/// ```
public struct PprofRenderer: Sendable {
    public var filter: SampleFilter

    public init(filter: SampleFilter = .all) {
        self.filter = filter
    }

    public func render(_ profile: Profile) -> [UInt8] {
        var strings = StringTable()
        let selected = filter.samples(of: profile)
        // "cpu" is only honest when every sample was taken while running.
        let timeType = selected.allSatisfy(\.onCPU) ? "cpu" : "wall"

        // Functions: one per FunctionKey, ids from 1 in first-use order.
        var functionIDs: [FunctionKey: UInt64] = [:]
        var functions: [(id: UInt64, frame: ProfileFrame)] = []
        for frame in profile.frames where functionIDs[frame.functionKey] == nil {
            let id = UInt64(functions.count + 1)
            functionIDs[frame.functionKey] = id
            functions.append((id, frame))
        }

        // Stacks aggregated per (stack, thread), in first-seen order for stable output.
        struct StackKey: Hashable { var stack: [Int32]; var thread: Int32 }
        var aggregated: [StackKey: (count: UInt64, weight: UInt64)] = [:]
        var order: [StackKey] = []
        for sample in selected {
            let key = StackKey(stack: sample.stack, thread: sample.thread)
            if let existing = aggregated[key] {
                aggregated[key] = (existing.count + 1, existing.weight &+ sample.weightNanoseconds)
            } else {
                aggregated[key] = (1, sample.weightNanoseconds)
                order.append(key)
            }
        }

        var writer = ProtobufWriter()
        let samplesType = strings.index("samples"), countUnit = strings.index("count")
        let timeTypeIndex = strings.index(timeType), nanoseconds = strings.index("nanoseconds")
        writer.field(1) { $0.field(1, samplesType); $0.field(2, countUnit) }           // sample_type
        writer.field(1) { $0.field(1, timeTypeIndex); $0.field(2, nanoseconds) }       // sample_type
        let threadKey = strings.index("thread"), threadNameKey = strings.index("thread_name")
        for key in order {
            let totals = aggregated[key] ?? (0, 0)
            // Location ids are frame index + 1; pprof wants the leaf first.
            let locations = key.stack.reversed()
                .filter { profile.frames.indices.contains(Int($0)) }
                .map { UInt64($0) + 1 }
            let threadName = strings.index(profile.threadName(key.thread))
            writer.field(2) { sample in                                                 // sample
                sample.packed(1, locations)
                sample.packed(2, [totals.count, totals.weight])
                sample.field(3) { $0.field(1, threadKey); $0.field(3, Int64(key.thread)) }
                sample.field(3) { $0.field(1, threadNameKey); $0.field(2, threadName) }
            }
        }
        // One mapping that says the functions are already known, so pprof does not try to
        // symbolize addresses we never wrote.
        let mappingFile = strings.index(profile.label ?? "hotpath")
        writer.field(3) { mapping in                                                    // mapping
            mapping.field(1, UInt64(1))
            mapping.field(5, mappingFile)
            mapping.field(7, UInt64(1))                                                 // has_functions
            mapping.field(8, UInt64(1))                                                 // has_filenames
            mapping.field(9, UInt64(1))                                                 // has_line_numbers
        }
        for (position, frame) in profile.frames.enumerated() {
            let functionID = functionIDs[frame.functionKey] ?? 0
            writer.field(4) { location in                                               // location
                location.field(1, UInt64(position + 1))
                location.field(2, UInt64(1))
                location.field(4) { line in
                    line.field(1, functionID)
                    line.field(2, Int64(frame.line ?? 0))
                }
            }
        }
        for function in functions {
            let name = strings.index(function.frame.function)
            let systemName = strings.index(Self.systemName(function.frame))
            let file = strings.index(function.frame.file ?? "")
            writer.field(5) { entry in                                                  // function
                entry.field(1, function.id)
                entry.field(2, name)
                entry.field(3, systemName)
                entry.field(4, file)
            }
        }
        let comment = profile.label.map { strings.index($0) }
        // Every string is interned above; the table goes out last but is indexed from the start.
        for string in strings.strings {
            writer.field(6, string: string)                                            // string_table
        }
        writer.field(9, Int64(exactly: (profile.startedAt * 1e9).rounded()) ?? 0)  // time_nanos
        writer.field(10, Int64(clamping: profile.durationNanoseconds))                 // duration_nanos
        writer.field(11) { $0.field(1, timeTypeIndex); $0.field(2, nanoseconds) }      // period_type
        writer.field(12, Int64(clamping: profile.intervalNanoseconds))                 // period
        if let comment { writer.packed(13, [UInt64(comment)]) }                        // comment
        writer.field(14, Int64(1))                                                     // default_sample_type
        return writer.bytes
    }

    /// "module`function" when the module is known, pprof's convention for a qualified name.
    static func systemName(_ frame: ProfileFrame) -> String {
        guard let module = frame.module, !module.isEmpty else { return frame.function }
        return module + "`" + frame.function
    }
}

/// pprof's string table: index 0 is always "".
struct StringTable {
    private(set) var strings: [String] = [""]
    private var indexes: [String: Int64] = ["": 0]

    mutating func index(_ string: String) -> Int64 {
        if let existing = indexes[string] { return existing }
        let index = Int64(strings.count)
        strings.append(string)
        indexes[string] = index
        return index
    }
}
