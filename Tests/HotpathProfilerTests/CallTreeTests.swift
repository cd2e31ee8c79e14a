import Testing
@testable import HotpathProfiler

@Suite("Call tree")
struct CallTreeTests {
    @Test func seventyThirtySplit() throws {
        let tree = CallTree(Fixtures.seventyThirty())
        #expect(tree.totalNanoseconds == 1_000_000_000)
        #expect(tree.sampleCount == 100)
        let main = try #require(tree.node(at: ["main"]))
        #expect(main.totalNanoseconds == 1_000_000_000)
        #expect(main.selfNanoseconds == 0)
        let children = tree.children(of: main)
        #expect(children.map(\.name) == ["OrderController.list(request:)", "render()"])
        #expect(children.map { tree.share(of: $0) } == [0.7, 0.3])
        #expect(children.map(\.sampleCount) == [70, 30])
        #expect(children.map(\.selfSampleCount) == [70, 30])
        #expect(children.map(\.location) == ["OrderController.swift:42", "View.swift:10"])
        // Per-function totals agree.
        let functions = Dictionary(uniqueKeysWithValues: tree.functions.map { ($0.name, $0) })
        #expect(functions["OrderController.list(request:)"]?.selfNanoseconds == 700_000_000)
        #expect(functions["render()"]?.totalNanoseconds == 300_000_000)
        #expect(functions["main"]?.totalNanoseconds == 1_000_000_000)
        #expect(functions["main"]?.selfNanoseconds == 0)
        #expect(tree.functions.first?.name == "OrderController.list(request:)")
    }

