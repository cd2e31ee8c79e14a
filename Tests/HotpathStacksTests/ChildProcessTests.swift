import Foundation
import HotpathStacks
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Child processes the tool starts (the demo's shop, a symbolizer, the CLI in tests): nothing of
/// ours leaks into them, and no wait on them is unbounded.
@Suite("Child processes")
struct ChildProcessTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A process that is gone or a zombie waiting for init to reap it.
    static func isGone(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        guard let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(close, offsetBy: 2)] == "Z"
    }

    /// The demo's hang (issue 23): a grandchild held the socket Foundation's `Process` watched,
    /// so the shop's end went unseen. Here the child's own child must die with it, and the stop
    /// must return at once, not when the grandchild is done.
    @Test func stoppingEndsTheChildAndWhatItStarted() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pidFile = folder.appendingPathComponent("grandchild").path
        let child = try ChildProcess.start("/bin/sh", ["-c", "sleep 300 & echo $! > \(pidFile); exec sleep 300"])
        var grandchild: Int32?
        for _ in 0..<500 where grandchild == nil {
            grandchild = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            try await Task.sleep(for: .milliseconds(10))
        }
        let started = ContinuousClock.now
        #expect(await child.wait(upTo: .milliseconds(100)) == nil, "it runs until stopped")
        let ended = await child.stop(grace: .milliseconds(500))
        #expect(ended == .signalled(SIGTERM))
        #expect(ContinuousClock.now - started < .seconds(8))
        let orphan = try #require(grandchild)
        var gone = false
        for _ in 0..<300 where !gone {
            gone = Self.isGone(orphan)
            if !gone { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(gone, "the grandchild \(orphan) was left running")
    }

    /// A descriptor this process holds open (without close-on-exec) never reaches a child.
    @Test func childrenInheritNoDescriptor() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let held = open("/proc/self/status", O_RDONLY)
        #expect(held > 2)
        defer { close(held) }
        let listing = folder.appendingPathComponent("fds").path
        // `ls` opens the directory itself (one more descriptor): everything else would be ours.
        let child = try ChildProcess.start("/bin/sh", ["-c", "ls /proc/self/fd"], standardOutput: .file(listing), processGroup: false)
        #expect(await child.wait(upTo: .seconds(20)) == .exited(0))
        let descriptors = try String(contentsOfFile: listing, encoding: .utf8).split(separator: "\n").compactMap { Int32($0) }
        // Ours leaked, there would be two above 2 (ours and `ls`'s, which cannot share a number).
        #expect(descriptors.filter { $0 > 2 }.count <= 1, "\(descriptors)")
    }

    @Test func reportsHowTheChildEnded() async throws {
        let child = try ChildProcess.start("/bin/sh", ["-c", "exit 7"])
        #expect(await child.wait(upTo: .seconds(20)) == .exited(7))
        #expect(!child.isRunning)
        #expect(child.termination?.status == 7)
        #expect(throws: ChildProcess.StartError.self) { try ChildProcess.start("/no/such/program", []) }
    }
}
