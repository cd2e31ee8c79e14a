/// How a ``CallTree`` is built from a ``Profile``: which samples, whether threads are merged,
/// and how much is condensed.
///
/// The default (``condensed``) reads like pyinstrument's console view: library frames
/// folded, nodes under 1 % of the total hidden. 1 % is pyinstrument's own default: it keeps
/// a 1-second profile at a few dozen lines while anything costing 10 ms or more stays visible.
///
/// ```swift
/// CallTree(profile)                                   // condensed, all threads merged
/// CallTree(profile, options: .showAll)                // every frame, nothing hidden
/// var options = CallTreeOptions.condensed
/// options.filter = .onCPU                             // CPU time only
/// options.mergeThreads = false                        // one subtree per thread
/// ```
public struct CallTreeOptions: Sendable, Hashable {
    /// Which samples count.
    public var filter: SampleFilter
    /// True: the root's children are the stacks' outermost frames, all threads summed.
    /// False: the root's children are one node per thread.
    public var mergeThreads: Bool
    /// Collapse each run of library frames (``ProfileFrame/isLibrary``) under an app frame
    /// into one "[12 frames hidden] NIOPosix, libswiftCore" node.
    public var foldLibraryFrames: Bool
    /// Nodes whose total is below this share of the whole tree (0.01 = 1 %) are hidden; their
    /// time stays in the parent's ``CallTreeNode/hiddenNanoseconds``. 0 hides nothing.
    public var minimumShare: Double

    public init(
        filter: SampleFilter = .all,
        mergeThreads: Bool = true,
        foldLibraryFrames: Bool = true,
        minimumShare: Double = CallTreeOptions.defaultMinimumShare
    ) {
        self.filter = filter
        self.mergeThreads = mergeThreads
        self.foldLibraryFrames = foldLibraryFrames
        self.minimumShare = minimumShare
    }

    /// 1 %, as pyinstrument.
    public static let defaultMinimumShare = 0.01

    /// Library frames folded, nodes under 1 % hidden, threads merged, all samples.
    public static let condensed = CallTreeOptions()

    /// Everything: no folding, no threshold (the `--show-all` view, and the input for
    /// exact formats such as collapsed stacks).
    public static let showAll = CallTreeOptions(foldLibraryFrames: false, minimumShare: 0)

    /// Whether anything is folded or hidden.
    public var isCondensed: Bool {
        foldLibraryFrames || minimumShare > 0
    }
}