    @Test func totalsAddUp() {
        for profile in [Fixtures.seventyThirty(), Fixtures.withLibraries(), Fixtures.tinyBranch(), Fixtures.twoThreads(), Fixtures.recursive(), Fixtures.hostile()] {
            for options in [CallTreeOptions.condensed, .showAll, CallTreeOptions(mergeThreads: false)] {
                let tree = CallTree(profile, options: options)
                for node in tree.nodes {
                    let childTotal = tree.children(of: node).reduce(UInt64(0)) { $0 + $1.totalNanoseconds }
                    #expect(node.totalNanoseconds == node.selfNanoseconds + node.hiddenNanoseconds + childTotal)
                    // Sorted heaviest first.
                    let totals = tree.children(of: node).map(\.totalNanoseconds)
                    #expect(totals == totals.sorted(by: >))
                    // Preorder: parents come first.
                    if let parent = node.parent { #expect(parent < node.id) }
                }
            }
        }
    }

    @Test func foldsLibraryRuns() throws {
        let profile = Fixtures.withLibraries()
        let tree = CallTree(profile)
        // The outer run (libc, NIOPosix, NIOCore, thunk) is one node leading to handle.
        let top = try #require(tree.children(of: tree.root).first)
        #expect(tree.children(of: tree.root).count == 1)
        guard case .libraryFold(let count, let modules) = top.kind else {
            Issue.record("expected a fold, got \(top.kind)")
            return
        }
        #expect(count == 4)
        #expect(modules == ["libc.so.6", "NIOPosix", "NIOCore", "libswiftCore.so"])
        #expect(top.name == "[4 frames hidden] libc.so.6, NIOPosix, NIOCore, libswiftCore.so")
        #expect(top.totalNanoseconds == 100_000_000)
        // Both library paths (with and without the thunk) lead to one handle node.
        let handle = try #require(tree.node(at: [top.name, "App.handle(request:)"]))
        #expect(handle.totalNanoseconds == 100_000_000)
        // The sort run at the leaf becomes a fold with the self time.
        let sortFold = try #require(tree.node(at: [top.name, "App.handle(request:)", "OrderController.list(request:)", "[2 frames hidden] libswiftCore.so"]))
        #expect(sortFold.selfNanoseconds == 60_000_000)
        #expect(sortFold.isLibrary)
        // Show-all keeps every frame.
        let all = CallTree(profile, options: .showAll)
        #expect(all.node(at: ["start_thread", "SelectableEventLoop.run()", "ChannelPipeline.fireChannelRead(_:)", "reabstraction thunk", "App.handle(request:)"])?.totalNanoseconds == 60_000_000)
        #expect(!all.nodes.contains { if case .libraryFold = $0.kind { true } else { false } })
    }

    @Test func pathToANode() throws {
        let tree = CallTree(Fixtures.seventyThirty())
        let render = try #require(tree.node(at: ["main", "render()"]))
        #expect(tree.path(to: render).map(\.name) == ["main", "render()"])
        #expect(tree.path(to: tree.root).isEmpty)
        #expect(render.depth == 2)
        #expect(tree.node(at: ["main", "missing()"]) == nil)
    }

    @Test func loneLibraryFrameIsNotFolded() {
        var builder = ProfileBuilder()
        builder.addSample([Fixtures.handle, Fixtures.sort], count: 3)
        let tree = CallTree(builder.build())
        #expect(tree.node(at: ["App.handle(request:)", "Array.sort(by:)"]) != nil)
    }

    @Test func hidesNodesUnderThreshold() throws {
        let profile = Fixtures.tinyBranch()
        let tree = CallTree(profile)
        let main = try #require(tree.node(at: ["main"]))
        #expect(tree.children(of: main).map(\.name) == ["a()"])
        #expect(main.hiddenNanoseconds == 5_000_000)
        #expect(main.hiddenChildCount == 1)
        #expect(main.totalNanoseconds == 1_000_000_000)
        let all = CallTree(profile, options: .showAll)
        #expect(all.node(at: ["main", "b()"])?.totalNanoseconds == 5_000_000)
        // A lower threshold keeps it.
        let lower = CallTree(profile, options: CallTreeOptions(minimumShare: 0.004))
        #expect(lower.node(at: ["main", "b()"]) != nil)
        // Function totals are never thresholded.
        #expect(tree.functions.contains { $0.name == "b()" })
    }

    @Test func mergesThreadsByDefault() throws {
        let profile = Fixtures.twoThreads()
        let merged = CallTree(profile)
        #expect(merged.root.name == "all threads")
        let main = try #require(merged.node(at: ["main"]))
        #expect(main.totalNanoseconds == 100_000_000)
        #expect(merged.children(of: main).map(\.name) == ["work()", "io()"])

        let separate = CallTree(profile, options: CallTreeOptions(mergeThreads: false))
        #expect(separate.children(of: separate.root).map(\.name) == ["worker", "io"])
        #expect(separate.node(at: ["worker", "main", "work()"])?.totalNanoseconds == 60_000_000)
        #expect(separate.node(at: ["io", "main", "io()"])?.totalNanoseconds == 40_000_000)
        guard case .thread(let id, _) = separate.children(of: separate.root)[1].kind else {
            Issue.record("expected a thread node")
            return
        }
        #expect(id == 2)
    }

    @Test func oneThread() throws {
        let tree = CallTree(Fixtures.twoThreads(), options: CallTreeOptions(filter: SampleFilter(thread: 2)))
        #expect(tree.root.name == "io")
        #expect(tree.totalNanoseconds == 40_000_000)
        #expect(tree.node(at: ["main", "work()"]) == nil)
        #expect(tree.functions.map(\.name).sorted() == ["io()", "main"])
    }

    @Test func onCPUOnly() {
        let tree = CallTree(Fixtures.twoThreads(), options: CallTreeOptions(filter: .onCPU))
        #expect(tree.totalNanoseconds == 60_000_000)
        #expect(tree.node(at: ["main", "io()"]) == nil)
        #expect(tree.node(at: ["main", "work()"])?.totalNanoseconds == 60_000_000)
        #expect(!tree.functions.contains { $0.name == "io()" })
    }

    @Test func recursionIsNotDoubleCounted() throws {
        let tree = CallTree(Fixtures.recursive(), options: .showAll)
        let fib = try #require(tree.functions.first { $0.name == "fib(_:)" })
        #expect(fib.totalNanoseconds == 20_000_000)
        #expect(fib.totalSampleCount == 20)
        #expect(fib.selfNanoseconds == 20_000_000)
        #expect(fib.totalNanoseconds <= tree.totalNanoseconds)
        // The tree itself keeps the nesting.
        #expect(tree.node(at: ["main", "fib(_:)", "fib(_:)", "fib(_:)"])?.selfNanoseconds == 10_000_000)
        #expect(tree.node(at: ["main", "fib(_:)"])?.totalNanoseconds == 20_000_000)
    }

    @Test func sameFunctionDifferentLinesShareANode() throws {
        var builder = ProfileBuilder()
        var early = Fixtures.list
        early.line = 40
        builder.addSample([Fixtures.main, early], count: 2)
        builder.addSample([Fixtures.main, Fixtures.list], count: 5)
        let tree = CallTree(builder.build())
        let list = try #require(tree.node(at: ["main", "OrderController.list(request:)"]))
        #expect(list.totalNanoseconds == 7_000_000)
        // The heavier line is the one shown.
        #expect(list.frame?.line == 42)
        #expect(tree.functions.count == 2)
    }

    /// Stacks thousands of frames deep (runaway recursion through library code) must not
    /// overflow the small stacks of the threads tests and servers run on.
    @Test func deepStacks() {
        var builder = ProfileBuilder()
        var stack: [ProfileFrame] = []
        for depth in 0..<6_000 {
            stack.append(depth % 3 == 0
                ? Fixtures.library("thunk\(depth % 7)", "libswiftCore.so")
                : ProfileFrame(function: "recurse\(depth % 5)()", module: "SlowShop"))
        }
        builder.addSample(stack, count: 2)
        builder.addSample(Array(stack.prefix(3_000)), count: 1)
        let profile = builder.build()
        for options in [CallTreeOptions.condensed, .showAll] {
            let tree = CallTree(profile, options: options)
            #expect(tree.totalNanoseconds == 3_000_000)
            #expect(tree.nodes.count > 3_000)
        }
        let collapsed = CollapsedStacksRenderer().render(profile)
        #expect(collapsed.split(separator: "\n").count == 2)
        let text = TextTreeRenderer(options: .init(maxDepth: 20)).render(profile)
        #expect(text.split(separator: "\n").count < 40)
        #expect(PprofRenderer().render(profile).count > 6_000)
    }

    @Test func emptyAndCorruptProfiles() {
        let empty = CallTree(Fixtures.empty())
        #expect(empty.nodes.count == 1)
        #expect(empty.totalNanoseconds == 0)
        #expect(empty.share(of: empty.root) == 0)
        #expect(empty.functions.isEmpty)
        // Out-of-range frame indexes are skipped, not trapped on.
        var profile = Fixtures.seventyThirty()
        profile.samples.append(ProfileSample(stack: [0, 99, -1, 2], thread: 1, timestampNanoseconds: 0, weightNanoseconds: 10_000_000))
        let tree = CallTree(profile, options: .showAll)
        #expect(tree.node(at: ["main", "render()"])?.sampleCount == 31)
    }
}
