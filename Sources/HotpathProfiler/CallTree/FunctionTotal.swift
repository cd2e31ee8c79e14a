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

    /// Totals of the functions in `samples` (stacks indexing `frames`), by self time
    /// descending, then total, then name, module and file.
    public static func totals(of samples: [ProfileSample], frames: [ProfileFrame]) -> [FunctionTotal] {
        totals(of: samples, index: FunctionIndex(frames))
    }

    static func totals(of samples: [ProfileSample], index: FunctionIndex) -> [FunctionTotal] {
        var byFunction = index.keys.indices.map { id in
            FunctionTotal(
                function: index.keys[id], frame: index.firstFrames[id], selfNanoseconds: 0, totalNanoseconds: 0,
                selfSampleCount: 0, totalSampleCount: 0
            )
        }
        // The sample that last counted each function: recursion counts once per sample.
        var lastCounted = [Int](repeating: -1, count: byFunction.count)
        for (number, sample) in samples.enumerated() {
            var leaf: Int?
            for frameIndex in sample.stack {
                guard let id = index.function(ofFrame: frameIndex) else { continue }
                leaf = id
                guard lastCounted[id] != number else { continue }
                lastCounted[id] = number
                byFunction[id].totalNanoseconds &+= sample.weightNanoseconds
                byFunction[id].totalSampleCount += 1
            }
            if let leaf {
                byFunction[leaf].selfNanoseconds &+= sample.weightNanoseconds
                byFunction[leaf].selfSampleCount += 1
            }
        }
        byFunction.removeAll { $0.totalSampleCount == 0 }
        return byFunction.sorted { left, right in
            if left.selfNanoseconds != right.selfNanoseconds { return left.selfNanoseconds > right.selfNanoseconds }
            if left.totalNanoseconds != right.totalNanoseconds { return left.totalNanoseconds > right.totalNanoseconds }
            return (left.name, left.function.module ?? "", left.function.file ?? "")
                < (right.name, right.function.module ?? "", right.function.file ?? "")
        }
    }
}
