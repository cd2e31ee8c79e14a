/// Something a detector found in a request's records: what it is, the evidence, the fix,
/// and what fixing it should save.
public struct Finding: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case nPlusOne = "n-plus-one"
        case duplicateQueries = "duplicate-queries"
        case manySmallQueries = "many-small-queries"
        case slowQuery = "slow-query"
        case selectStar = "select-star"
        case missingIndex = "missing-index"
        case sequentialCalls = "sequential-calls"
        case repeatedCalls = "repeated-calls"
        case blockingCall = "blocking-call"
        case cpuStall = "cpu-stall"
        case uncompressedResponse = "uncompressed-response"
    }

    public var kind: Kind
    /// One line, e.g. "N+1: 100 × select * from users where id = ? from OrderController.swift:42".
    public var title: String
    /// Facts that back it (counts, times, the statement's shape).
    public var evidence: [String]
    /// What to change, concretely.
    public var fix: String
    /// Expected saving per request if fixed, nanoseconds.
    public var estimatedSavingNanoseconds: UInt64
    /// Where in the app it comes from, when known.
    public var callSite: String?
    /// The statement's shape, for database findings; the call names, for outbound-call findings.
    public var fingerprint: String?
    /// How many records it covers (queries, calls).
    public var count: Int
    /// The query plan that backs a `missing-index` finding, as the database printed it.
    public var plan: [String]?

    public init(
        kind: Kind, title: String, evidence: [String], fix: String, estimatedSavingNanoseconds: UInt64,
        callSite: String? = nil, fingerprint: String? = nil, count: Int, plan: [String]? = nil
    ) {
        self.plan = plan
        self.kind = kind
        self.title = title
        self.evidence = evidence
        self.fix = fix
        self.estimatedSavingNanoseconds = estimatedSavingNanoseconds
        self.callSite = callSite
        self.fingerprint = fingerprint
        self.count = count
    }
}
