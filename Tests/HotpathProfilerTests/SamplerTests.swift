import CHotpathSampler
import CHotpathStacks
import Hotpath
import Testing

@testable import HotpathProfiler

#if canImport(Glibc)
import Glibc
#endif

/// The real sampler on this process: timer signals, frame-pointer walks, /proc reads of blocked
/// threads, symbolication. Serialized: one profile runs at a time in a process.
@Suite("Sampler", .serialized)
struct SamplerTests {
    /// About 70 % of the CPU time in one function and 30 % in another, on this thread.
    @Test func seventyThirtyWorkloadShowsInTheTree() async throws {
        let profile = try await offPool { try Self.seventyThirty() }
        let tree = CallTree(profile)
        let total = Double(profile.samples.reduce(0) { $0 + $1.weightNanoseconds })
        #expect(profile.samples.count > 300, "samples: \(profile.samples.count)")
        func share(_ name: String) -> Double {
            let function = tree.functions.first { $0.name.contains(name) }
            return Double(function?.totalNanoseconds ?? 0) / max(total, 1) * 100
        }
        let seventy = share("seventyPercent")
        let thirty = share("thirtyPercent")
        #expect(abs(seventy - 70) <= 7, "seventy: \(seventy)%, thirty: \(thirty)%")
        #expect(abs(thirty - 30) <= 7, "seventy: \(seventy)%, thirty: \(thirty)%")
        let frame = profile.frames.first { $0.function.contains("seventyPercent") }
        #expect(frame?.file?.hasSuffix("SamplerTests.swift") == true)
        #expect(frame?.isLibrary == false)
    }

    /// About 70 % of this thread's CPU time in one function and 30 % in another, measured in
    /// the thread's own CPU time so that a loaded machine changes nothing.
    static func seventyThirty() throws -> Profile {
        var configuration = Profiler.Configuration()
        configuration.threads = .current
        configuration.offCPUInterval = nil
        let (_, profile) = try Profiler.profile(configuration: configuration, label: "70/30", waitingUpTo: .seconds(120)) {
            var sink: UInt64 = 0
            for _ in 0..<40 {
                sink &+= SamplerWorkload.seventyPercent(milliseconds: 14)
                sink &+= SamplerWorkload.thirtyPercent(milliseconds: 6)
            }
            return sink
        }
        return profile
    }

    /// CPU work inside an async function, after a suspension: the function appears by name.
    @Test func asyncFunctionsAppearByName() async throws {
        var configuration = Profiler.Configuration()
        configuration.offCPUInterval = nil
        let (_, profile) = try await Profiler.profile(configuration: configuration, waitingUpTo: .seconds(120)) {
            await SamplerWorkload.asyncBurner(milliseconds: 300)
        }
        let names = Set(profile.frames.map(\.function))
        #expect(names.contains { $0.contains("asyncBurner") }, "\(names.sorted().prefix(40))")
    }

    /// A thread blocked in `usleep` is sampled off-CPU through /proc, without a signal: the
    /// sleep is not cut short, and the stack names the sleeping function.
    @Test func blockedThreadIsReadWithoutWakingIt() async throws {
        let (slept, profile) = try await offPool { try Self.blockedThread() }
        #expect(slept >= 295, "the sleep was cut short: \(slept) ms")
        let offCPU = profile.samples.filter { !$0.onCPU }
        #expect(offCPU.count >= 10, "off-CPU samples: \(offCPU.count)")
        let sleeperSamples = offCPU.filter { sample in
            sample.stack.contains { profile.frames[Int($0)].function.contains("sleeper") }
        }
        let first = offCPU.first.map { $0.stack.map { profile.frames[Int($0)].function } } ?? []
        #expect(sleeperSamples.count >= 10, "samples naming sleeper: \(sleeperSamples.count) of \(offCPU.count): \(first)")
    }

    static func blockedThread() throws -> (Double, Profile) {
        var configuration = Profiler.Configuration()
        configuration.offCPUInterval = .milliseconds(10)
        let session = try Profiler.start(configuration: configuration, waitingUpTo: .seconds(120))
        let start = MonotonicClock.now()
        SamplerWorkload.sleeper(milliseconds: 300)
        let slept = Double(MonotonicClock.now() - start) / 1e6
        return (slept, session.stop())
    }

