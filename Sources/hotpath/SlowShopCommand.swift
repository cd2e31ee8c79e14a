import ArgumentParser
import Foundation
import Hotpath
import SlowShop

#if canImport(Glibc)
import Glibc
#endif

/// `hotpath slowshop`: serves the bundled example app, to try Hotpath on by hand (the demo
/// starts it the same way, as a process of its own).
struct SlowShopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slowshop",
        abstract: "Serve SlowShop, the example app with every suspect of the method planted in its own endpoint.",
        discussion: """
        Each endpoint hides one performance problem; --fixed serves the fixed twins instead. The \
        database (SQLite) is created and seeded at the given path on first use. Hotpath's report \
        is at /_hotpath?token=<token>.

        Example:
          hotpath slowshop --port 8080 &
          hotpath diagnose http://127.0.0.1:8080 --token slowshop
        """
    )

    @Option(name: .long, help: "Port to listen on (0: a free one).")
    var port: Int = 8080

    @Option(name: .long, help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "The SQLite file (created and seeded when missing).")
    var database: String = FileManager.default.temporaryDirectory.appendingPathComponent("slowshop.sqlite").path

    @Flag(name: .long, help: "Serve the fixed twin of every endpoint.")
    var fixed = false

    @Option(name: .long, help: "Data and work size: full or small.")
    var scale: String = "full"

    @Option(name: .long, help: "Token of the report endpoints and ?profile=1.")
    var token: String = "slowshop"

    @Option(name: .customLong("parent-pid"), help: ArgumentHelp("End when this process (the demo that started it) ends.", visibility: .hidden))
    var parentPid: Int32?

    @Option(name: .customLong("stall-threshold"), help: ArgumentHelp("How long a request may hold a worker thread before the watchdog reports it (default 20ms).", visibility: .hidden))
    var stallThreshold: String = "20ms"

    func run() async throws {
        guard let scale = SlowShop.Scale(rawValue: scale) else {
            throw CLIExit.badInput("--scale '\(scale)' is not a scale; write --scale full or --scale small")
        }
        guard (0...65_535).contains(port) else { throw CLIExit.badInput("--port \(port) is not a port; give 0…65535") }
        let threshold = try DurationText.parse(stallThreshold)
        let configuration = SlowShop.Configuration(
            databasePath: database, fixed: fixed, scale: scale, token: token, host: host, port: port, stallThreshold: threshold
        )
        let fixed = self.fixed
        let token = self.token
        let serving = Task {
            try await SlowShop.run(configuration) { url in
                Terminal.out("SlowShop\(fixed ? " (fixed)" : "") listening on \(url)\n")
                Terminal.out("Hotpath report: \(url)/_hotpath?token=\(token)\n")
                for endpoint in SlowShop.endpoints {
                    Terminal.out("  GET \(endpoint.path)  \(fixed ? endpoint.fix : endpoint.problem)\n")
                }
                Terminal.flush()
            }
        }
        // Ctrl-C or a SIGTERM (the demo's stop) shuts the servers down cleanly.
        let interruption = Interruption { _ in serving.cancel() }
        defer { interruption.cancel() }
        // A server the demo started must not outlive it, however the demo ends (SIGKILL
        // included): when this process is handed to another parent, it shuts down.
        // (PR_SET_PDEATHSIG would follow the spawning *thread*, which a thread pool may retire.)
        let parentWatch = parentPid.map { parent in
            Task {
                while !Task.isCancelled, getppid() == parent { try? await Task.sleep(for: .milliseconds(200)) }
                serving.cancel()
            }
        }
        defer { parentWatch?.cancel() }
        do {
            try await serving.value
        } catch let error as SlowShop.ListenError {
            throw CLIExit.badInput("\(error); give --host an address of this machine (127.0.0.1) and a free --port (0: any)")
        } catch {
            throw CLIExit.runFailed("SlowShop could not run: \(error)")
        }
    }
}
