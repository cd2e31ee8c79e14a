import Foundation
import Hotpath
import HotpathLoad
import HotpathProfiler

/// What `hotpath diagnose` found: every endpoint measured against the budget, the method's four
/// suspects checked on each with their evidence, the fixes ranked by saving, and the one to do
/// first. JSON schema `hotpath-diagnosis/2` (snake_case keys, see docs/report-format.md);
/// renderers (text, HTML) read it and compute nothing.
public struct Diagnosis: Sendable, Codable {
    public static let schemaName = "hotpath-diagnosis/2"

    public var schema: String
    public var tool: String
    /// ISO 8601.
    public var startedAt: String
    /// The server's base URL, e.g. `http://127.0.0.1:8080`.
    public var target: String
    /// The budget every endpoint was held to, e.g. "p95<200ms".
    public var budget: String
    /// Whether the server's Hotpath report was read (inside view) or only load was measured.
    public var view: View
    /// What this diagnosis could not see, in plain words (empty with the middleware).
    public var blindSpots: [String]
    public var elapsedSeconds: Double
    /// Every endpoint within the budget.
    public var budgetPassed: Bool
    /// The single change to make first: the first of ``fixes``.
    public var fixFirst: RankedFix?
    /// Every fix found, in one ranking: endpoints over budget first, then the biggest saving per
    /// request, then the lower effort.
    public var fixes: [RankedFix]
    /// Cheap wins that apply, by expected impact per effort.
    public var cheapWins: [CheapWin]
    /// Worst first: over budget before within, then by p95.
    public var endpoints: [EndpointDiagnosis]
    /// The server process, when it runs on this machine and was found.
    public var server: LoadReport.ServerUsage?
    /// What the server's Hotpath could see (inside view only).
    public var manifest: InstrumentationManifest?
    /// Set when the diagnosis ended early (interrupted, or the server stopped answering): the
    /// endpoints above are the ones it measured.
    public var incomplete: DiagnosisIncomplete?

    public enum View: String, Sendable, Codable {
        /// The middleware's report was read: queries, calls, stalls and profiles are known.
        case inside
        /// Only what a client sees: latency, throughput, errors, plateaus.
        case outside
    }

    public init(
        startedAt: Date, target: String, budget: String, view: View, blindSpots: [String], elapsedSeconds: Double,
        fixes: [RankedFix], cheapWins: [CheapWin], endpoints: [EndpointDiagnosis], server: LoadReport.ServerUsage?,
        manifest: InstrumentationManifest? = nil, incomplete: DiagnosisIncomplete? = nil
    ) {
        self.manifest = manifest
        self.incomplete = incomplete
        schema = Self.schemaName
        tool = "hotpath \(HotpathVersion.current)"
        self.startedAt = ISO8601DateFormatter().string(from: startedAt)
        self.target = target
        self.budget = budget
        self.view = view
        self.blindSpots = blindSpots
        self.elapsedSeconds = elapsedSeconds
        self.budgetPassed = endpoints.allSatisfy(\.budgetPassed)
        self.fixes = fixes
        self.fixFirst = fixes.first
        self.cheapWins = cheapWins
        self.endpoints = endpoints
        self.server = server
    }
}

/// One endpoint: its load run, its verdict, and what is inside its time.
public struct EndpointDiagnosis: Sendable, Codable {
    public var method: String
    /// The route pattern the server reported (`/orders/{id}`), or the path when unknown.
    public var route: String
    /// The path (and query) that was loaded.
    public var path: String
    /// The measured run: percentiles, curve, histogram, per-second timeline, status codes.
    public var load: LoadReport
    /// Feel of p95.
    public var feel: Feel
    public var budgetPassed: Bool
    /// Within, at the line or over (absent in diagnoses written before it: see ``standing``).
    public var budgetStanding: BudgetStanding?
    /// Connection ramp (when run): throughput and p99 per connection count.
    public var ramp: [RampStep]?
    public var plateau: RampPlateau?
    /// Average per request, from the server's report (inside view only).
    public var breakdown: TimeBreakdown?
    /// The four suspects in the method's order (database, outbound HTTP, blocking, CPU), then
    /// the response's size.
    public var suspects: [SuspectCheck]
    /// What the detectors found, biggest saving first: patterns that recur in the measured
    /// window's requests.
    public var findings: [Finding]
    /// What the window's slowest requests showed once or rarely (below the recurrence rule):
    /// tail evidence, not something to fix.
    public var oneOffs: [Finding]
    /// A typical slow request with its events, for the waterfall (inside view only).
    public var exampleRequest: RequestReport?
    /// One request profiled with `?profile=1` (slow endpoints, inside view only).
    public var profile: ProfileSummary?
    /// Why no profile was taken though one was wanted (the server does not profile, it stayed
    /// busy, symbolication ran past the limit…); nil when taken or not wanted.
    public var profileNotTaken: String?
    /// Average response body, bytes.
    public var bytesPerResponse: Double
    /// What holding threads costs the other endpoints, when this one holds them (a recurring
    /// blocking call or CPU stall) and another endpoint could be timed meanwhile.
    public var harm: PoolHarm?

