/// The call tree as console text, in pyinstrument's layout:
///
/// ```text
/// Hotpath profile · GET /orders/{id}
/// Samples: 1000 · Duration: 1.000 s · Interval: 1.000 ms · Threads: 2 (merged)
/// Showing all samples; library frames folded, nodes under 1.0% hidden
///
/// 1.000 s  100.0%  all threads
/// ├─ 0.700 s  70.0%  OrderController.list(request:)  OrderController.swift:42
/// │  └─ 0.690 s  69.0%  [12 frames hidden] PostgresNIO, NIOPosix
/// └─ 0.300 s  30.0%  render()  View.swift:10
/// ```
///
/// Whether the tree is condensed is the tree's choice (``CallTreeOptions/condensed`` or
/// ``CallTreeOptions/showAll``); this type only lays it out. Colour is off unless asked for:
/// the caller knows whether it writes to a terminal.
///
/// ```swift
/// let text = TextTreeRenderer(options: .init(color: isTTY)).render(CallTree(profile), profile: profile)
/// ```
public struct TextTreeRenderer: Sendable {
    public struct Options: Sendable, Hashable {
        /// Box-drawing glyphs (`├─ └─ │`); false uses ASCII (`|- \`- |`).
        public var unicode: Bool
        /// ANSI colours: time coloured by share (red ≥ 50 %, yellow ≥ 20 %, green ≥ 5 %,
        /// dim below), library lines and locations dimmed.
        public var color: Bool
        /// The summary lines above the tree.
        public var header: Bool
        /// Deeper nodes are not printed; nil prints every level.
        public var maxDepth: Int?

        public init(unicode: Bool = true, color: Bool = false, header: Bool = true, maxDepth: Int? = nil) {
            self.unicode = unicode
            self.color = color
            self.header = header
            self.maxDepth = maxDepth
        }
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    public func render(_ tree: CallTree, profile: Profile) -> String {
        var output = ""
        if options.header { output += header(tree, profile: profile) + "\n" }
        guard tree.sampleCount > 0 else {
            return output + "No samples" + (tree.options.filter == .all ? "." : " match (\(tree.options.filter.describe(in: profile))).") + "\n"
        }
        let scale = tree.totalNanoseconds
        output += line(tree.root, tree: tree, scale: scale) + "\n"
        // Explicit stack of (node, prefix for its children, glyph before it).
        var stack: [(node: Int, indent: String, glyph: String)] = []
        pushChildren(of: tree.root, indent: "", into: &stack)
        while let entry = stack.popLast() {
            let node = tree.nodes[entry.node]
            output += entry.indent + entry.glyph + line(node, tree: tree, scale: scale) + "\n"
            if let maxDepth = options.maxDepth, node.depth >= maxDepth { continue }
            let isLast = entry.glyph == glyphs.last
            pushChildren(of: node, indent: entry.indent + (isLast ? glyphs.space : glyphs.bar), into: &stack)
        }
        return output
    }

    private func pushChildren(of node: CallTreeNode, indent: String, into stack: inout [(node: Int, indent: String, glyph: String)]) {
        for (position, child) in node.children.enumerated().reversed() {
            let glyph = position == node.children.count - 1 ? glyphs.last : glyphs.middle
            stack.append((child, indent, glyph))
        }
    }

    private var glyphs: (middle: String, last: String, bar: String, space: String) {
        options.unicode ? ("├─ ", "└─ ", "│  ", "   ") : ("|- ", "`- ", "|  ", "   ")
    }

    private func line(_ node: CallTreeNode, tree: CallTree, scale: UInt64) -> String {
        let share = tree.share(of: node)
        let time = NumberText.duration(node.totalNanoseconds, scale: scale) + "  " + NumberText.percent(share)
        var text = paint(time, shareColor(share)) + "  "
        let name = TextSanitizer.singleLine(node.name)
        text += node.isLibrary ? paint(name, Style.dim) : name
        if let location = node.location {
            text += "  " + paint(TextSanitizer.singleLine(location), Style.dim)
        }
        return text
    }

    private func header(_ tree: CallTree, profile: Profile) -> String {
        var lines: [String] = []
        var title = "Hotpath profile"
        if let label = profile.label { title += " · " + TextSanitizer.singleLine(label) }
        lines.append(options.color ? paint(title, Style.bold) : title)
        let interval = NumberText.duration(profile.intervalNanoseconds, scale: 0)
        let duration = NumberText.duration(profile.durationNanoseconds, scale: profile.durationNanoseconds)
        let threadCount = profile.threads.count
        let threads = "Threads: \(threadCount)" + (threadCount > 1 && tree.options.filter.thread == nil
            ? (tree.options.mergeThreads ? " (merged)" : " (separate)") : "")
        var summary = "Samples: \(profile.samples.count) · Duration: \(duration) · Interval: \(interval) · \(threads)"
        if profile.droppedSamples > 0 { summary += " · Dropped: \(profile.droppedSamples)" }
        lines.append(summary)
        var showing = "Showing \(tree.options.filter.describe(in: profile))"
        if tree.options.filter != .all { showing += " (\(tree.sampleCount))" }
        var condensing: [String] = []
        if tree.options.foldLibraryFrames { condensing.append("library frames folded") }
        if tree.options.minimumShare > 0 {
            condensing.append("nodes under \(NumberText.percent(tree.options.minimumShare)) hidden")
        }
        showing += condensing.isEmpty ? "; everything shown" : "; " + condensing.joined(separator: ", ")
        lines.append(options.color ? paint(showing, Style.dim) : showing)
        return lines.joined(separator: "\n") + "\n"
    }

    private enum Style {
        static let red = "\u{1B}[31m"
        static let yellow = "\u{1B}[33m"
        static let green = "\u{1B}[32m"
        static let dim = "\u{1B}[2m"
        static let bold = "\u{1B}[1m"
        static let reset = "\u{1B}[0m"
    }

    private func shareColor(_ share: Double) -> String {
        switch share {
        case 0.5...: Style.red
        case 0.2..<0.5: Style.yellow
        case 0.05..<0.2: Style.green
        default: Style.dim
        }
    }

    private func paint(_ text: String, _ style: String) -> String {
        options.color ? style + text + Style.reset : text
    }
}

extension TextTreeRenderer {
    /// Builds the tree and renders it: condensed, or everything with `showAll`.
    ///
    /// ```swift
    /// print(TextTreeRenderer().render(profile))
    /// ```
    public func render(_ profile: Profile, showAll: Bool = false, filter: SampleFilter = .all) -> String {
        var treeOptions = showAll ? CallTreeOptions.showAll : CallTreeOptions.condensed
        treeOptions.filter = filter
        return render(CallTree(profile, options: treeOptions), profile: profile)
    }
}
