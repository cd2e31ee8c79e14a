/// What a recorder can see: which captures are installed and what they recorded. A report
/// carries it, so a reader can tell "no queries" (the capture is there and saw none) from "no
/// capture" (queries may well run, unseen), and never calls a suspect clear it could not see.
///
/// Adapters declare themselves with ``Recorder/declare(_:)`` (the watchdog, the profiler's
/// middleware, a SQL or HTTP wrapper given the recorder); a capture that recorded an event is
/// installed whether or not it declared itself.
public struct InstrumentationManifest: Sendable, Codable, Equatable {
    /// One kind of capture.
    public struct Capture: Sendable, Codable, Equatable {
        /// Declared, or seen recording.
        public var installed: Bool
        /// The adapters that declared themselves (`HotpathSQLDatabase`, `HotpathFluent (sqlite)`).
        public var adapters: [String]
        /// Events recorded over the recorder's life.
        public var recorded: UInt64

        public init(installed: Bool, adapters: [String], recorded: UInt64) {
            self.installed = installed
            self.adapters = adapters
            self.recorded = recorded
        }
    }

    /// SQL statements (HotpathSQL, HotpathPostgres, HotpathFluent, spans of a tracer).
    public var queries: Capture
    /// Outbound calls (HotpathHTTPClient, the tracer).
    public var calls: Capture
    /// Stalled threads (HotpathWatchdog).
    public var stalls: Capture
    /// The watchdog's threshold, when one runs.
    public var stallThresholdMilliseconds: Double?
    /// The EXPLAIN advisor (`sqlite`, `postgresql`, `postgresql+hypopg`), when one is configured.
    public var explainAdvisor: String?
    /// `?profile=1` is served.
    public var profiler: Bool

    public init(
        queries: Capture, calls: Capture, stalls: Capture, stallThresholdMilliseconds: Double?, explainAdvisor: String?, profiler: Bool
    ) {
        self.queries = queries
        self.calls = calls
        self.stalls = stalls
        self.stallThresholdMilliseconds = stallThresholdMilliseconds
        self.explainAdvisor = explainAdvisor
        self.profiler = profiler
    }
}

/// A capture an adapter declares to its recorder.
public enum Instrument: Sendable, Hashable {
    /// SQL statements, by the named adapter.
    case queries(adapter: String)
    /// Outbound calls, by the named adapter.
    case calls(adapter: String)
    /// The stall watchdog, with its threshold.
    case watchdog(threshold: Duration)
    /// `?profile=1`.
    case profiler
}

/// Told when a request begins and when it is about to finish, on the request's own thread:
/// how the watchdog keeps its in-flight bookkeeping without the recorder holding any.
public protocol RequestObserver: AnyObject, Sendable {
    /// Called by ``Recorder/begin(method:path:target:marker:)``, in the request's task.
    func requestBegan(_ request: ActiveRequest)
    /// Called by ``Recorder/finish(_:route:status:timing:)`` before the request's events are read.
    func requestWillFinish(_ request: ActiveRequest)
}
