/// Brendan Gregg's "collapsed stacks", the input of `flamegraph.pl` and many other tools:
/// one line per distinct stack, root first, frames joined by `;`, then a space and the value.
///
/// ```text
/// main;OrderController.list(request:);Database.query(_:) 690
/// main;render() 300
/// ```
///
/// Lines come from the call tree's self times, so render a ``CallTreeOptions/showAll`` tree
/// (the convenience overload does) unless folded/hidden lines are wanted. With threads not
/// merged, each line starts with the thread's name.
///
/// Names are made safe for the format: `;` becomes `:`, line breaks and other control
/// characters become visible escapes or U+FFFD, so no name can add a frame or a line.
///
/// ```swift
/// let text = CollapsedStacksRenderer().render(profile)
/// // flamegraph.pl profile.folded > profile.svg
/// ```
public struct CollapsedStacksRenderer: Sendable {
    /// What the number at the end of a line counts.
    public enum Value: Sendable, Hashable {
        /// Samples (flamegraph.pl's usual unit).
        case samples
        /// Summed sample weights in nanoseconds.
        case nanoseconds
    }

    public var value: Value

    public init(value: Value = .samples) {
        self.value = value
    }

    public func render(_ tree: CallTree) -> String {
        let names = tree.nodes.map { Self.escape($0.name) }
        var output = ""
        for node in tree.nodes {
            let amount = value == .samples ? UInt64(node.selfSampleCount) : node.selfNanoseconds
            guard amount > 0 else { continue }
            // Walked per line rather than cached per node: cached prefixes of a deep chain
            // would take memory quadratic in its depth; this is linear in the output.
            var path: [String] = []
            var current: Int? = node.id
            while let index = current, let parent = tree.nodes[index].parent {
                path.append(names[index])
                current = parent
            }
            // The root ("all threads") is implied by the format, unless it is all there is.
            let stack = path.isEmpty ? names[node.id] : path.reversed().joined(separator: ";")
            output += stack + " \(amount)\n"
        }
        return output
    }

    /// Makes one frame name safe for the format.
    static func escape(_ name: String) -> String {
        let cleaned = TextSanitizer.singleLine(name).replacingSemicolons()
        return cleaned.isEmpty ? "?" : cleaned
    }
}

extension CollapsedStacksRenderer {
    /// Builds a complete (``CallTreeOptions/showAll``) tree and renders it.
    public func render(_ profile: Profile, filter: SampleFilter = .all, mergeThreads: Bool = true) -> String {
        var options = CallTreeOptions.showAll
        options.filter = filter
        options.mergeThreads = mergeThreads
        return render(CallTree(profile, options: options))
    }
}

private extension String {
    func replacingSemicolons() -> String {
        String(unicodeScalars.map { $0 == ";" ? ":" : Character($0) })
    }
}
