/// Time per function over a profile, whatever the path: the "hottest functions" list.
///
/// Self time counts samples where the function is the leaf; total time counts samples where
/// it is anywhere on the stack, once per sample even when it recurses, so no function ever
/// exceeds 100 %.
///
/// ```swift
/// let top = CallTree(profile).functions.prefix(5)
/// for function in top { print(function.name, function.selfNanoseconds, function.totalNanoseconds) }
/// ```
public struct FunctionTotal: Sendable, Hashable {
    public var function: FunctionKey
    /// A frame of this function (the first seen), for its module, file and library flag.
    public var frame: ProfileFrame
    public var selfNanoseconds: UInt64
    public var totalNanoseconds: UInt64
    public var selfSampleCount: Int
    public var totalSampleCount: Int

    public var name: String { function.function }

    /// Totals of the functions in `samples`, by self time descending, then total, then name, module and file.
    public static func totals(of samples: [ProfileSample], frames: [ProfileFrame?]) -> [FunctionTotal] {
        var byFunction: [FunctionKey: FunctionTotal] = [:]
        var seen = Set<FunctionKey>()
        for sample in samples {
            seen.removeAll(keepingCapacity: true)
            var leaf: FunctionKey?
            for index in sample.stack {
                let position = Int(index)
                guard frames.indices.contains(position), let frame = frames[position] else { continue }
                let key = frame.functionKey
                leaf = key
                // Recursion: a function on the stack twice still spent this sample once.
                guard seen.insert(key).inserted else { continue }
                var entry = byFunction[key] ?? FunctionTotal(
                    function: key, frame: frame, selfNanoseconds: 0, totalNanoseconds: 0,
                    selfSampleCount: 0, totalSampleCount: 0
                )
                entry.totalNanoseconds &+= sample.weightNanoseconds
                entry.totalSampleCount += 1
                byFunction[key] = entry
            }
            if let leaf {
                byFunction[leaf]?.selfNanoseconds &+= sample.weightNanoseconds
                byFunction[leaf]?.selfSampleCount += 1
            }
        }
        return byFunction.values.sorted { left, right in
            if left.selfNanoseconds != right.selfNanoseconds { return left.selfNanoseconds > right.selfNanoseconds }
            if left.totalNanoseconds != right.totalNanoseconds { return left.totalNanoseconds > right.totalNanoseconds }
            return (left.name, left.function.module ?? "", left.function.file ?? "")
                < (right.name, right.function.module ?? "", right.function.file ?? "")
        }
    }
}
