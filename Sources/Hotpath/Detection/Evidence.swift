/// The facts behind a finding, one type per kind of finding. Times are nanoseconds; statements
/// are shapes (``SQLFingerprint``), never values. Hotpath's detectors make them (their
/// initializers are internal); readers read them.
public enum Evidence: Sendable, Equatable, Codable {
    case nPlusOne(NPlusOneEvidence)
    case duplicateQueries(DuplicateQueriesEvidence)
    case manySmallQueries(ManySmallQueriesEvidence)
    case slowQuery(SlowQueryEvidence)
    case selectStar(LoadingTooMuchEvidence)
    case missingIndex(MissingIndexEvidence)
    case sequentialCalls(SequentialCallsEvidence)
    case repeatedCalls(RepeatedCallsEvidence)
    case blockingCall(StallEvidence)
    case cpuStall(StallEvidence)
    case uncompressedResponse(UncompressedResponseEvidence)

    public var kind: Finding.Kind {
        switch self {
        case .nPlusOne: .nPlusOne
        case .duplicateQueries: .duplicateQueries
        case .manySmallQueries: .manySmallQueries
        case .slowQuery: .slowQuery
        case .selectStar: .selectStar
        case .missingIndex: .missingIndex
        case .sequentialCalls: .sequentialCalls
        case .repeatedCalls: .repeatedCalls
        case .blockingCall: .blockingCall
        case .cpuStall: .cpuStall
        case .uncompressedResponse: .uncompressedResponse
        }
    }

    // As JSON: `{"kind": "n-plus-one", "n_plus_one": {…}}`, one key named after the kind.
    private enum CodingKeys: String, CodingKey {
        case kind, nPlusOne, duplicateQueries, manySmallQueries, slowQuery, selectStar, missingIndex, sequentialCalls,
            repeatedCalls, blockingCall, cpuStall, uncompressedResponse
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Finding.Kind.self, forKey: .kind) {
        case .nPlusOne: self = .nPlusOne(try container.decode(NPlusOneEvidence.self, forKey: .nPlusOne))
        case .duplicateQueries: self = .duplicateQueries(try container.decode(DuplicateQueriesEvidence.self, forKey: .duplicateQueries))
        case .manySmallQueries: self = .manySmallQueries(try container.decode(ManySmallQueriesEvidence.self, forKey: .manySmallQueries))
        case .slowQuery: self = .slowQuery(try container.decode(SlowQueryEvidence.self, forKey: .slowQuery))
        case .selectStar: self = .selectStar(try container.decode(LoadingTooMuchEvidence.self, forKey: .selectStar))
        case .missingIndex: self = .missingIndex(try container.decode(MissingIndexEvidence.self, forKey: .missingIndex))
        case .sequentialCalls: self = .sequentialCalls(try container.decode(SequentialCallsEvidence.self, forKey: .sequentialCalls))
        case .repeatedCalls: self = .repeatedCalls(try container.decode(RepeatedCallsEvidence.self, forKey: .repeatedCalls))
        case .blockingCall: self = .blockingCall(try container.decode(StallEvidence.self, forKey: .blockingCall))
        case .cpuStall: self = .cpuStall(try container.decode(StallEvidence.self, forKey: .cpuStall))
        case .uncompressedResponse:
            self = .uncompressedResponse(try container.decode(UncompressedResponseEvidence.self, forKey: .uncompressedResponse))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .nPlusOne(let value): try container.encode(value, forKey: .nPlusOne)
        case .duplicateQueries(let value): try container.encode(value, forKey: .duplicateQueries)
        case .manySmallQueries(let value): try container.encode(value, forKey: .manySmallQueries)
        case .slowQuery(let value): try container.encode(value, forKey: .slowQuery)
        case .selectStar(let value): try container.encode(value, forKey: .selectStar)
        case .missingIndex(let value): try container.encode(value, forKey: .missingIndex)
        case .sequentialCalls(let value): try container.encode(value, forKey: .sequentialCalls)
        case .repeatedCalls(let value): try container.encode(value, forKey: .repeatedCalls)
        case .blockingCall(let value): try container.encode(value, forKey: .blockingCall)
        case .cpuStall(let value): try container.encode(value, forKey: .cpuStall)
        case .uncompressedResponse(let value): try container.encode(value, forKey: .uncompressedResponse)
        }
    }
}

/// The same statement shape run again and again with different parameters.
public struct NPlusOneEvidence: Sendable, Codable, Equatable {
    public var statement: String
    public var runs: Int
    public var distinctParameterSets: Int
    public var totalNanoseconds: UInt64
    /// The column the repeated statement filters on (`user_id` of `… where user_id = ?`).
    public var filteredColumn: String?
    /// The table (or ORM schema) it reads, when known.
    public var table: String?
    /// The ORM model behind it (Fluent's `Author`), when known.
    public var model: String?
    /// The relation loaded one row at a time (Fluent's `$author` of `Book`), when known.
    public var relation: RelationName?
}