    public init(
        method: String, route: String, path: String, load: LoadReport, feel: Feel, budgetPassed: Bool,
        ramp: [RampStep]?, plateau: RampPlateau?, breakdown: TimeBreakdown?, suspects: [SuspectCheck],
        findings: [Finding], exampleRequest: RequestReport?, profile: ProfileSummary?, profileNotTaken: String? = nil,
        bytesPerResponse: Double, oneOffs: [Finding] = [], harm: PoolHarm? = nil, budgetStanding: BudgetStanding? = nil
    ) {
        self.budgetStanding = budgetStanding
        self.harm = harm
        self.oneOffs = oneOffs
        self.profileNotTaken = profileNotTaken
        self.method = method
        self.route = route
        self.path = path
        self.load = load
        self.feel = feel
        self.budgetPassed = budgetPassed
        self.ramp = ramp
        self.plateau = plateau
        self.breakdown = breakdown
        self.suspects = suspects
        self.findings = findings
        self.exampleRequest = exampleRequest
        self.profile = profile
        self.bytesPerResponse = bytesPerResponse
    }

    /// "GET /orders".
    public var name: String { "\(method) \(route)" }

    /// Where it stands against the budget; from ``budgetPassed`` alone when not recorded.
    public var standing: BudgetStanding { budgetStanding ?? (budgetPassed ? .within : .over) }
}

/// Where an average request's time goes, milliseconds, from the server's own records.
public struct TimeBreakdown: Sendable, Codable, Equatable {
    public var totalMs: Double
    public var databaseMs: Double
    public var httpMs: Double
    public var appMs: Double
    public var queries: Double
    public var maxQueries: Int
    public var httpCalls: Double

    public init(totalMs: Double, databaseMs: Double, httpMs: Double, appMs: Double, queries: Double, maxQueries: Int, httpCalls: Double) {
        self.totalMs = totalMs
        self.databaseMs = databaseMs
        self.httpMs = httpMs
        self.appMs = appMs
        self.queries = queries
        self.maxQueries = maxQueries
        self.httpCalls = httpCalls
    }
}

/// One of the method's four suspects, checked on one endpoint.
public struct SuspectCheck: Sendable, Codable, Equatable {
    public enum Suspect: String, Sendable, Codable, CaseIterable {
        case database
        case externalHTTP = "external-http"
        case blocking
        case cpu
        /// Not one of the four, but the method's cheapest win: what is sent back.
        case response

        /// The method's wording.
        public var title: String {
            switch self {
            case .database: "Database queries"
            case .externalHTTP: "External HTTP calls"
            case .blocking: "Blocking work in async code"
            case .cpu: "CPU-heavy code"
            case .response: "Response size"
            }
        }
    }

    public enum Status: String, Sendable, Codable {
        /// The suspect is guilty here: see the findings.
        case found
        /// Checked, and clear.
        case clear
        /// Could not be checked (no middleware, nothing recorded).
        case unknown
    }

    /// Why a suspect could not be checked.
    public enum Unseen: String, Sendable, Codable {
        /// Only the outside was measured (no report).
        case outsideView = "outside-view"
        /// The capture that would show it is not installed in the server.
        case captureMissing = "capture-missing"
    }

