import Testing
@testable import HotpathProfiler

@Suite("Collapsed stacks renderer")
struct CollapsedStacksRendererTests {
    @Test func seventyThirty() {
        let text = CollapsedStacksRenderer().render(Fixtures.seventyThirty())
        #expect(text == """
        main;OrderController.list(request:) 70
        main;render() 30

        """)
        let nanoseconds = CollapsedStacksRenderer(value: .nanoseconds).render(Fixtures.seventyThirty())
        #expect(nanoseconds.contains("main;render() 300000000\n"))
    }

    @Test func everyFrameIsKeptIncludingLibraries() {
        let text = CollapsedStacksRenderer().render(Fixtures.withLibraries())
        #expect(text.contains("start_thread;SelectableEventLoop.run();ChannelPipeline.fireChannelRead(_:);reabstraction thunk;App.handle(request:);OrderController.list(request:);Array.sort(by:);_merge(low:mid:high:buffer:by:) 60\n"))
        #expect(text.contains("start_thread;SelectableEventLoop.run();ChannelPipeline.fireChannelRead(_:);App.handle(request:);render() 40\n"))
    }

    @Test func recursionAndSelfTimeInInnerFrames() {
        var builder = ProfileBuilder()
        builder.addSample(["main", "a()"], count: 2)
        builder.addSample(["main"], count: 1)
        builder.addSample(["main", "a()", "a()"], count: 3)
        let text = CollapsedStacksRenderer().render(builder.build())
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines == ["main 1", "main;a() 2", "main;a();a() 3"])
    }

    @Test func threadsAsRootFrames() {
        let text = CollapsedStacksRenderer().render(Fixtures.twoThreads(), mergeThreads: false)
        #expect(text.contains("worker;main;work() 60\n"))
        #expect(text.contains("io;main;io() 40\n"))
        let onCPU = CollapsedStacksRenderer().render(Fixtures.twoThreads(), filter: .onCPU)
        #expect(onCPU == "main;work() 60\n")
    }

    @Test func hostileNamesCannotBreakTheFormat() {
        let text = CollapsedStacksRenderer().render(Fixtures.hostile())
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        // The 5-sample stack of all ten names, plus one line per name.
        #expect(lines.count == 11)
        for line in lines {
            // flamegraph.pl's own parse: everything up to the last space is the stack.
            let parts = line.split(separator: " ").last.map(String.init)
            #expect(parts.flatMap { Int($0) } != nil, "bad count in \(line)")
        }
        let long = lines.first { $0.hasSuffix(" 5") }
        #expect(long?.split(separator: ";").count == 10)
        #expect(text.contains("semi:colon:frames"))
        #expect(text.contains("line1\\nline2\\r\\nline3"))
        #expect(text.contains("Ünïcødé.ƒ(🔥)"))
        #expect(!text.contains("\u{1B}"))
        #expect(text.contains("\n? 1\n") || text.hasPrefix("? 1\n") || text.hasSuffix("\n? 1\n"))
    }

    @Test func emptyProfile() {
        #expect(CollapsedStacksRenderer().render(Fixtures.empty()) == "")
    }
}
