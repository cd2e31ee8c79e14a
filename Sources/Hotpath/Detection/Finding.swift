/// Something a detector found in what a request (or a route's requests) did, as data: what
/// it is and the facts that back it (``evidence``), what to change (``fix``), what fixing it
/// should save, and where in the app it comes from.
///
/// Renderers (``FindingText``, the HTML reports, test failure messages) turn it into words;
/// nothing reads words back.
///
/// ```swift
/// for finding in report.routes.flatMap(\.findings) where finding.kind == .nPlusOne {
///     print(FindingText.title(finding), finding.callSite?.description ?? "")
/// }
/// ```
public struct Finding: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case nPlusOne = "n-plus-one"
        case duplicateQueries = "duplicate-queries"
        case manySmallQueries = "many-small-queries"
        case slowQuery = "slow-query"
        /// Loading too much: every column of a wide table or model read (`SELECT *`, or an ORM
        /// naming all of its fields).
        case selectStar = "select-star"
        case missingIndex = "missing-index"
        case sequentialCalls = "sequential-calls"
        case repeatedCalls = "repeated-calls"
        case blockingCall = "blocking-call"
        case cpuStall = "cpu-stall"
        case uncompressedResponse = "uncompressed-response"
    }

    /// The facts, whose type says what the finding is.
    public var evidence: Evidence
    /// What to change.
    public var fix: Fix
    /// Expected saving per request if fixed, nanoseconds.
    public var estimatedSavingNanoseconds: UInt64
    /// Where in the app it comes from, when known.
    public var callSite: CallSite?
    /// What it is about, as a key: the statement's shape, the calls' names, the stalled
    /// function. One finding per kind and subject (and call site) in a report.
    public var subject: String
    /// How many records it covers (queries, calls, stalls).
    public var count: Int
    /// The requests it was seen in, slowest first (a few).
    public var examples: [FindingExample]
    /// How often it recurs among the requests it was judged on; nil when judged on one request.
    public var recurrence: Recurrence?

    public init(
        evidence: Evidence, fix: Fix, estimatedSavingNanoseconds: UInt64, callSite: CallSite? = nil, subject: String, count: Int,
        examples: [FindingExample] = [], recurrence: Recurrence? = nil
    ) {
        self.evidence = evidence
        self.fix = fix
        self.estimatedSavingNanoseconds = estimatedSavingNanoseconds
        self.callSite = callSite
        self.subject = subject
        self.count = count
        self.examples = examples
        self.recurrence = recurrence
    }

    public var kind: Kind { evidence.kind }

    /// The key a report keeps one finding per: kind, subject and call site; for a stall, kind
    /// and function (the thread is caught on whichever line of the hot loop it is at); one
    /// many-small-queries finding per route.
    public var key: String {
        switch kind {
        case .manySmallQueries: kind.rawValue
        case .blockingCall, .cpuStall: kind.rawValue + "|" + subject
        default: kind.rawValue + "|" + subject + "|" + (callSite?.innermost?.description ?? "")
        }
    }
}

/// One request a finding was seen in.
public struct FindingExample: Sendable, Codable, Equatable {
    /// The recorder's request id.
    public var request: UInt64
    public var path: String
    public var durationNanoseconds: UInt64
}

/// How often a pattern recurs: in how many of the requests judged it was seen.
public struct Recurrence: Sendable, Codable, Equatable {
    public var requests: Int
    public var of: Int
    /// Set aside though it recurs: a slow query whose time went waiting for a thread that a
    /// recurring blocking call or CPU stall of the same window held (``RecurrenceRule``).
    public var waitedForHeldThreads: Bool?

    public init(requests: Int, of: Int, waitedForHeldThreads: Bool? = nil) {
        self.requests = requests
        self.of = of
        self.waitedForHeldThreads = waitedForHeldThreads
    }

    /// 0…1.
    public var share: Double { of > 0 ? Double(requests) / Double(of) : 0 }
}

extension Finding {
    /// The statement's shape, for database findings.
    public var statement: String? {
        switch evidence {
        case .nPlusOne(let e): e.statement
        case .duplicateQueries(let e): e.statement
        case .slowQuery(let e): e.statement
        case .selectStar(let e): e.statement
        case .missingIndex(let e): e.statement
        case .manySmallQueries, .sequentialCalls, .repeatedCalls, .blockingCall, .cpuStall, .uncompressedResponse: nil
        }
    }

    /// The stall's facts, for blocking-call and CPU-stall findings.
    public var stall: StallEvidence? {
        switch evidence {
        case .blockingCall(let e), .cpuStall(let e): e
        default: nil
        }
    }

    /// The function of the app that the finding points at, when known.
    public var function: String? { callSite?.innermost?.function }
}
