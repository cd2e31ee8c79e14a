/// The aggregated view of a ``Profile``: every distinct call path with its total and self
/// time, children heaviest first, optionally condensed the way pyinstrument does it.
///
/// All statistics live here (and in ``FunctionTotal``); renderers only lay them out.
///
/// ```swift
/// let tree = CallTree(profile)                       // condensed, threads merged
/// for child in tree.children(of: tree.root) {
///     print(child.name, tree.share(of: child))       // "OrderController.list(request:)" 0.7
/// }
/// let hottest = tree.functions.prefix(10)            // by self time
/// ```
public struct CallTree: Sendable {
    /// Preorder: the root first, every parent before its children.
    public private(set) var nodes: [CallTreeNode]
    /// Per-function totals over the same samples, heaviest self time first.
    public private(set) var functions: [FunctionTotal]
    public let options: CallTreeOptions
    /// The weight of the selected samples; the 100 % of every share.
    public var totalNanoseconds: UInt64 { root.totalNanoseconds }
    /// The number of selected samples.
    public var sampleCount: Int { root.sampleCount }

    public init(_ profile: Profile, options: CallTreeOptions = .condensed) {
        self.options = options
        let selected = options.filter.samples(of: profile)
        let index = FunctionIndex(profile.frames)
        var scratch = CallTreeScratch()
        for sample in selected {
            scratch.add(
                sample, frames: profile.frames, index: index, mergeThreads: options.mergeThreads,
                threadName: profile.threadName(sample.thread)
            )
        }
        if options.foldLibraryFrames {
            scratch.foldLibraryRuns(below: 0)
        }
        if options.minimumShare > 0 {
            let minimum = options.minimumShare * Double(scratch.nodes[0].total)
            scratch.hideNodes(below: 0, minimum: minimum)
        }
        let rootName = options.filter.thread.map { profile.threadName($0) } ?? "all threads"
        nodes = Self.freeze(scratch, rootName: rootName)
        functions = FunctionTotal.totals(of: selected, index: index)
    }

    /// The root, which always exists (an empty profile gives a root with zero time).
    public var root: CallTreeNode {
        nodes[0]
    }

    public func children(of node: CallTreeNode) -> [CallTreeNode] {
        node.children.map { nodes[$0] }
    }

    /// `node`'s share of the whole tree, 0…1; 0 for an empty tree.
    public func share(of node: CallTreeNode) -> Double {
        NumberText.share(node.totalNanoseconds, of: totalNanoseconds)
    }

    /// The nodes from the root (excluded) down to `node` (included).
    public func path(to node: CallTreeNode) -> [CallTreeNode] {
        var path: [CallTreeNode] = []
        var current: CallTreeNode? = node
        while let next = current, next.parent != nil {
            path.append(next)
            current = next.parent.map { nodes[$0] }
        }
        return path.reversed()
    }

    /// The node reached from the root through children with these names, or nil.
    ///
    /// ```swift
    /// tree.node(at: ["main", "OrderController.list(request:)"])?.totalNanoseconds
    /// ```
    public func node(at names: [String]) -> CallTreeNode? {
        var current = root
        for name in names {
            guard let next = children(of: current).first(where: { $0.name == name }) else { return nil }
            current = next
        }
        return current
    }

    /// Sorts children (total descending, then name, so output is deterministic) and lays
    /// the surviving nodes out in preorder.
    private static func freeze(_ scratch: CallTreeScratch, rootName: String) -> [CallTreeNode] {
        var result: [CallTreeNode] = []
        // Explicit stack: deep recursive profiles must not overflow the thread's stack.
        var stack: [(scratchIndex: Int, parent: Int?, depth: Int)] = [(0, nil, 0)]
        while let entry = stack.popLast() {
            let (index, parent, depth) = entry
            let node = scratch.nodes[index]
            let id = result.count
            result.append(CallTreeNode(
                id: id, kind: kind(of: node), parent: parent, depth: depth, children: [],
                totalNanoseconds: node.total, selfNanoseconds: node.selfTime,
                sampleCount: node.count, selfSampleCount: node.selfCount,
                hiddenNanoseconds: node.hidden, hiddenChildCount: node.hiddenCount,
                name: name(of: node, rootName: rootName)
            ))
            if let parent { result[parent].children.append(id) }
            let ordered = node.children.values
                .map { (index: $0, node: scratch.nodes[$0]) }
                .sorted { left, right in
                    if left.node.total != right.node.total { return left.node.total > right.node.total }
                    return tieBreak(left.node, rootName: rootName) < tieBreak(right.node, rootName: rootName)
                }
            // Pushed lightest first so the heaviest is laid out (and linked) first.
            for child in ordered.reversed() {
                stack.append((child.index, id, depth + 1))
            }
        }
        return result
    }

    private static func kind(of node: CallTreeScratch.Node) -> CallTreeNode.Kind {
        guard case .frame(let first) = node.kind else { return node.kind }
        // The line where most time was; ties go to the lower line for stable output.
        let heaviest = node.lineWeights.max { left, right in
            left.value.weight != right.value.weight ? left.value.weight < right.value.weight : left.key > right.key
        }
        return .frame(heaviest?.value.frame ?? first)
    }

    private static func name(of node: CallTreeScratch.Node, rootName: String) -> String {
        switch node.kind {
        case .root: rootName
        case .thread(_, let name): name
        case .frame(let frame): frame.function
        case .libraryFold(let count, let modules): foldName(frameCount: count, modules: modules)
        }
    }

    /// Name, then module and file: same-named functions of different modules are siblings too.
    private static func tieBreak(_ node: CallTreeScratch.Node, rootName: String) -> (String, String, String) {
        guard case .frame(let frame) = node.kind else { return (name(of: node, rootName: rootName), "", "") }
        return (frame.function, frame.module ?? "", frame.file ?? "")
    }

    /// "[12 frames hidden] NIOPosix, libswiftCore", at most four modules named.
    static func foldName(frameCount: Int, modules: [String]) -> String {
        let noun = frameCount == 1 ? "frame" : "frames"
        var text = "[\(frameCount) \(noun) hidden]"
        if !modules.isEmpty {
            text += " " + modules.prefix(4).joined(separator: ", ")
            if modules.count > 4 { text += ", …" }
        }
        return text
    }
}
