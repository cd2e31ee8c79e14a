/// What an endpoint that holds threads (a blocking call, a long computation) costs the *other*
/// endpoints: a cheap endpoint of the same server, timed alone and then while this one is
/// loaded as it was measured. An endpoint that only waits (an `await` on the database or an
/// upstream) leaves the threads free and harms nothing; one that holds the cooperative pool's
/// few threads makes every request of the server queue behind it.
///
/// ```swift
/// if let harm = endpoint.harm, harm.harmMs > 0 {
///     print("\(harm.control) took \(harm.aloneMs) ms alone, \(harm.underLoadMs) ms meanwhile")
/// }
/// ```
public struct PoolHarm: Sendable, Codable, Equatable {
    /// The endpoint timed, "GET /health".
    public var control: String
    /// Its median latency alone, one request at a time, milliseconds.
    public var aloneMs: Double
    /// Its median latency, one request at a time, while this endpoint was loaded.
    public var underLoadMs: Double
    /// Requests timed alone and while loaded.
    public var aloneRequests: Int
    public var underLoadRequests: Int

    public init(control: String, aloneMs: Double, underLoadMs: Double, aloneRequests: Int, underLoadRequests: Int) {
        self.control = control
        self.aloneMs = aloneMs
        self.underLoadMs = underLoadMs
        self.aloneRequests = aloneRequests
        self.underLoadRequests = underLoadRequests
    }

    /// The time each request of another endpoint lost, milliseconds (never below zero).
    public var harmMs: Double {
        guard aloneMs.isFinite, underLoadMs.isFinite else { return 0 }
        return max(0, underLoadMs - aloneMs)
    }
}
