import Testing
@testable import HotpathProfiler

@Suite("Text tree renderer")
struct TextTreeRendererTests {
    @Test func seventyThirtyLayout() {
        let profile = Fixtures.seventyThirty()
        let text = TextTreeRenderer().render(profile)
        let expectedTree = """
        1.000 s  100.0%  all threads
        └─ 1.000 s  100.0%  main  App.swift:1
           ├─ 0.700 s  70.0%  OrderController.list(request:)  OrderController.swift:42
           └─ 0.300 s  30.0%  render()  View.swift:10

        """
        #expect(text.hasSuffix(expectedTree))
        #expect(text.hasPrefix("Hotpath profile · GET /orders\n"))
        #expect(text.contains("Samples: 100 · Duration: 1.000 s · Interval: 10.000 ms · Threads: 1"))
        #expect(text.contains("library frames folded, nodes under 1.0% hidden"))
        #expect(!text.contains("\u{1B}["))
    }

    @Test func asciiGlyphs() {
        let text = TextTreeRenderer(options: .init(unicode: false, header: false)).render(Fixtures.seventyThirty())
        #expect(text == """
        1.000 s  100.0%  all threads
        `- 1.000 s  100.0%  main  App.swift:1
           |- 0.700 s  70.0%  OrderController.list(request:)  OrderController.swift:42
           `- 0.300 s  30.0%  render()  View.swift:10

        """)
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func continuationBars() {
        var builder = ProfileBuilder()
        builder.addSample(["main", "a()", "x()"], count: 6)
        builder.addSample(["main", "b()"], count: 4)
        let text = TextTreeRenderer(options: .init(header: false)).render(builder.build())
        #expect(text.contains("""
           ├─ 6.000 ms  60.0%  a()
           │  └─ 6.000 ms  60.0%  x()
           └─ 4.000 ms  40.0%  b()
        """))
    }

    @Test func colourByShare() {
        let text = TextTreeRenderer(options: .init(color: true, header: false)).render(Fixtures.seventyThirty())
        #expect(text.contains("\u{1B}[31m0.700 s  70.0%\u{1B}[0m"))
        #expect(text.contains("\u{1B}[33m0.300 s  30.0%\u{1B}[0m"))
        #expect(text.contains("\u{1B}[2mOrderController.swift:42\u{1B}[0m"))
    }

    @Test func condensedAndShowAll() {
        let profile = Fixtures.withLibraries()
        let condensed = TextTreeRenderer(options: .init(header: false)).render(profile)
        #expect(condensed.contains("[4 frames hidden] libc.so.6, NIOPosix, NIOCore, libswiftCore.so"))
        #expect(!condensed.contains("start_thread"))
        let all = TextTreeRenderer().render(profile, showAll: true)
        #expect(all.contains("start_thread"))
        #expect(all.contains("reabstraction thunk"))
        #expect(all.contains("everything shown"))
        #expect(!all.contains("frames hidden]"))
    }

    @Test func maxDepth() {
        let text = TextTreeRenderer(options: .init(header: false, maxDepth: 1)).render(Fixtures.seventyThirty())
        #expect(text.contains("main"))
        #expect(!text.contains("render()"))
    }

    @Test func filteredHeader() {
        let tree = CallTree(Fixtures.twoThreads(), options: CallTreeOptions(filter: .onCPU))
        let text = TextTreeRenderer().render(tree, profile: Fixtures.twoThreads())
        #expect(text.contains("Showing on-CPU samples (60)"))
        #expect(text.contains("Threads: 2 (merged)"))
        #expect(!text.contains("io()"))
    }

    @Test func hostileNamesStayOnOneLine() {
        let profile = Fixtures.hostile()
        let text = TextTreeRenderer(options: .init(header: true)).render(profile, showAll: true)
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains("line1\\nline2\\r\\nline3"))
        #expect(text.contains("Ünïcødé.ƒ(🔥)"))
        // Every line is a header line, blank, or a tree line with a time.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines.dropFirst(4) where !line.isEmpty {
            #expect(line.contains(" ms  "), "stray line: \(line)")
        }
    }

    @Test func emptyProfile() {
        let text = TextTreeRenderer().render(Fixtures.empty())
        #expect(text.contains("Samples: 0"))
        #expect(text.hasSuffix("No samples.\n"))
        let filtered = TextTreeRenderer().render(Fixtures.twoThreads(), filter: SampleFilter(thread: 9))
        #expect(filtered.contains("No samples match (all samples of thread 9)."))
    }
}
