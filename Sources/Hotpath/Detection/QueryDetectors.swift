/// Thresholds of the database detectors. Defaults follow Sentry's and django-debug-toolbar's.
public struct QueryThresholds: Sendable {
    /// N+1: the same statement shape at least this many times with different parameters.
    public var nPlusOneMinimumCount = 5
    /// Many small queries: at least this many round trips in one request…
    public var manyQueriesMinimumCount = 20
    /// …each faster than this (slow ones are their own finding).
    public var smallQueryNanoseconds: UInt64 = 5_000_000
    /// Slow query: at or above this.
    public var slowQueryNanoseconds: UInt64 = 100_000_000
    /// SELECT *: on a result this wide or wider.
    public var selectStarMinimumColumns = 15

    public init() {}
}

/// The database detectors: pure functions over one request's records, no knowledge of the
/// framework or driver that made them.
public enum QueryDetectors {
    /// - Parameter advice: what a ``QueryPlanAdvisor`` said, by statement shape; shapes with
    ///   advice that ran in this request become `missing-index` findings.
    public static func findings(
        in request: CompletedRequest, thresholds: QueryThresholds = QueryThresholds(), advice: [String: IndexAdvice] = [:]
    ) -> [Finding] {
        let queries = request.events.filter { $0.kind == .database }.map(\.withResolvedCallSite)
        guard !queries.isEmpty else { return [] }
        let groups = Dictionary(grouping: queries) { SQLFingerprint($0.name) }
        var findings: [Finding] = []
        var nPlusOneShapes: Set<SQLFingerprint> = []
        for (fingerprint, group) in groups {
            if let finding = nPlusOne(fingerprint, group, thresholds) {
                findings.append(finding)
                nPlusOneShapes.insert(fingerprint)
            }
            if let finding = duplicates(fingerprint, group) { findings.append(finding) }
        }
        if let finding = manySmallQueries(queries, request: request, explainedBy: nPlusOneShapes, thresholds) {
            findings.append(finding)
        }
        findings += queries.compactMap { slowQuery($0, thresholds) }
        findings += selectStar(groups, thresholds)
        if !advice.isEmpty { findings += missingIndexes(groups, advice) }
        return findings.sorted { $0.estimatedSavingNanoseconds > $1.estimatedSavingNanoseconds }
    }

    // MARK: - N+1

    static func nPlusOne(_ fingerprint: SQLFingerprint, _ group: [RequestEvent], _ thresholds: QueryThresholds) -> Finding? {
        guard group.count >= thresholds.nPlusOneMinimumCount else { return nil }
        let distinctParameters = Set(group.map(parameterIdentity)).count
        guard distinctParameters >= thresholds.nPlusOneMinimumCount else { return nil }
        let total = group.reduce(UInt64(0)) { $0 &+ $1.durationNanoseconds }
        let longest = group.map(\.durationNanoseconds).max() ?? 0
        // One batched query costs about as much as the slowest single one.
        let saving = total &- longest
        let site = mostCommonCallSite(group)
        let column = filteredColumn(in: fingerprint.text)
        var fix = "Load them in one query instead of one per item"
        if let column {
            fix += ": `… WHERE \(column) IN (…)` with all the values at once, or a JOIN"
        } else {
            fix += ": a JOIN, or `WHERE … IN (…)` with all the values at once"
        }
        fix += ". With Fluent, eager-load the relation: `.with(\\.$relation)`."
        return Finding(
            kind: .nPlusOne,
            title: "N+1 queries: \(group.count) × `\(fingerprint.text)`\(site.map { " from \($0)" } ?? "")",
            evidence: [
                "\(group.count) queries of the same shape with \(distinctParameters) different parameter sets",
                "\(ms(total)) in total, \(ms(total / UInt64(group.count))) each on average",
                site.map { "run from \($0) (likely inside a loop)" } ?? "call site unknown",
            ],
            fix: fix,
            estimatedSavingNanoseconds: saving,
            callSite: site,
            fingerprint: fingerprint.text,
            count: group.count
        )
    }

    /// What tells two runs of one shape apart: the bind hash, or the literal SQL text.
    static func parameterIdentity(_ event: RequestEvent) -> String {
        event.attributes?[QueryAttributes.bindsHash].map { "b:" + $0 } ?? "s:" + event.name
    }

