import HotpathProfiler

/// Hand-made profiles with known answers.
enum Fixtures {
    static let main = ProfileFrame(function: "main", module: "SlowShop", file: "Sources/SlowShop/App.swift", line: 1)
    static let list = ProfileFrame(
        function: "OrderController.list(request:)", module: "SlowShop",
        file: "Sources/SlowShop/OrderController.swift", line: 42
    )
    static let render = ProfileFrame(function: "render()", module: "SlowShop", file: "Sources/SlowShop/View.swift", line: 10)

    /// main → list 70 %, main → render 30 %; 100 samples of 10 ms = 1 s.
    static func seventyThirty() -> Profile {
        var builder = ProfileBuilder(intervalNanoseconds: 10_000_000, startedAt: 1_700_000_000, label: "GET /orders")
        builder.addSample([main, list], thread: 1, count: 70)
        builder.addSample([main, render], thread: 1, count: 30)
        return builder.build()
    }

    static func library(_ function: String, _ module: String) -> ProfileFrame {
        ProfileFrame(function: function, module: module, isLibrary: true)
    }

    static let startThread = library("start_thread", "libc.so.6")
    static let eventLoopRun = library("SelectableEventLoop.run()", "NIOPosix")
    static let channelRead = library("ChannelPipeline.fireChannelRead(_:)", "NIOCore")
    static let thunk = library("reabstraction thunk", "libswiftCore.so")
    static let handle = ProfileFrame(function: "App.handle(request:)", module: "SlowShop", file: "App.swift", line: 20)
    static let sort = library("Array.sort(by:)", "libswiftCore.so")
    static let sortImpl = library("_merge(low:mid:high:buffer:by:)", "libswiftCore.so")

    /// App frames separated by library runs: 60 samples through list, ending in stdlib sort;
    /// 40 through the same library run into render.
    static func withLibraries() -> Profile {
        var builder = ProfileBuilder(intervalNanoseconds: 1_000_000)
        builder.addSample([startThread, eventLoopRun, channelRead, thunk, handle, list, sort, sortImpl], count: 60)
        builder.addSample([startThread, eventLoopRun, channelRead, handle, render], count: 40)
        return builder.build()
    }

    /// 99.5 % in a(), 0.5 % in b(): b is under the default 1 % threshold.
    static func tinyBranch() -> Profile {
        var builder = ProfileBuilder(intervalNanoseconds: 1_000_000)
        builder.addSample(["main", "a()"], count: 995)
        builder.addSample(["main", "b()"], count: 5)
        return builder.build()
    }

    /// Thread 1 runs work() for 60 ms; thread 2 waits in io() (off-CPU) for 40 ms.
    static func twoThreads() -> Profile {
        var builder = ProfileBuilder(intervalNanoseconds: 1_000_000)
        builder.setThreadName("worker", for: 1)
        builder.setThreadName("io", for: 2)
        builder.addSample(["main", "work()"], thread: 1, onCPU: true, count: 60)
        builder.addSample(["main", "io()"], thread: 2, onCPU: false, count: 40)
        return builder.build()
    }

    /// fib recursing: 10 samples three deep, 10 one deep.
    static func recursive() -> Profile {
        var builder = ProfileBuilder(intervalNanoseconds: 1_000_000)
        builder.addSample(["main", "fib(_:)", "fib(_:)", "fib(_:)"], count: 10)
        builder.addSample(["main", "fib(_:)"], count: 10)
        return builder.build()
    }

    static let hostileNames = [
        "<script>alert(\"x\")</script>",
        "</script><script>alert(1)</script>",
        "semi;colon;frames",
        "line1\nline2\r\nline3",
        "quote\"s and 'single' & ampersand",
        "Ünïcødé.ƒ(🔥)",
        "\u{1B}[31mred\u{1B}[0m",
        "<!-- comment -->",
        "back\\slash",
        "",
    ]

    /// One stack made of every hostile name (as app frames with hostile files), plus one
    /// sample per name as a leaf.
    static func hostile() -> Profile {
        var builder = ProfileBuilder(intervalNanoseconds: 1_000_000, label: "<b>label</b> & \"quotes\"")
        let frames = hostileNames.map { ProfileFrame(function: $0, module: "Evil;Module", file: "<file>.swift", line: 1) }
        builder.addSample(frames, count: 5)
        for frame in frames { builder.addSample([frame], count: 1) }
        builder.setThreadName("thread<\"name\">;\n", for: 1)
        return builder.build()
    }

    static func empty() -> Profile {
        Profile()
    }
}
