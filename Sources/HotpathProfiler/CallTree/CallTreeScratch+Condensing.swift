/// pyinstrument-style condensing: fold library runs, then hide small nodes.
extension CallTreeScratch {
    /// Folds, below `start`, every run of library frames that starts under a non-library node
    /// into one fold node whose children are the app frames the runs lead to (merged by
    /// function). A lone library frame with no library callees is left as it is: "[1 frame
    /// hidden]" would say less than its name.
    mutating func foldLibraryRuns(below start: Int) {
        // A worklist, not recursion: see `merge(_:into:)`.
        var work = [start]
        while let node = work.popLast() {
            let libraryChildren = nodes[node].children.filter { nodes[$0.value].isLibraryFrame }
            if !libraryChildren.isEmpty {
                let lone = libraryChildren.count == 1
                    && libraryChildren.values.allSatisfy { child in
                        !nodes[child].children.values.contains { nodes[$0].isLibraryFrame }
                    }
                if !lone { fold(libraryChildren, under: node) }
            }
            for child in nodes[node].children.values {
                if nodes[child].isLibraryFrame {
                    // A lone library frame: its app callees may start runs of their own.
                    work.append(contentsOf: nodes[child].children.values)
                } else if case .libraryFold = nodes[child].kind {
                    work.append(contentsOf: nodes[child].children.values)
                } else {
                    work.append(child)
                }
            }
        }
    }

    private mutating func fold(_ runStarts: [Key: Int], under parent: Int) {
        var functions = Set<FunctionKey>()
        var modules: [String] = []
        var selfTime: UInt64 = 0
        var selfCount = 0
        var hidden: UInt64 = 0
        var hiddenCount = 0
        var exits: [(Key, Int)] = []
        // Breadth first, so modules are listed outermost first.
        var queue = runStarts.sorted { nodes[$0.value].total > nodes[$1.value].total }.map(\.value)
        var position = 0
        while position < queue.count {
            let index = queue[position]
            position += 1
            let node = nodes[index]
            if case .frame(let frame) = node.kind {
                functions.insert(frame.functionKey)
                if let module = frame.module, !modules.contains(module) { modules.append(module) }
            }
            selfTime &+= node.selfTime
            selfCount += node.selfCount
            hidden &+= node.hidden
            hiddenCount += node.hiddenCount
            for (key, child) in node.children.sorted(by: { nodes[$0.value].total > nodes[$1.value].total }) {
                if nodes[child].isLibraryFrame {
                    queue.append(child)
                } else {
                    exits.append((key, child))
                }
            }
            nodes[index].removed = true
        }
        var foldNode = Node(kind: .libraryFold(frameCount: functions.count, modules: modules))
        foldNode.total = runStarts.values.reduce(0) { $0 &+ nodes[$1].total }
        foldNode.count = runStarts.values.reduce(0) { $0 + nodes[$1].count }
        foldNode.selfTime = selfTime
        foldNode.selfCount = selfCount
        foldNode.hidden = hidden
        foldNode.hiddenCount = hiddenCount
        nodes.append(foldNode)
        let foldIndex = nodes.count - 1
        for (key, exit) in exits {
            if let existing = nodes[foldIndex].children[key] {
                merge(exit, into: existing)
            } else {
                nodes[foldIndex].children[key] = exit
            }
        }
        for key in runStarts.keys { nodes[parent].children[key] = nil }
        nodes[parent].children[.fold] = foldIndex
    }

    /// Removes, below `start`, every node whose total is under `minimum`, adding its time to
    /// its parent's hidden time.
    mutating func hideNodes(below start: Int, minimum: Double) {
        var work = [start]
        while let node = work.popLast() {
            for (key, child) in nodes[node].children {
                if Double(nodes[child].total) < minimum {
                    nodes[node].hidden &+= nodes[child].total
                    nodes[node].hiddenCount += 1
                    nodes[node].children[key] = nil
                    nodes[child].removed = true
                } else {
                    work.append(child)
                }
            }
        }
    }
}