/// An ORM relation: the model that holds it and the property's name (`Book.$author`).
public struct RelationName: Sendable, Codable, Equatable, Hashable {
    public var model: String
    public var property: String

    public init(model: String, property: String) {
        self.model = model
        self.property = property
    }
}

/// A statement run again with exactly the same parameters.
public struct DuplicateQueriesEvidence: Sendable, Codable, Equatable {
    public var statement: String
    /// Distinct parameter sets that were repeated.
    public var repeatedStatements: Int
    /// Runs beyond the first of each.
    public var extraRuns: Int
    public var wastedNanoseconds: UInt64
}

/// Many round trips to the database in one request.
public struct ManySmallQueriesEvidence: Sendable, Codable, Equatable {
    public var queries: Int
    public var shapes: Int
    public var smallQueries: Int
    public var smallThresholdNanoseconds: UInt64
    public var smallTotalNanoseconds: UInt64
    public var databaseNanoseconds: UInt64
    public var requestNanoseconds: UInt64

    /// The database's share of the request (0…1).
    public var databaseShare: Double { requestNanoseconds > 0 ? Double(databaseNanoseconds) / Double(requestNanoseconds) : 0 }
}

/// One statement slower than the threshold.
public struct SlowQueryEvidence: Sendable, Codable, Equatable {
    public var statement: String
    public var durationNanoseconds: UInt64
    public var thresholdNanoseconds: UInt64
    public var rows: Int?
}

/// Every column of a wide table read.
public struct LoadingTooMuchEvidence: Sendable, Codable, Equatable {
    public var statement: String
    /// Columns each row carried.
    public var columnCount: Int
    /// Their names, when known.
    public var columns: [String]
    public var runs: Int
    public var totalNanoseconds: UInt64
    public var table: String?
    /// The ORM model whose every field was loaded, when known.
    public var model: String?
    /// The statement says `*` (rather than naming every column, as ORMs do).
    public var selectsStar: Bool
}

/// A scan an index would avoid, from the statement's query plan.
public struct MissingIndexEvidence: Sendable, Codable, Equatable {
    public var statement: String
    public var advice: IndexAdvice
    public var runs: Int
    public var totalNanoseconds: UInt64
}

/// Independent calls awaited one after another.
public struct SequentialCallsEvidence: Sendable, Codable, Equatable {
    /// The calls in order, each from the first one's start: the waterfall.
    public var calls: [CallTiming]
    public var inSequenceNanoseconds: UInt64
    /// The longest call: about what they would take together.
    public var longestNanoseconds: UInt64
    public var requestNanoseconds: UInt64
}

/// One call on a waterfall.
public struct CallTiming: Sendable, Codable, Equatable {
    /// `GET host/path`.
    public var call: String
    public var offsetNanoseconds: UInt64
    public var durationNanoseconds: UInt64
    public var callSite: CallSite?
}

/// The same read fetched again: within one request, or across requests.
public struct RepeatedCallsEvidence: Sendable, Codable, Equatable {
    /// `GET host/path`.
    public var call: String
    public var runs: Int
    public var totalNanoseconds: UInt64
    /// Time of the runs that could have reused an earlier answer.
    public var wastedNanoseconds: UInt64
    /// Set when the repeats are across requests.
    public var acrossRequests: AcrossRequests?

    public struct AcrossRequests: Sendable, Codable, Equatable {
        public var requests: Int
        public var windowSeconds: Int
        public var perSecond: Double
        public var averageNanoseconds: UInt64
        public var perRequest: Double
        /// Distinct inbound URLs (path and query) among the requests that made the call.
        public var distinctInboundTargets: Int
    }
}

/// A worker thread held past the watchdog's threshold.
public struct StallEvidence: Sendable, Codable, Equatable {
    public var thread: StallDetail.Thread
    public var threadName: String
    public var durationNanoseconds: UInt64
    public var cpuNanoseconds: UInt64
    /// The call that held it (`usleep`), when the stack was named.
    public var leaf: String?
    /// The top of the stack, leaf first.
    public var stack: [SourceFrame]
    /// For a blocking call: every blocking call the watchdog caught this function in across the
    /// requests judged (a `Data(contentsOf:)` read and a sleep in the same handler are caught one
    /// per look), most often caught first; nil when judged on one stall.
    public var blockingCalls: [String]?

    /// CPU time over wall time (0…1, more on several cores).
    public var cpuShare: Double { durationNanoseconds > 0 ? Double(cpuNanoseconds) / Double(durationNanoseconds) : 0 }
}

/// A large body of a compressible type sent without compression.
public struct UncompressedResponseEvidence: Sendable, Codable, Equatable {
    public var bytes: Int
    public var contentType: String?
    /// The body's transfer time at the reference link.
    public var transferNanoseconds: UInt64
    public var linkBitsPerSecond: Double
    public var assumedCompressedShare: Double
}
