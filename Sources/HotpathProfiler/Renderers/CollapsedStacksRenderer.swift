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
        var output = ""
        var names: [Int: String] = [:]
        var prefixes: [Int: String] = [:]
        for node in tree.nodes {
            let name = Self.escape(node.name)
            names[node.id] = name
            let prefix: String
            if let parent = node.parent {
                let parentPrefix = prefixes[parent] ?? ""
                prefix = parentPrefix.isEmpty ? name : parentPrefix + ";" + name
            } else {
                // The root ("all threads") is implied by the format.
                prefix = ""
            }
            prefixes[node.id] = prefix
            let amount = value == .samples ? UInt64(node.selfSampleCount) : node.selfNanoseconds
            guard amount > 0 else { continue }
            output += (prefix.isEmpty ? name : prefix) + " \(amount)\n"
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