    public var suspect: Suspect
    public var status: Status
    /// One line: "201 queries per request, 1 N+1 shape" or "no outbound calls".
    public var summary: String
    /// Kinds of the findings that make it guilty.
    public var findingKinds: [Finding.Kind]
    /// For an unknown suspect: why it could not be seen.
    public var unseen: Unseen?
    /// For an unknown suspect: how to make it visible, one line.
    public var enable: String?

    public init(
        suspect: Suspect, status: Status, summary: String, findingKinds: [Finding.Kind] = [], unseen: Unseen? = nil, enable: String? = nil
    ) {
        self.suspect = suspect
        self.status = status
        self.summary = summary
        self.findingKinds = findingKinds
        self.unseen = unseen
        self.enable = enable
    }
}

/// One request's profile, reduced to what a reader needs, plus the profile itself so the
/// HTML report can draw its flamegraph.
public struct ProfileSummary: Sendable, Codable {
    /// Where the server keeps it (`/_hotpath/profiles/3`).
    public var location: String?
    public var durationMs: Double
    public var sampleCount: Int
    /// Heaviest by self time first, from the samples that say something about the request:
    /// every on-CPU sample, and off-CPU samples inside app code (a blocking call); threads
    /// idling in the runtime are left out.
    public var hottest: [HotFunction]
    public var profile: Profile
    /// CPU time the profiled threads used (on-CPU samples), milliseconds; the rest of the
    /// request was spent waiting (I/O, a lock, a sleep).
    public var cpuMs: Double

    public init(location: String?, durationMs: Double, sampleCount: Int, hottest: [HotFunction], profile: Profile, cpuMs: Double = 0) {
        self.location = location
        self.durationMs = durationMs
        self.sampleCount = sampleCount
        self.hottest = hottest
        self.profile = profile
        self.cpuMs = cpuMs
    }
}

public struct HotFunction: Sendable, Codable, Equatable {
    public var name: String
    /// "Images.swift:42", when known.
    public var location: String?
    /// Share of the profile's samples where it was the leaf, and where it was anywhere on the stack (0–100).
    public var selfPercent: Double
    public var totalPercent: Double
    public var isLibrary: Bool

    public init(name: String, location: String?, selfPercent: Double, totalPercent: Double, isLibrary: Bool) {
        self.name = name
        self.location = location
        self.selfPercent = selfPercent
        self.totalPercent = totalPercent
        self.isLibrary = isLibrary
    }
}

/// How much work a fix is.
public enum Effort: String, Sendable, Codable, Comparable, CaseIterable {
    /// A one-line change (an index, a header, a setting).
    case low
    /// A local code change (a query, `async let`, a cache).
    case medium
    /// A redesign (an algorithm, moving work elsewhere).
    case high

    /// Divides the saving when ranking by impact per effort.
    public var weight: Double {
        switch self {
        case .low: 1
        case .medium: 2
        case .high: 4
        }
    }

    public static func < (lhs: Effort, rhs: Effort) -> Bool { lhs.weight < rhs.weight }
}

/// A fix for one finding on one endpoint, with what it should save.
public struct RankedFix: Sendable, Codable, Equatable {
    /// "GET /orders".
    public var endpoint: String
    /// The finding it fixes (its evidence, fix and call site).
    public var finding: Finding
    /// Estimated saving per request, milliseconds.
    public var savingMs: Double
    public var effort: Effort
    /// Whether its endpoint was over budget.
    public var endpointOverBudget: Bool
    /// Its endpoint over budget or at the line: such fixes rank first.
    public var endpointStanding: BudgetStanding
    /// What the finding costs each request of *other* endpoints, milliseconds: a blocking call
    /// or CPU stall holds threads they wait for (``PoolHarm``); 0 for the rest.
    public var harmToOthersMs: Double

    public init(
        endpoint: String, finding: Finding, savingMs: Double, effort: Effort, endpointOverBudget: Bool = false, harmToOthersMs: Double = 0,
        endpointStanding: BudgetStanding? = nil
    ) {
        self.endpointStanding = endpointStanding ?? (endpointOverBudget ? .over : .within)
        self.harmToOthersMs = harmToOthersMs
        self.endpoint = endpoint
        self.finding = finding
        self.savingMs = savingMs
        self.effort = effort
        self.endpointOverBudget = endpointOverBudget
    }

