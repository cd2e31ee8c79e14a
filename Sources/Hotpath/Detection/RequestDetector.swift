import Synchronization

/// A detector over one finished request: a pure function of the request's events, with no
/// knowledge of the framework, driver or language that recorded them.
///
/// ```swift
/// struct SlowSpans: RequestDetector {
///     func findings(in request: CompletedRequest, context: DetectionContext) -> [Finding] { … }
/// }
/// var configuration = Recorder.Configuration()
/// configuration.detectors.perRequest.append(SlowSpans())
/// ```
public protocol RequestDetector: Sendable {
    func findings(in request: CompletedRequest, context: DetectionContext) -> [Finding]
}

/// A detector over a route's recent requests together (what no single request shows: the same
/// read repeated across requests).
public protocol RouteDetector: Sendable {
    func findings(in window: RouteWindow, context: DetectionContext) -> [Finding]
}

/// What detectors are given besides the requests: the configured thresholds, the EXPLAIN
/// advice known so far, and a cache of statement shapes.
public struct DetectionContext: Sendable {
    public var queryThresholds: QueryThresholds
    public var callThresholds: HTTPCallThresholds
    public var stallThresholds: StallThresholds
    /// Index advice by statement shape (``QueryPlanReview``).
    public var advice: [String: IndexAdvice]
    let shapes: ShapeCache

    public init(
        queryThresholds: QueryThresholds = QueryThresholds(), callThresholds: HTTPCallThresholds = HTTPCallThresholds(),
        stallThresholds: StallThresholds = StallThresholds(), advice: [String: IndexAdvice] = [:]
    ) {
        self.init(queryThresholds: queryThresholds, callThresholds: callThresholds, stallThresholds: stallThresholds, advice: advice, shapes: ShapeCache())
    }

    init(
        queryThresholds: QueryThresholds, callThresholds: HTTPCallThresholds, stallThresholds: StallThresholds,
        advice: [String: IndexAdvice], shapes: ShapeCache
    ) {
        self.queryThresholds = queryThresholds
        self.callThresholds = callThresholds
        self.stallThresholds = stallThresholds
        self.advice = advice
        self.shapes = shapes
    }

    /// The shape of a statement, computed once per distinct text.
    public func shape(of query: QueryDetail) -> SQLFingerprint {
        shapes.fingerprint(query.sql)
    }
}

/// Fingerprints by statement text: a request's N+1 repeats one text many times, and a report
/// looks at the same kept requests again and again. Bounded: cleared when full.
final class ShapeCache: Sendable {
    private let cache = Mutex<[String: SQLFingerprint]>([:])
    static let capacity = 8_192

    func fingerprint(_ sql: String) -> SQLFingerprint {
        if let known = cache.withLock({ $0[sql] }) { return known }
        let made = SQLFingerprint(sql)
        cache.withLock { cache in
            if cache.count >= Self.capacity { cache = [:] }
            cache[sql] = made
        }
        return made
    }
}

/// A route's recent requests, as the route detectors see them.
public struct RouteWindow: Sendable {
    public var method: String
    public var route: String
    /// Requests of the route in the window.
    public var requests: UInt64
    /// Reads repeated across its requests (from the recorder's bounded counter).
    public var repeatedReads: [RepeatedRead]
}

/// One read (same method, URL and query) counted across a route's requests.
public struct RepeatedRead: Sendable, Equatable {
    /// `GET host/path`.
    public var call: String
    public var callSite: CallSite?
    public var calls: UInt64
    public var requests: UInt64
    /// Distinct inbound URLs (path and query) of the requests that made it, up to a small cap.
    public var distinctInboundTargets: Int
    public var totalNanoseconds: UInt64
    public var windowSeconds: Int
    /// How long the counter has seen it (at most the window), for the rate.
    public var observedNanoseconds: UInt64
}

/// The detectors a recorder runs, in order. ``standard`` holds every detector Hotpath ships.
public struct Detectors: Sendable {
    public var perRequest: [any RequestDetector]
    public var perRoute: [any RouteDetector]

    public init(perRequest: [any RequestDetector], perRoute: [any RouteDetector]) {
        self.perRequest = perRequest
        self.perRoute = perRoute
    }

    public static let standard = Detectors(
        perRequest: [QueryDetector(), CallDetector(), StallDetector(), ResponseDetector()],
        perRoute: [RepeatedReadsAcrossRequestsDetector()]
    )
}
