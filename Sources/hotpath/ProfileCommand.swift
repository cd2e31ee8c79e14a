import ArgumentParser
import Foundation
import Hotpath
import HotpathProfiler

/// `hotpath profile FILE`: re-renders a stored sampling profile (`hotpath-profile/1`) in any
/// of the profiler's formats.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Render a saved sampling profile as a call tree, flame graph, speedscope, collapsed stacks or pprof.",
        discussion: """
        Without --format the format follows the -o file's extension (.html, .speedscope.json, \
        .folded, .pb/.pprof, .json), else the call tree is printed. Examples:
          hotpath profile orders.hotpath-profile.json
          hotpath profile orders.hotpath-profile.json --on-cpu --show-all
          hotpath profile orders.hotpath-profile.json -o orders.html
          hotpath profile orders.hotpath-profile.json -o orders.pb && go tool pprof -http=: orders.pb
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, html, speedscope, collapsed, pprof, json
    }

    @Argument(help: "A profile saved as JSON (schema hotpath-profile/1).")
    var file: String

    @Option(name: [.short, .customLong("format")], help: "text, html, speedscope, collapsed, pprof or json.")
    var format: Format?

    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of stdout.")
    var output: String?

    @Flag(name: .customLong("show-all"), help: "Every frame: no library folding, no threshold (text and html).")
    var showAll = false

    @Option(name: .customLong("threshold"), help: "Hide call-tree nodes under this share of the total, e.g. 1% (the default) or 0.2%.")
    var threshold: String?

    @Flag(name: .customLong("on-cpu"), help: "Only samples where the thread was running.")
    var onCPU = false

    @Option(name: .customLong("thread"), help: "Only this OS thread id.")
    var thread: Int32?

    @Flag(name: .customLong("separate-threads"), help: "One subtree per thread instead of merging threads.")
    var separateThreads = false

    @Flag(name: .customLong("ascii"), help: "ASCII tree glyphs instead of box drawing.")
    var ascii = false

    func run() throws {
        let target = try output.map { path throws(HotpathInputError) in try OutputTarget(validating: path, option: "--output") }
        let chosen = try format ?? output.flatMap { $0 == "-" ? nil : try Self.format(forPath: $0) } ?? .text
        let profile = try load()
        let filter = SampleFilter(onCPUOnly: onCPU, thread: thread)
        var treeOptions = showAll ? CallTreeOptions.showAll : CallTreeOptions.condensed
        if chosen == .html, !showAll { treeOptions = HTMLFlamegraphRenderer.flamegraphTreeOptions }
        treeOptions.filter = filter
        treeOptions.mergeThreads = !separateThreads
        if let threshold { treeOptions.minimumShare = try Self.share(threshold) }

        let bytes: [UInt8]
        switch chosen {
        case .text:
            let color = (target ?? .standardOutput) == .standardOutput && Terminal.wantsColor
            let renderer = TextTreeRenderer(options: .init(unicode: !ascii, color: color))
            // The names come from a file: made printable before the renderer adds its colours.
            var printable = profile
            printable.frames = profile.frames.map { frame in
                var frame = frame
                frame.function = Terminal.printable(frame.function)
                frame.module = frame.module.map(Terminal.printable)
                frame.file = frame.file.map(Terminal.printable)
                return frame
            }
            printable.threadNames = profile.threadNames.mapValues(Terminal.printable)
            bytes = Array(renderer.render(CallTree(printable, options: treeOptions), profile: printable).utf8)
        case .html:
            bytes = Array(HTMLFlamegraphRenderer().render(CallTree(profile, options: treeOptions), profile: profile).utf8)
        case .speedscope:
            bytes = try SpeedscopeRenderer(filter: filter).render(profile)
        case .collapsed:
            bytes = Array(CollapsedStacksRenderer().render(profile, filter: filter, mergeThreads: !separateThreads).utf8)
        case .pprof:
            // Binary on a terminal helps nobody.
            if (target ?? .standardOutput) == .standardOutput, Terminal.stdoutIsTerminal {
                throw CLIExit.badInput("pprof output is binary: give -o FILE.pb")
            }
            bytes = PprofRenderer(filter: filter).render(profile)
        case .json:
            bytes = try ProfileJSON.encode(profile, pretty: true)
        }
        try JSONOutput.write(Data(bytes), to: target ?? .standardOutput, what: "the \(chosen.rawValue) output")
    }

    private func load() throws -> Profile {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CLIExit.runFailed("cannot read '\(file)': no such readable file")
        }
        do {
            return try ProfileJSON.decode(Array(data))
        } catch let error as ProfileJSONError {
            throw CLIExit.badInput("'\(file)' is \(error.description)")
        } catch {
            throw CLIExit.badInput("'\(file)' is not a readable Hotpath profile (hotpath-profile/1): \(error)")
        }
    }

    static func format(forPath path: String) throws -> Format {
        let name = path.lowercased()
        if name.hasSuffix(".html") || name.hasSuffix(".htm") { return .html }
        if name.hasSuffix(".speedscope.json") { return .speedscope }
        if name.hasSuffix(".folded") || name.hasSuffix(".collapsed") { return .collapsed }
        if name.hasSuffix(".pb") || name.hasSuffix(".pprof") { return .pprof }
        if name.hasSuffix(".json") { return .json }
        if name.hasSuffix(".txt") { return .text }
        throw CLIExit.badInput("cannot tell the format from '\(path)': give --format (text, html, speedscope, collapsed, pprof, json)")
    }

    /// "1%", "0.5%" or a fraction "0.01" to a share.
    static func share(_ text: String) throws -> Double {
        let trimmed = text.hasSuffix("%") ? String(text.dropLast()) : text
        guard let value = Double(trimmed), value.isFinite, value >= 0 else {
            throw CLIExit.badInput("bad --threshold '\(text)': give a percentage like 1% or 0.5%")
        }
        let share = text.hasSuffix("%") ? value / 100 : value
        guard share <= 1 else { throw CLIExit.badInput("bad --threshold '\(text)': at most 100%") }
        return share
    }
}
