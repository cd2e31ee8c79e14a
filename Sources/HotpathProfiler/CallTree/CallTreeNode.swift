/// One node of a ``CallTree``: a function reached by one path from the root, with the time
/// of the samples passing through it.
///
/// Times are sample weights in nanoseconds: `total` counts samples with this node anywhere
/// on the path, `self` those where it was the leaf. Always
/// `total == self + hidden + Σ children.total`.
public struct CallTreeNode: Sendable, Hashable, Identifiable {
    /// What a node stands for.
    public enum Kind: Sendable, Hashable {
        /// The tree's root: all selected samples.
        case root
        /// One thread's samples (only when threads are not merged).
        case thread(id: Int32, name: String)
        /// A function. Calls from different lines of the same caller share a node; `frame`
        /// carries the line that weighed most.
        case frame(ProfileFrame)
        /// A run of library frames folded into one line.
        case libraryFold(frameCount: Int, modules: [String])
    }

    /// Index in ``CallTree/nodes``.
    public var id: Int
    public var kind: Kind
    public var parent: Int?
    /// 0 for the root.
    public var depth: Int
    /// Indexes in ``CallTree/nodes``, heaviest first (ties by name).
    public var children: [Int]
    public var totalNanoseconds: UInt64
    public var selfNanoseconds: UInt64
    /// Samples passing through this node.
    public var sampleCount: Int
    /// Samples ending at this node.
    public var selfSampleCount: Int
    /// Time of children hidden under the tree's threshold.
    public var hiddenNanoseconds: UInt64
    /// How many children were hidden.
    public var hiddenChildCount: Int
    /// What views print: the function, the thread name, "all threads", or
    /// "[12 frames hidden] NIOPosix, libswiftCore".
    public var name: String

    /// The frame, for function nodes.
    public var frame: ProfileFrame? {
        if case .frame(let frame) = kind { return frame }
        return nil
    }

    /// "OrderController.swift:42" for function nodes with a file.
    public var location: String? {
        frame?.shortLocation
    }

    /// Library frames and folds of them: views dim these.
    public var isLibrary: Bool {
        switch kind {
        case .frame(let frame): frame.isLibrary
        case .libraryFold: true
        case .root, .thread: false
        }
    }
}
