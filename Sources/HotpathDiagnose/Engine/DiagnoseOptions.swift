import Hotpath

/// What `hotpath diagnose` measures, and how hard.
public struct DiagnoseOptions: Sendable {
    /// The server's base URL: scheme, host and port (`http://127.0.0.1:8080`); a path is ignored.
    public var baseURL: String
    /// The token of the server's Hotpath report; without it only the outside is seen.
    public var token: String?
    /// Where the report lives on the server.
    public var reportPrefix: String
    /// Paths to load (with their query); added to the routes the report lists.
    public var paths: [String]
    public var budget: Budget
    /// Load per endpoint, after the warmup.
    public var duration: Duration
    public var warmup: Duration
    public var connections: Int
    /// Connection counts of the ramp run on endpoints over budget; empty for none.
    public var ramp: [Int]
    public var rampStepDuration: Duration
    /// Profile one request of each endpoint over budget with `?profile=1` (inside view only).
    public var profile: Bool
    /// The longest one profile may take, the profiled request and the server's symbolication
    /// together; past it the endpoint's profile is marked not taken.
    public var profileLimit: Duration
    /// Sent with every request: by default `Accept-Encoding: gzip`, as browsers do.
    public var headers: [(name: String, value: String)]
    public var timeout: Duration
    public var insecure: Bool
    /// The server process, for its CPU; found by port when local and not given.
    public var serverPID: Int32?

    public init(
        baseURL: String, token: String? = nil, reportPrefix: String = "/_hotpath", paths: [String] = [],
        budget: Budget = .methodDefault, duration: Duration = .seconds(3), warmup: Duration = .milliseconds(500),
        connections: Int = 4, ramp: [Int] = [1, 8], rampStepDuration: Duration = .seconds(1), profile: Bool = true,
        headers: [(name: String, value: String)] = [("Accept-Encoding", "gzip, deflate")], timeout: Duration = .seconds(10),
        insecure: Bool = false, serverPID: Int32? = nil, profileLimit: Duration = .seconds(30)
    ) {
        self.profileLimit = profileLimit
        self.baseURL = baseURL
        self.token = token
        self.reportPrefix = reportPrefix
        self.paths = paths
        self.budget = budget
        self.duration = duration
        self.warmup = warmup
        self.connections = connections
        self.ramp = ramp
        self.rampStepDuration = rampStepDuration
        self.profile = profile
        self.headers = headers
        self.timeout = timeout
        self.insecure = insecure
        self.serverPID = serverPID
    }
}

/// Why a diagnosis could not be made: one line for the user.
public struct DiagnoseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// True when the user can fix the input (exit 2); false when the run failed (exit 1).
    public var isInputError: Bool
    public init(_ message: String, isInputError: Bool = false) {
        self.message = message
        self.isInputError = isInputError
    }
    public var description: String { message }
}
