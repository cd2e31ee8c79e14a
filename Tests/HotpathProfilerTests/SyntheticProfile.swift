import HotpathProfiler

/// A deterministic, server-shaped profile: NIO event-loop threads running an app whose
/// handlers query a database (off-CPU waits in PostgresNIO), encode JSON (Foundation), sort
/// (stdlib) and recurse. Large enough to exercise every path of the tree and the renderers.
enum SyntheticProfile {
    /// A small linear congruential generator: the same profile on every run and platform.
    struct Generator {
        var state: UInt64

        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static func make(samplesPerThread: Int = 5_000, threads: Int32 = 4, seed: UInt64 = 7) -> Profile {
        var random = Generator(state: seed)
        var builder = ProfileBuilder(intervalNanoseconds: 1_000_000, startedAt: 1_700_000_000, label: "GET /orders/{id}")
        func lib(_ function: String, _ module: String) -> ProfileFrame {
            ProfileFrame(function: function, module: module, isLibrary: true)
        }
        func app(_ function: String, _ file: String, _ line: Int) -> ProfileFrame {
            ProfileFrame(function: function, module: "SlowShop", file: "/src/SlowShop/Sources/App/\(file)", line: line)
        }
        let base = [
            lib("clone3", "libc.so.6"), lib("start_thread", "libc.so.6"),
            lib("NIOThread.spawnAndRun(name:body:)", "NIOPosix"), lib("SelectableEventLoop.run()", "NIOPosix"),
            lib("ChannelPipeline.fireChannelRead(_:)", "NIOCore"), lib("HTTPServerHandler.channelRead(context:data:)", "Hummingbird"),
            lib("Router.respond(to:context:)", "Hummingbird"),
        ]
        let controller = app("OrderController.show(request:context:)", "OrderController.swift", 31)
        for thread in 1...threads {
            builder.setThreadName("NIO-ELT-0-#\(thread - 1)", for: thread)
            for _ in 0..<samplesPerThread {
                var stack = base
                var onCPU = true
                switch random.next(100) {
                case 0..<45:
                    stack += [controller, app("OrderRepository.find(id:)", "OrderRepository.swift", 12 + random.next(3)),
                              lib("PostgresClient.query(_:)", "PostgresNIO"), lib("PostgresConnection.send(_:)", "PostgresNIO"),
                              lib("swift_task_switch", "libswift_Concurrency.so")]
                    onCPU = false
                case 45..<70:
                    stack += [controller, app("OrderView.render(_:)", "OrderView.swift", 8),
                              lib("JSONEncoder.encode(_:)", "FoundationEssentials"), lib("__JSONEncoder.wrap(_:)", "FoundationEssentials")]
                    if random.next(2) == 0 { stack.append(lib("swift_retain", "libswiftCore.so")) }
                case 70..<85:
                    stack += [controller, app("PriceCalculator.total(for:)", "PriceCalculator.swift", 40),
                              lib("MutableCollection.sort(by:)", "libswiftCore.so"), lib("_merge(low:mid:high:buffer:by:)", "libswiftCore.so")]
                case 85..<95:
                    stack += [controller, app("Discounts.apply(_:)", "Discounts.swift", 5)]
                    for _ in 0..<(1 + random.next(6)) { stack.append(app("Discounts.fold(_:depth:)", "Discounts.swift", 19)) }
                case 95..<99:
                    stack += [app("HealthController.ping()", "HealthController.swift", 3)]
                default:
                    stack = [lib("epoll_wait", "libc.so.6")]
                    onCPU = false
                }
                builder.addSample(stack, thread: thread, onCPU: onCPU)
            }
        }
        builder.addDroppedSamples(12)
        return builder.build()
    }
}
