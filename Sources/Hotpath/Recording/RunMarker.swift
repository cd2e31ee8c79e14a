/// Which `hotpath diagnose` run, endpoint and phase a request belongs to, as the run's
/// `X-Hotpath-Run` header says (`3f9a2c1b;4;measure`): the report can then give each endpoint
/// only what happened in its own measured window, without warmup or another endpoint's
/// stragglers.
public struct RunMarker: Sendable, Codable, Hashable, CustomStringConvertible {
    public enum Phase: String, Sendable, Codable, CaseIterable {
        case warmup, measure, ramp, profile
        /// The harm check's requests: an endpoint that holds threads loaded again while a
        /// cheap one is timed. In no measured window.
        case probe
    }

    /// The run's id: letters and digits, at most 32.
    public var run: String
    /// The endpoint's position in the run.
    public var endpoint: Int
    public var phase: Phase

    public init(run: String, endpoint: Int, phase: Phase) {
        self.run = run
        self.endpoint = endpoint
        self.phase = phase
    }

    public static let headerName = "X-Hotpath-Run"

    /// Reads the header's value; nil for anything malformed (it comes from the network).
    public init?(header: String) {
        let parts = header.split(separator: ";", omittingEmptySubsequences: false)
        guard parts.count == 3, let endpoint = Int(parts[1]), endpoint >= 0, endpoint < 100_000,
            let phase = Phase(rawValue: String(parts[2])), let run = Self.validRun(String(parts[0]))
        else { return nil }
        self.init(run: run, endpoint: endpoint, phase: phase)
    }

    /// The run id if it is one (letters and digits, 1 to 32), else nil: it comes from the network.
    public static func validRun(_ text: String) -> String? {
        guard !text.isEmpty, text.utf8.count <= 32,
            text.utf8.allSatisfy({ (48...57).contains($0) || (97...122).contains($0) || (65...90).contains($0) })
        else { return nil }
        return text
    }

    /// A fresh run id: 16 hex digits.
    public static func newRun() -> String {
        let value = UInt64.random(in: 1...UInt64.max)
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The header's value.
    public var description: String { "\(run);\(endpoint);\(phase.rawValue)" }
}
