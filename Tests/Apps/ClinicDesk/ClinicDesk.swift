import Foundation
import Hotpath

#if canImport(Glibc)
import Glibc
#endif

/// ClinicDesk: the booking desk of a medical clinic (patients, doctors, rooms, appointments,
/// referral letters) on Hummingbird and SQLite, with an insurance registry and a document
/// archive upstream, served from the same process on a port of their own.
///
/// It exists to try Hotpath's diagnosis on an app the detectors were not tuned on: it is
/// written apart from SlowShop, in other code shapes. Most routes plant one performance problem
/// and have a clean twin next to them that does the same work right; two routes are traps that
/// look suspicious from the outside (a dependent chain of upstream calls, a route with one rare
/// slow request) and must stay clean. `Tests/HotpathDiagnoseTests/SecondAppDiagnosisTests.swift`
/// holds the table of what is planted where.
///
/// ```
/// ClinicDesk --port 0 --database /tmp/clinic.sqlite --token secret --stall-threshold 40ms
/// ```
@main
struct ClinicDesk {
    static func main() async {
        let options: Options
        do {
            options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
        } catch {
            Console.error("ClinicDesk: \(error)\n")
            exit(2)
        }
        let serving = Task {
            try await ClinicServer.run(options) { url in
                // The test reads this line to learn the port.
                Console.out("listening on \(url)\n")
            }
        }
        // Started by a test: when the test process goes away (even killed), so does the clinic,
        // rather than staying around holding a port and a core.
        let parentWatch = options.parentPID.map { parent in
            Task {
                while !Task.isCancelled, getppid() == parent {
                    try? await Task.sleep(for: .milliseconds(200))
                }
                serving.cancel()
            }
        }
        defer { parentWatch?.cancel() }
        do {
            try await serving.value
        } catch is CancellationError {
        } catch {
            Console.error("ClinicDesk stopped: \(error)\n")
            exit(1)
        }
    }
}

/// The command line: `--port`, `--host`, `--database`, `--token`, `--stall-threshold`, `--parent-pid`.
struct Options: Sendable {
    var host = "127.0.0.1"
    var port = 8081
    var databasePath = FileManager.default.temporaryDirectory.appendingPathComponent("clinicdesk.sqlite").path
    var token = "clinicdesk"
    /// How long a request may hold a worker thread before the watchdog calls it a stall. Debug
    /// builds are slower at everything, so their tests ask for more than the 20 ms default.
    var stallThreshold: Duration = .milliseconds(20)
    var parentPID: Int32?

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    init(arguments: [String]) throws {
        var remaining = arguments[...]
        func value(of option: String) throws -> String {
            guard let next = remaining.popFirst() else { throw Invalid(description: "\(option) needs a value") }
            return next
        }
        while let option = remaining.popFirst() {
            switch option {
            case "--host": host = try value(of: option)
            case "--port":
                let text = try value(of: option)
                guard let number = Int(text), (0...65_535).contains(number) else {
                    throw Invalid(description: "--port \(text) is not a port (0…65535, 0 picks a free one)")
                }
                port = number
            case "--database": databasePath = try value(of: option)
            case "--token": token = try value(of: option)
            case "--stall-threshold":
                let text = try value(of: option)
                do {
                    stallThreshold = try DurationText.parse(text)
                } catch {
                    throw Invalid(description: "--stall-threshold \(text): \(error)")
                }
            case "--parent-pid":
                let text = try value(of: option)
                guard let pid = Int32(text), pid > 0 else { throw Invalid(description: "--parent-pid \(text) is not a process id") }
                parentPID = pid
            default:
                throw Invalid(description: "unknown option \(option)")
            }
        }
    }
}

/// Unbuffered output: the test reads stdout from a file while the process runs.
enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