    /// Issue 22: an app whose executable (and so its main thread) is called `hotpath-…` keeps
    /// its work in profiles; Hotpath's own threads are known by id, not by name, and stay out.
    @Test func ownThreadsAreKnownByIdentityNotByName() async throws {
        let profile = try await offPool { () throws -> Profile in
            // This thread does the app's work under a name like Hotpath's own threads'.
            hotpath_set_thread_name("hotpath-bench")
            var configuration = Profiler.Configuration()
            configuration.offCPUInterval = nil
            let session = try Profiler.start(configuration: configuration, waitingUpTo: .seconds(120))
            // Meanwhile one of Hotpath's own threads computes: not the app's work.
            let toolDone = Atomic<Bool>(false)
            BackgroundThread.run(name: "worker-thread") {
                _ = SamplerWorkload.toolWork(milliseconds: 200)
                toolDone.store(true, ordering: .releasing)
            }
            _ = SamplerWorkload.seventyPercent(milliseconds: 200)
            while !toolDone.load(ordering: .acquiring) { usleep(1_000) }
            return session.stop()
        }
        let names = Set(profile.frames.map(\.function))
        #expect(names.contains { $0.contains("seventyPercent") }, "the app's thread named hotpath-… is profiled: \(names.sorted().prefix(30))")
        #expect(!names.contains { $0.contains("toolWork") }, "Hotpath's own thread is left out")
    }

    /// The watchdog's tool: the stack of another thread, running or blocked.
    @Test func capturesAnotherThreadRunningOrBlocked() async throws {
        for blocked in [false, true] {
            let worker = WorkerThread(blocked: blocked)
            defer { worker.finish() }
            let tid = worker.waitForTid()
            try await Task.sleep(for: .milliseconds(50))
            var frames = [UInt](repeating: 0, count: 64)
            var onCPU: Int32 = 0
            var asyncFrom: Int32 = 0
            var count = 0
            // A spinning thread that gets no core within the wait (a loaded machine) is read as
            // if blocked: ask again, as the watchdog does at its next look.
            for _ in 0..<5 {
                count = frames.withUnsafeMutableBufferPointer {
                    Int(hotpath_capture_thread_task(tid, $0.baseAddress, 64, &onCPU, &asyncFrom, 200_000_000, nil))
                }
                if blocked || onCPU == 1 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(count > 2)
            #expect((onCPU == 1) == !blocked)
            let captured = Array(frames.prefix(count))
            let from = Int(asyncFrom)
            // Symbolicating the test bundle takes a symbolizer run: not on the cooperative pool.
            let symbolicated = try await offPool { Symbolicated.names(captured, asyncFrom: from) }
            let expected = blocked ? "blockedLoop" : "spinningLoop"
            #expect(symbolicated.contains { $0.contains(expected) }, "\(symbolicated)")
        }
    }

    @Test func startStopCyclesNeverCrashOrLeak() async throws {
        let grown = try await offPool { try Self.startStopCycles() }
        // Resident memory is the whole process's, and other suites run meanwhile: the bound
        // catches a leak of 6.5 KB or more per cycle (a ring is 1 MB), not their noise.
        #expect(grown < 64, "resident memory grew by \(grown) MB over 10,000 start/stop cycles")
        var configuration = Profiler.Configuration()
        configuration.offCPUInterval = nil
        let running = try await Profiler.start(configuration: configuration, waitingUpTo: .seconds(120))
        #expect(throws: ProfilerError.busy) { try Profiler.start(configuration: configuration, waitingUpTo: Duration.zero) }
        _ = await running.stopInBackground()
        #expect(await running.stopInBackground().samples.isEmpty, "a second stop returns an empty profile")
    }

    /// Resident memory growth, in MB, over 10,000 start/stop cycles.
    static func startStopCycles() throws -> Double {
        var configuration = Profiler.Configuration()
        configuration.offCPUInterval = nil
        configuration.threads = .current
        configuration.ringCapacity = 256
        func residentMegabytes() -> Double {
            let descriptor = open("/proc/self/statm", O_RDONLY)
            defer { close(descriptor) }
            var buffer = [UInt8](repeating: 0, count: 128)
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            let fields = String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self).split(separator: " ")
            return Double(fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * 4_096 / 1_048_576
        }
        _ = try Profiler.start(configuration: configuration, waitingUpTo: .seconds(120)).stop()
        let before = residentMegabytes()
        for _ in 0..<10_000 {
            _ = try Profiler.start(configuration: configuration, waitingUpTo: .seconds(120)).stop()
        }
        return residentMegabytes() - before
    }
}

/// Runs long synchronous work on a thread of its own: the cooperative pool has as many
/// threads as cores (two here), and the other suites running meanwhile need them.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        BackgroundThread.run(name: "sampler-test", isHotpathWork: false) { continuation.resume(with: Result { try body() }) }
    }
}

