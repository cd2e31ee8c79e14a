import ArgumentParser
import Foundation
import Hotpath
import HotpathDiagnose
import HotpathLoad
import SlowShop
import Synchronization

/// `hotpath demo`: the whole method on the bundled SlowShop app, with nothing to set up.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Diagnose the bundled SlowShop app, switch on its fixes, and measure again.",
        discussion: """
        Starts SlowShop (an example shop on Hummingbird and SQLite with a planted problem in \
        each endpoint) on a free loopback port with Hotpath enabled, runs 'hotpath diagnose' on \
        it and prints the diagnosis; then restarts it with every fix switched on, measures \
        again and prints the before/after table. Writes the HTML report (hotpath-report.html). \
        About a minute and a half on two cores; --quick takes about half a minute.
        """
    )

    @Flag(name: .long, help: "Shorter runs, no connection ramp.")
    var quick = false

    @Option(name: [.short, .customLong("output")], help: "The HTML report (default hotpath-report.html).")
    var output: String = "hotpath-report.html"

    @Option(name: .customLong("json"), help: "Also write the diagnosis (before the fixes) as JSON.")
    var json: String?

    @Option(name: .customLong("json-after"), help: "Also write the diagnosis after the fixes as JSON (for hotpath compare).")
    var jsonAfter: String?

    @Option(name: .long, help: ArgumentHelp("SlowShop's data and work size: full or small.", visibility: .hidden))
    var scale: String = "full"

    @Option(name: [.short, .customLong("duration")], help: "Load per endpoint (default 3s, 1s with --quick).")
    var duration: String?

    func run() async throws {
        guard SlowShop.Scale(rawValue: scale) != nil else { throw CLIExit.badInput("--scale '\(scale)' is not a scale; write full or small") }
        let targets = try JSONOutput.targets([("--output", output), ("--json", json), ("--json-after", jsonAfter)])
        let perEndpoint = try duration.map { try DurationText.parse($0) } ?? (quick ? .seconds(1) : .seconds(3))
        guard perEndpoint > .zero else { throw CLIExit.badInput("--duration must be more than 0; write e.g. -d 3s") }
        let clock = ContinuousClock.now
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Ctrl-C, SIGTERM or a closed terminal: nothing of the demo stays behind (the shop is
        // stopped, its folder removed); the shop also ends by itself if this process is killed.
        let leftovers = DemoLeftovers(folder: folder)
        let interruption = Interruption { number in leftovers.removeAndExit(signal: number) }
        defer { interruption.cancel() }
        let database = folder.appendingPathComponent("slowshop.sqlite").path
        let token = "demo-" + UUID().uuidString.prefix(8).lowercased()

        say("== Hotpath demo: SlowShop, \(SlowShop.endpoints.count) endpoints, each hiding one problem (\(quick ? "quick" : "full") run)")
        say("Starting SlowShop and seeding its database…")
        let before = try await measure(fixed: false, database: database, token: token, perEndpoint: perEndpoint, ramp: !quick, profile: true, leftovers: leftovers)
        say("")
        Terminal.outSanitized(DiagnosisText.render(before))
        Terminal.flush()

        say("")
        say("== Measure again: SlowShop restarted with every fix switched on")
        let after = try await measure(fixed: true, database: database, token: token, perEndpoint: perEndpoint, ramp: false, profile: false, leftovers: leftovers)
        let comparison = DiagnosisComparison.compare(before: before, after: after)
        say("")
        Terminal.outSanitized(DiagnosisText.renderComparison(comparison))
        let met = after.endpoints.filter(\.budgetPassed).count
        Terminal.out("\nAfter the fixes \(met) of \(after.endpoints.count) endpoints meet the budget \(after.budget) (before: \(before.endpoints.filter(\.budgetPassed).count)).\n")
        try DiagnosisFiles.write(before, comparison: comparison, json: targets[1], html: targets[0])
        try DiagnosisFiles.write(after, json: targets[2], html: nil)
        let elapsed = ContinuousClock.now - clock
        Terminal.out("HTML report: \(output)\nDemo finished in \(DurationText.format(elapsed)).\n")
        Terminal.flush()
    }

    private func say(_ line: String) {
        Terminal.out(line + "\n")
        Terminal.flush()
    }

    /// Starts SlowShop, sends each endpoint one request (so its report lists the routes, as
    /// real traffic would), diagnoses it, and stops it.
    private func measure(
        fixed: Bool, database: String, token: String, perEndpoint: Duration, ramp: Bool, profile: Bool, leftovers: DemoLeftovers
    ) async throws -> Diagnosis {
        let log = URL(fileURLWithPath: database).deletingLastPathComponent().appendingPathComponent(fixed ? "shop-fixed.log" : "shop.log").path
        let shop = try await ShopProcess.start(database: database, fixed: fixed, scale: scale, token: token, log: log)
        leftovers.shop = shop
        defer { leftovers.shop = nil }
        do {
            say("SlowShop\(fixed ? " (fixed)" : "") is listening on \(shop.url) (pid \(shop.pid)); sending each endpoint a first request…")
            for endpoint in SlowShop.endpoints {
                _ = try? await HTTPFetch.get(shop.url + endpoint.path, headers: [("Accept-Encoding", "gzip")], timeout: .seconds(30))
            }
            let options = DiagnoseOptions(
                baseURL: shop.url, token: token, duration: perEndpoint, warmup: quick ? .milliseconds(200) : .milliseconds(500),
                ramp: ramp ? [1, 8] : [], profile: profile, serverPID: shop.pid
            )
            let diagnosis: Diagnosis
            do {
                diagnosis = try await DiagnoseRun(options: options) { line in
                    Terminal.out("  " + line + "\n")
                    Terminal.flush()
                }.run()
            } catch {
                throw CLIExit.runFailed(error.message)
            }
            await shop.stop()
            return diagnosis
        } catch {
            await shop.stop()
            throw error
        }
    }
}

/// What an interrupted demo must not leave behind: the shop it runs now and its temporary folder.
final class DemoLeftovers: Sendable {
    private let folder: URL
    private let current = Mutex<ShopProcess?>(nil)

    init(folder: URL) {
        self.folder = folder
    }

    var shop: ShopProcess? {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }

    /// From the signal handler's thread: stops the shop (bounded), removes the folder, and ends
    /// the process as the signal would have, with 128 + its number.
    func removeAndExit(signal number: Int32) -> Never {
        Terminal.note("\nhotpath demo: interrupted; stopping SlowShop and removing \(folder.path)")
        shop?.stopBlocking()
        try? FileManager.default.removeItem(at: folder)
        Terminal.flush()
        exit(CLIExit.interruptedCode(signal: number))
    }
}