    /// What fixing it is worth in the ranking: its own saving plus the harm it does to the
    /// other endpoints, milliseconds per request.
    public var creditMs: Double {
        let own = savingMs.isFinite ? max(savingMs, 0) : 0
        return own + (harmToOthersMs.isFinite ? max(harmToOthersMs, 0) : 0)
    }

    enum CodingKeys: String, CodingKey {
        case endpoint, finding, savingMs, effort, endpointOverBudget, harmToOthersMs, endpointStanding
    }

    /// Diagnoses written before the harm check have no `harmToOthersMs` (0) and no
    /// `endpointStanding` (from `endpointOverBudget`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        endpoint = try container.decode(String.self, forKey: .endpoint)
        finding = try container.decode(Finding.self, forKey: .finding)
        savingMs = try container.decode(Double.self, forKey: .savingMs)
        effort = try container.decode(Effort.self, forKey: .effort)
        endpointOverBudget = try container.decode(Bool.self, forKey: .endpointOverBudget)
        harmToOthersMs = try container.decodeIfPresent(Double.self, forKey: .harmToOthersMs) ?? 0
        endpointStanding = try container.decodeIfPresent(BudgetStanding.self, forKey: .endpointStanding) ?? (endpointOverBudget ? .over : .within)
    }

    public var kind: Finding.Kind { finding.kind }
    public var fix: Fix { finding.fix }
    public var callSite: CallSite? { finding.callSite }
}

/// One of the method's cheap wins, where it applies.
public struct CheapWin: Sendable, Codable, Equatable {
    /// The kind of change.
    public var kind: Fix.Kind
    public var title: String
    /// What to do, concretely.
    public var detail: String
    /// "GET /orders", …
    public var endpoints: [String]
    /// Estimated saving per request summed over the endpoints, milliseconds.
    public var savingMs: Double
    public var effort: Effort

    public init(kind: Fix.Kind, title: String, detail: String, endpoints: [String], savingMs: Double, effort: Effort) {
        self.kind = kind
        self.title = title
        self.detail = detail
        self.endpoints = endpoints
        self.savingMs = savingMs
        self.effort = effort
    }

    public var impactPerEffort: Double { savingMs / effort.weight }
}

/// The one JSON form of a ``Diagnosis`` (``HotpathJSON``).
public enum DiagnosisJSON {
    public static func encode(_ diagnosis: Diagnosis, pretty: Bool = true) throws -> Data {
        try HotpathJSON.encoder(pretty: pretty).encode(diagnosis)
    }

    public static func decode(_ data: Data) throws -> Diagnosis {
        try HotpathJSON.decoder().decode(Diagnosis.self, from: data)
    }
}

/// "Measure again": one endpoint before and after a change.
public struct EndpointComparison: Sendable, Codable, Equatable {
    /// "GET /orders".
    public var endpoint: String
    /// p50, p95, p99 and req/s with bootstrap intervals and verdicts.
    public var changes: [MetricChange]
    public var bytesPerResponseBefore: Double
    public var bytesPerResponseAfter: Double
    /// Improved when any metric improved and none regressed; regressed when any regressed.
    public var verdict: MetricChange.Verdict

    public init(endpoint: String, changes: [MetricChange], bytesPerResponseBefore: Double, bytesPerResponseAfter: Double) {
        self.endpoint = endpoint
        self.changes = changes
        self.bytesPerResponseBefore = bytesPerResponseBefore
        self.bytesPerResponseAfter = bytesPerResponseAfter
        if changes.contains(where: { $0.verdict == .regressed }) {
            verdict = .regressed
        } else if changes.contains(where: { $0.verdict == .improved }) {
            verdict = .improved
        } else {
            verdict = .unchanged
        }
    }

    /// The change of one metric (`p95`), if compared.
    public func change(_ metric: String) -> MetricChange? { changes.first { $0.metric == metric } }
}

extension Finding {
    /// The saving per request in milliseconds, as the diagnosis stored it (capped at the
    /// endpoint's p95, see ``FixRanking``): what every table and card shows.
    public var savingMs: Double { Double(estimatedSavingNanoseconds) / 1e6 }
}
