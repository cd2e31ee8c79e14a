/// The mutable tree a ``CallTree`` is built in: nodes keyed by what they stand for, merged
/// and condensed in place, then frozen into sorted preorder by ``CallTree``.
struct CallTreeScratch {
    enum Key: Hashable {
        case thread(Int32)
        /// A ``FunctionIndex`` id.
        case function(Int)
        /// At most one fold per parent: every library run starting there is folded into it.
        case fold
    }

    struct Node {
        var kind: CallTreeNode.Kind
        var total: UInt64 = 0
        var selfTime: UInt64 = 0
        var count = 0
        var selfCount = 0
        var hidden: UInt64 = 0
        var hiddenCount = 0
        var children: [Key: Int] = [:]
        /// Weight per line, to show the line where most time was (`-1` for no line).
        var lineWeights: [Int: (frame: ProfileFrame, weight: UInt64)] = [:]
        var removed = false

        var isLibraryFrame: Bool {
            if case .frame(let frame) = kind { return frame.isLibrary }
            return false
        }
    }

    var nodes: [Node] = [Node(kind: .root)]

    /// The child of `parent` for `key`, created with `kind` on first use.
    mutating func child(of parent: Int, key: Key, kind: @autoclosure () -> CallTreeNode.Kind) -> Int {
        if let existing = nodes[parent].children[key] { return existing }
        nodes.append(Node(kind: kind()))
        let index = nodes.count - 1
        nodes[parent].children[key] = index
        return index
    }

    /// Adds one sample's weight along its path.
    mutating func add(
        _ sample: ProfileSample, frames: [ProfileFrame], index: FunctionIndex,
        mergeThreads: Bool, threadName: @autoclosure () -> String
    ) {
        let weight = sample.weightNanoseconds
        var node = 0
        credit(node, weight: weight)
        if !mergeThreads {
            node = child(of: node, key: .thread(sample.thread), kind: .thread(id: sample.thread, name: threadName()))
            credit(node, weight: weight)
        }
        for frameIndex in sample.stack {
            // A stale or corrupt index skips that frame instead of trapping.
            guard let function = index.function(ofFrame: frameIndex) else { continue }
            let frame = frames[Int(frameIndex)]
            node = child(of: node, key: .function(function), kind: .frame(frame))
            credit(node, weight: weight)
            let line = frame.line ?? -1
            let previous = nodes[node].lineWeights[line]?.weight ?? 0
            nodes[node].lineWeights[line] = (frame, previous &+ weight)
        }
        nodes[node].selfTime &+= weight
        nodes[node].selfCount += 1
    }

    private mutating func credit(_ node: Int, weight: UInt64) {
        nodes[node].total &+= weight
        nodes[node].count += 1
    }

    /// Adds `source`'s subtree into `target` (same key) and marks `source` removed.
    ///
    /// A worklist instead of recursion: stacks can be thousands of frames deep, and tree
    /// building may run on a small-stacked concurrency thread.
    mutating func merge(_ source: Int, into target: Int) {
        var work = [(source: source, target: target)]
        while let pair = work.popLast() {
            let (source, target) = pair
            guard source != target else { continue }
            let incoming = nodes[source]
            nodes[target].total &+= incoming.total
            nodes[target].selfTime &+= incoming.selfTime
            nodes[target].count += incoming.count
            nodes[target].selfCount += incoming.selfCount
            nodes[target].hidden &+= incoming.hidden
            nodes[target].hiddenCount += incoming.hiddenCount
            for (line, entry) in incoming.lineWeights {
                let previous = nodes[target].lineWeights[line]?.weight ?? 0
                nodes[target].lineWeights[line] = (entry.frame, previous &+ entry.weight)
            }
            for (key, child) in incoming.children {
                if let existing = nodes[target].children[key] {
                    work.append((child, existing))
                } else {
                    nodes[target].children[key] = child
                }
            }
            nodes[source].removed = true
            nodes[source].children = [:]
        }
    }
}