enum SamplerWorkload {
    /// Work on one of Hotpath's own threads, which profiles leave out.
    @inline(never) static func toolWork(milliseconds: Int) -> UInt64 { spin(milliseconds: milliseconds) }

    @inline(never) static func spin(milliseconds: Int) -> UInt64 {
        let end = MonotonicClock.now() + UInt64(milliseconds) * 1_000_000
        var value: UInt64 = 1
        while MonotonicClock.now() < end {
            for _ in 0..<200 { value = value &* 6_364_136_223_846_793_005 &+ 1 }
        }
        return value
    }

    /// This thread's own CPU time, so the split does not depend on the machine's load.
    static func cpuNow() -> UInt64 { hotpath_thread_cpu_ns(hotpath_thread_id()) }

    @inline(never) static func seventyPercent(milliseconds: Int) -> UInt64 {
        let end = cpuNow() + UInt64(milliseconds) * 1_000_000
        var value: UInt64 = 3
        while cpuNow() < end {
            for _ in 0..<200 { value = value &* 2_862_933_555_777_941_757 &+ 3_037_000_493 }
        }
        return value
    }

    @inline(never) static func thirtyPercent(milliseconds: Int) -> UInt64 {
        let end = cpuNow() + UInt64(milliseconds) * 1_000_000
        var value: UInt64 = 7
        while cpuNow() < end {
            for _ in 0..<200 { value = value &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 }
        }
        return value
    }

    @inline(never) static func asyncBurner(milliseconds: Int) async {
        try? await Task.sleep(for: .milliseconds(1))
        let end = MonotonicClock.now() + UInt64(milliseconds) * 1_000_000
        var value: UInt64 = 11
        while MonotonicClock.now() < end {
            for _ in 0..<200 { value = value &* 2_862_933_555_777_941_757 &+ 1 }
        }
        if value == 42 { print("unlikely") }
    }

    @inline(never) static func sleeper(milliseconds: Int) {
        usleep(UInt32(milliseconds * 1_000))
    }
}

/// A plain thread that spins or sleeps until told to finish.
final class WorkerThread: @unchecked Sendable {
    private let blocked: Bool
    private let tid = Atomic<Int32>(0)
    private let done = Atomic<Bool>(false)
    private var thread = pthread_t()

    init(blocked: Bool) {
        self.blocked = blocked
        let box = Unmanaged.passRetained(self)
        pthread_create(&thread, nil, { raw in
            let worker = Unmanaged<WorkerThread>.fromOpaque(raw!).takeRetainedValue()
            worker.tid.store(hotpath_thread_id(), ordering: .releasing)
            if worker.blocked { WorkerThread.blockedLoop(worker) } else { WorkerThread.spinningLoop(worker) }
            return nil
        }, box.toOpaque())
    }

    func waitForTid() -> Int32 {
        while tid.load(ordering: .acquiring) == 0 { usleep(1_000) }
        return tid.load(ordering: .acquiring)
    }

    func finish() {
        done.store(true, ordering: .releasing)
        pthread_join(thread, nil)
    }

    @inline(never) static func spinningLoop(_ worker: WorkerThread) {
        var value: UInt64 = 1
        while !worker.done.load(ordering: .acquiring) {
            for _ in 0..<1_000 { value = value &* 6_364_136_223_846_793_005 &+ 1 }
        }
        if value == 42 { print("unlikely") }
    }

    @inline(never) static func blockedLoop(_ worker: WorkerThread) {
        while !worker.done.load(ordering: .acquiring) { usleep(20_000) }
    }
}

import HotpathStacks
import Synchronization

enum Symbolicated {
    static func names(_ addresses: [UInt], asyncFrom: Int) -> [String] {
        Symbolicator.shared.frames(addresses, asyncFrom: asyncFrom).map(\.function)
    }
}
