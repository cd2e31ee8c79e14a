import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// SlowShop in a process of its own (this same executable, `hotpath slowshop`), so the demo
/// measures a server the way a user would: over loopback, with its own threads and CPU.
final class ShopProcess: Sendable {
    let url: String
    private let process: Process

    private init(url: String, process: Process) {
        self.url = url
        self.process = process
    }

    var pid: Int32 { process.processIdentifier }

    /// Starts it and waits until it listens (seeding a new database takes a few seconds).
    static func start(database: String, fixed: Bool, scale: String, token: String, timeout: Duration = .seconds(180)) async throws -> ShopProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executablePath())
        process.arguments = ["slowshop", "--port", "0", "--database", database, "--scale", scale, "--token", token] + (fixed ? ["--fixed"] : [])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw CLIExit.runFailed("could not start SlowShop (\(executablePath()) slowshop): \(error.localizedDescription)")
        }
        let reader = output.fileHandleForReading
        let found = Mutex<String?>(nil)
        let finished = Atomic<Bool>(false)
        // Reads until the "listening on" line, then keeps draining so the child never blocks on a full pipe.
        Thread.detachNewThread {
            var text = ""
            while true {
                let data = reader.availableData
                if data.isEmpty { break }
                if found.withLock({ $0 }) == nil {
                    text += String(decoding: data, as: UTF8.self)
                    if let range = text.range(of: "listening on "), let end = text[range.upperBound...].firstIndex(of: "\n") {
                        let url = String(text[range.upperBound..<end])
                        found.withLock { $0 = url }
                    }
                }
            }
            finished.store(true, ordering: .releasing)
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let url = found.withLock({ $0 }) { return ShopProcess(url: url, process: process) }
            if finished.load(ordering: .acquiring) || !process.isRunning {
                throw CLIExit.runFailed("SlowShop stopped before it listened (exit \(process.isRunning ? -1 : process.terminationStatus)); run 'hotpath slowshop' to see why")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(process.processIdentifier, SIGKILL)
        throw CLIExit.runFailed("SlowShop did not start within \(timeout)")
    }

    /// SIGTERM, then SIGKILL if it has not ended within two seconds.
    func stop() async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<40 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
