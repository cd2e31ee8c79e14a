import ArgumentParser
import Hotpath

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses and runs a command, turning every failure into one line and an exit code.
///
/// ArgumentParser would print a usage block after an error; a user who typed `-d 10parsecs`
/// needs one line that says what was wrong and what to do instead.
@main
enum EntryPoint {
    static func main() async {
        let arguments = WrkArguments.split(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try HotpathCommand.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIExit {
            if let message = failure.message { Terminal.error(message) }
            Terminal.flush()
            exit(failure.code)
        } catch let error as HotpathInputError {
            Terminal.error(error.message)
            exit(CLIExit.badInput)
        } catch {
            if HotpathCommand.exitCode(for: error) == .success {
                // --help and --version.
                HotpathCommand.exit(withError: error)
            }
            let message = HotpathCommand.message(for: error)
                .split(separator: "\n").first.map(String.init) ?? "\(error)"
            let subcommand = arguments.first.map { ["load", "profile", "merge"].contains($0) ? " \($0)" : "" } ?? ""
            Terminal.error("\(message) (see 'hotpath\(subcommand) --help')")
            exit(CLIExit.badInput)
        }
    }
}

/// wrk users type `-t2 -c100 -d30s`; ArgumentParser wants a space after a short option.
enum WrkArguments {
    static let valueOptions: Set<Character> = ["t", "c", "d", "n", "R", "H", "X", "m"]

    /// Options that take no value: after any other option, the next word is its value.
    static let flags: Set<String> = [
        "--latency", "-k", "--insecure", "--no-progress", "-h", "--help", "--version", "--fixed", "--quick", "--no-ramp", "--no-profile",
        "--h2", "--timeline",
    ]

    static func split(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var afterTerminator = false
        var previousTakesValue = false
        for argument in arguments {
            if argument == "--" { afterTerminator = true }
            let characters = Array(argument)
            let isValue = previousTakesValue
            previousTakesValue = !afterTerminator && argument.hasPrefix("-") && !argument.contains("=")
                && !flags.contains(argument) && argument.count > 1 && !argument.dropFirst().allSatisfy(\.isNumber)
            if !afterTerminator, !isValue, characters.count > 2, characters[0] == "-", valueOptions.contains(characters[1]) {
                previousTakesValue = false
                result.append("-\(characters[1])")
                result.append(String(characters[2...]))
            } else {
                result.append(argument)
            }
        }
        return result
    }
}
