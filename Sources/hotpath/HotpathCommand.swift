import ArgumentParser
import Hotpath

/// `hotpath`: find out why a Swift server endpoint is slow.
struct HotpathCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotpath",
        abstract: "Find out why a server endpoint is slow: measure, find the suspect, fix it, measure again.",
        discussion: """
        Exit codes: 0 success, 1 the run could not be done (server unreachable, file not writable), \
        2 bad input, 99 the latency budget failed, 130 interrupted.
        """,
        version: HotpathVersion.current,
        subcommands: [DemoCommand.self, DiagnoseCommand.self, LoadCommand.self, MergeCommand.self, ProfileCommand.self, CompareCommand.self, SlowShopCommand.self]
    )
}
