/// Thresholds of the outbound-call detectors.
public struct HTTPCallThresholds: Sendable {
    /// Sequential calls: reported when running them together would save at least this…
    public var minimumSavingNanoseconds: UInt64 = 50_000_000
    /// …or at least this share of the request (0.2 = 20 %)…
    public var minimumSavingShare = 0.2
    /// …but never below this, whatever the share (tiny requests are not worth a finding).
    public var smallestSavingNanoseconds: UInt64 = 5_000_000
    /// Sequential calls: the longest wait between one call's end and the next one's start
    /// that still counts as "awaited one after another"; longer gaps mean work in between.
    public var maximumGapNanoseconds: UInt64 = 10_000_000
    /// Sequential calls: at least this many in a row.
    public var minimumSequentialCalls = 2
    /// Repeated calls in one request: the same read (GET) at least this many times.
    public var repeatedMinimumCount = 2
    /// Repeated calls across requests: the same GET at least this many times within the
    /// window, in at least two requests…
    public var acrossRequestsMinimumCount = 20
    /// …where the window is this long (seconds)…
    public var acrossRequestsWindowSeconds = 60
    /// …and at most this many distinct URLs are tracked at once (bounded memory)…
    public var acrossRequestsMaximumURLs = 256
    /// …made by requests with at least this many different inbound URLs (path and query):
    /// the same inbound request replayed (a load test) repeats its calls by construction.
    public var acrossRequestsMinimumInboundTargets = 2

    public init() {}
}