    /// `user_id` from `… where user_id = ?` (the column the loop filters on), if simple.
    static func filteredColumn(in fingerprint: String) -> String? {
        guard let whereRange = fingerprint.firstRange(of: " where ") else { return nil }
        let condition = fingerprint[whereRange.upperBound...]
        guard let equals = condition.firstRange(of: " = ?") ?? condition.firstRange(of: "=?") else { return nil }
        guard let column = condition[..<equals.lowerBound].split(separator: " ").last else { return nil }
        let isIdentifier = column.allSatisfy { character in
            character.isLetter || character.isNumber || character == "_" || character == "." || character == "\""
        }
        return isIdentifier ? String(column) : nil
    }

    // MARK: - Duplicates

    static func duplicates(_ fingerprint: SQLFingerprint, _ group: [RequestEvent]) -> Finding? {
        let byParameters = Dictionary(grouping: group, by: parameterIdentity)
        let repeated = byParameters.values.filter { $0.count > 1 }
        guard !repeated.isEmpty else { return nil }
        let extra = repeated.reduce(0) { $0 + $1.count - 1 }
        let saving = repeated.reduce(UInt64(0)) { sum, runs in
            sum &+ runs.dropFirst().reduce(UInt64(0)) { $0 &+ $1.durationNanoseconds }
        }
        let site = mostCommonCallSite(repeated.flatMap { $0 })
        return Finding(
            kind: .duplicateQueries,
            title: "Duplicate queries: `\(fingerprint.text)` run again with the same parameters (\(extra) extra)",
            evidence: [
                "\(repeated.count) statement(s) repeated, \(extra) extra round trip(s)",
                "\(ms(saving)) spent on the repeats",
            ],
            fix: "Run it once and reuse the result within the request (pass it down, or memoise it for the request).",
            estimatedSavingNanoseconds: saving,
            callSite: site,
            fingerprint: fingerprint.text,
            count: extra + repeated.count
        )
    }

    // MARK: - Many small queries

    static func manySmallQueries(
        _ queries: [RequestEvent], request: CompletedRequest, explainedBy nPlusOne: Set<SQLFingerprint>, _ thresholds: QueryThresholds
    ) -> Finding? {
        let small = queries.filter { $0.durationNanoseconds < thresholds.smallQueryNanoseconds }
        guard request.timing.queryCount >= thresholds.manyQueriesMinimumCount, small.count >= thresholds.manyQueriesMinimumCount else {
            return nil
        }
        // Not when one N+1 shape already accounts for most of them: that finding says more.
        let unexplained = small.filter { !nPlusOne.contains(SQLFingerprint($0.name)) }
        guard unexplained.count >= thresholds.manyQueriesMinimumCount / 2 else { return nil }
        let shapes = Set(small.map { SQLFingerprint($0.name) }).count
        let database = request.timing.databaseNanoseconds
        let share = request.timing.totalNanoseconds > 0 ? Double(database) / Double(request.timing.totalNanoseconds) * 100 : 0
        let total = small.reduce(UInt64(0)) { $0 &+ $1.durationNanoseconds }
        // Round trips dominate small queries; folding them into a few saves most of it.
        let saving = total / 2
        return Finding(
            kind: .manySmallQueries,
            title: "Many small queries: \(request.timing.queryCount) round trips in one request (\(shapes) shapes)",
            evidence: [
                "\(small.count) queries under \(ms(thresholds.smallQueryNanoseconds)) each, \(ms(total)) together",
                "database time is \(Int(share.rounded()))% of the request (\(ms(database)) of \(ms(request.timing.totalNanoseconds)))",
            ],
            fix: "Fetch what the request needs in fewer statements: JOINs, `IN (…)` lists, one query per table instead of one per row; cache reference data that rarely changes.",
            estimatedSavingNanoseconds: saving,
            count: request.timing.queryCount
        )
    }

    // MARK: - Slow query

    static func slowQuery(_ event: RequestEvent, _ thresholds: QueryThresholds) -> Finding? {
        guard event.durationNanoseconds >= thresholds.slowQueryNanoseconds else { return nil }
        let fingerprint = SQLFingerprint(event.name)
        var evidence = ["took \(ms(event.durationNanoseconds)) (threshold \(ms(thresholds.slowQueryNanoseconds)))"]
        if let rows = event.attributes?[QueryAttributes.rows] { evidence.append("\(rows) rows") }
        return Finding(
            kind: .slowQuery,
            title: "Slow query: `\(fingerprint.text)` took \(ms(event.durationNanoseconds))",
            evidence: evidence,
            fix: "Look at its plan (EXPLAIN): a scan of a large table usually means a missing index on the columns in WHERE / ORDER BY.",
            estimatedSavingNanoseconds: event.durationNanoseconds / 2,
            callSite: event.callSite,
            fingerprint: fingerprint.text,
            count: 1
        )
    }

    // MARK: - SELECT *

    static func selectStar(_ groups: [SQLFingerprint: [RequestEvent]], _ thresholds: QueryThresholds) -> [Finding] {
        groups.compactMap { fingerprint, group -> Finding? in
            guard isSelectStar(fingerprint.text),
                let sample = group.first(where: { $0.attributes?[QueryAttributes.columns] != nil }),
                let columns = sample.attributes?[QueryAttributes.columns].flatMap({ Int($0) }),
                columns >= thresholds.selectStarMinimumColumns
            else { return nil }
            let names = sample.attributes?[QueryAttributes.columnNames]?.split(separator: ",").map(String.init) ?? []
            let suggestion = names.isEmpty
                ? "name only the columns the code uses"
                : "name only the columns the code uses, e.g. `SELECT \(names.prefix(4).joined(separator: ", "))` (of: \(names.joined(separator: ", ")))"
            let total = group.reduce(UInt64(0)) { $0 &+ $1.durationNanoseconds }
            return Finding(
                kind: .selectStar,
                title: "Loading too much: `\(fingerprint.text)` reads all \(columns) columns",
                evidence: ["\(columns) columns per row", "\(group.count) run(s), \(ms(total)) in total"],
                fix: "Select fewer columns: \(suggestion). Wide rows cost I/O, memory and decoding for data nobody reads.",
                // Conservative: the transfer share of the time, not all of it.
                estimatedSavingNanoseconds: total / 4,
                callSite: mostCommonCallSite(group),
                fingerprint: fingerprint.text,
                count: group.count
            )
        }
    }

    // MARK: - Missing index (from a plan advisor)

    static func missingIndexes(_ groups: [SQLFingerprint: [RequestEvent]], _ advice: [String: IndexAdvice]) -> [Finding] {
        groups.compactMap { fingerprint, group -> Finding? in
            guard let found = advice[fingerprint.text] else { return nil }
            let total = group.reduce(UInt64(0)) { $0 &+ $1.durationNanoseconds }
            let reduction = found.expectedReduction
            var evidence = [found.reason, "\(group.count) run(s) in this request, \(ms(total)) in total"]
            if let before = found.costBefore, let after = found.costAfter {
                evidence.append("planner cost \(Int(before.rounded())) → \(Int(after.rounded())) with the index (hypothetical index, hypopg)")
            } else {
                evidence.append("saving assumes the index removes about \(Int(reduction * 100))% of the query's time")
            }
            return Finding(
                kind: .missingIndex,
                title: "Missing index on \(found.table) (\(found.columns.joined(separator: ", "))) for `\(fingerprint.text)`",
                evidence: evidence,
                fix: "Add the index: `\(found.createIndex)`",
                estimatedSavingNanoseconds: UInt64(Double(total) * reduction),
                callSite: mostCommonCallSite(group),
                fingerprint: fingerprint.text,
                count: group.count,
                plan: found.plan
            )
        }
    }

    static func isSelectStar(_ fingerprint: String) -> Bool {
        guard fingerprint.hasPrefix("select ") else { return false }
        let head = fingerprint.split(separator: " from ", maxSplits: 1).first.map(String.init) ?? fingerprint
        let columns = head.dropFirst("select ".count).replacing("distinct ", with: "")
        return columns == "*" || columns.hasSuffix(".*") && !columns.contains(",")
    }

    // MARK: - Helpers

    static func mostCommonCallSite(_ events: [RequestEvent]) -> String? {
        let counts = Dictionary(events.compactMap(\.callSite).map { ($0, 1) }, uniquingKeysWith: +)
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
    }

    static func ms(_ nanoseconds: UInt64) -> String { DurationText.format(nanoseconds: Double(nanoseconds)) }
}

