/// The database detectors: N+1, duplicate queries, many small queries, slow queries, loading
/// too much, and missing indexes (from a ``QueryPlanAdvisor``'s advice). Pure functions over one
/// request's queries.
public struct QueryDetector: RequestDetector {
    public init() {}

    public func findings(in request: CompletedRequest, context: DetectionContext) -> [Finding] {
        let queries = request.queries.map { Query(event: $0.event, detail: $0.query, shape: context.shape(of: $0.query)) }
        guard !queries.isEmpty else { return [] }
        let thresholds = context.queryThresholds
        let groups = Dictionary(grouping: queries, by: \.shape)
        var findings: [Finding] = []
        var nPlusOneShapes: Set<SQLFingerprint> = []
        for (shape, group) in groups {
            if let finding = nPlusOne(shape, group, thresholds) {
                findings.append(finding)
                nPlusOneShapes.insert(shape)
            }
            if let finding = duplicates(shape, group) { findings.append(finding) }
            if let finding = loadingTooMuch(shape, group, thresholds) { findings.append(finding) }
            if let advice = context.advice[shape.text] { findings.append(missingIndex(shape, group, advice)) }
        }
        if let finding = manySmallQueries(queries, request: request, explainedBy: nPlusOneShapes, thresholds) {
            findings.append(finding)
        }
        findings += queries.compactMap { slowQuery($0, thresholds) }
        return findings.sorted { $0.estimatedSavingNanoseconds > $1.estimatedSavingNanoseconds }
    }

    struct Query {
        var event: RequestEvent
        var detail: QueryDetail
        var shape: SQLFingerprint
        var duration: UInt64 { event.durationNanoseconds }
    }

    // MARK: - N+1

    func nPlusOne(_ shape: SQLFingerprint, _ group: [Query], _ thresholds: QueryThresholds) -> Finding? {
        guard group.count >= thresholds.nPlusOneMinimumCount, shape.text.hasPrefix("select") || shape.text.hasPrefix("with") else { return nil }
        // A count or sum per item is not a relation loaded row by row: eager loading does not
        // apply, one GROUP BY does (the many-small-queries finding says so).
        guard !group.contains(where: { ($0.detail.operation ?? QueryOperation(sql: shape.text)) == .aggregate }) else { return nil }
        let distinct = Set(group.map(Self.parameterIdentity)).count
        guard distinct >= thresholds.nPlusOneMinimumCount else { return nil }
        let total = group.reduce(UInt64(0)) { $0 &+ $1.duration }
        let longest = group.map(\.duration).max() ?? 0
        let column = Self.filteredColumn(in: shape.text)
        let sample = group[0].detail
        let table = sample.table ?? Self.table(in: shape.text)
        let evidence = NPlusOneEvidence(
            statement: shape.text, runs: group.count, distinctParameterSets: distinct, totalNanoseconds: total,
            filteredColumn: column, table: table, model: sample.model,
            relation: group.compactMap(\.detail.relation).first
        )
        return Finding(
            evidence: .nPlusOne(evidence), fix: FixAdvice.eagerLoad(evidence),
            // One batched query costs about as much as the slowest single one.
            estimatedSavingNanoseconds: total &- longest, callSite: Self.mostCommonCallSite(group.map(\.event)),
            subject: shape.text, count: group.count
        )
    }

    /// What tells two runs of one shape apart: the bind identity, or the literal SQL text.
    static func parameterIdentity(_ query: Query) -> String {
        query.detail.bindIdentity.map { "b:\($0.value)" } ?? "s:" + query.detail.sql
    }

    /// `user_id` from `… where user_id = ?` (the column the loop filters on), if simple.
    static func filteredColumn(in shape: String) -> String? {
        guard let whereRange = shape.firstRange(of: " where ") else { return nil }
        let condition = shape[whereRange.upperBound...]
        guard let equals = condition.firstRange(of: " = ?") ?? condition.firstRange(of: "=?") ?? condition.firstRange(of: " in (?)")
        else { return nil }
        guard let column = condition[..<equals.lowerBound].split(separator: " ").last else { return nil }
        let isIdentifier = column.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "\"" }
        return isIdentifier ? String(column) : nil
    }

    /// The first table after `from` (quotes dropped), if the shape names one plainly.
    static func table(in shape: String) -> String? {
        guard let from = shape.firstRange(of: " from ") else { return nil }
        guard let word = shape[from.upperBound...].split(separator: " ").first else { return nil }
        let name = word.replacing("\"", with: "").replacing("`", with: "")
        return name.isEmpty || name.hasPrefix("(") ? nil : String(name)
    }

    // MARK: - Duplicates

    func duplicates(_ shape: SQLFingerprint, _ group: [Query]) -> Finding? {
        let byParameters = Dictionary(grouping: group, by: Self.parameterIdentity)
        let repeated = byParameters.values.filter { $0.count > 1 }
        guard !repeated.isEmpty else { return nil }
        let extra = repeated.reduce(0) { $0 + $1.count - 1 }
        let wasted = repeated.reduce(UInt64(0)) { sum, runs in sum &+ runs.dropFirst().reduce(UInt64(0)) { $0 &+ $1.duration } }
        return Finding(
            evidence: .duplicateQueries(DuplicateQueriesEvidence(statement: shape.text, repeatedStatements: repeated.count, extraRuns: extra, wastedNanoseconds: wasted)),
            fix: FixAdvice.reuseQueryResult, estimatedSavingNanoseconds: wasted,
            callSite: Self.mostCommonCallSite(repeated.flatMap { $0.map(\.event) }), subject: shape.text, count: extra + repeated.count
        )
    }

    // MARK: - Many small queries

    func manySmallQueries(_ queries: [Query], request: CompletedRequest, explainedBy nPlusOne: Set<SQLFingerprint>, _ thresholds: QueryThresholds) -> Finding? {
        let small = queries.filter { $0.duration < thresholds.smallQueryNanoseconds }
        let database = request.timing.databaseNanoseconds
        let share = request.timing.totalNanoseconds > 0 ? Double(database) / Double(request.timing.totalNanoseconds) : 0
        let many = request.timing.queryCount >= thresholds.manyQueriesMinimumCount && small.count >= thresholds.manyQueriesMinimumCount
        let dominant = small.count >= thresholds.manyQueriesDominantCount && share >= thresholds.manyQueriesDominantShare
        guard many || dominant else { return nil }
        // Not when one N+1 shape already accounts for most of them: that finding says more.
        let unexplained = small.filter { !nPlusOne.contains($0.shape) }
        guard unexplained.count >= max(small.count / 2, thresholds.manyQueriesDominantCount / 2 + 1) else { return nil }
        let total = small.reduce(UInt64(0)) { $0 &+ $1.duration }
        let evidence = ManySmallQueriesEvidence(
            queries: request.timing.queryCount, shapes: Set(small.map(\.shape)).count, smallQueries: small.count,
            smallThresholdNanoseconds: thresholds.smallQueryNanoseconds, smallTotalNanoseconds: total,
            databaseNanoseconds: database, requestNanoseconds: request.timing.totalNanoseconds
        )
        return Finding(
            // Round trips dominate small queries; folding them into a few saves most of it.
            evidence: .manySmallQueries(evidence), fix: FixAdvice.batchQueries, estimatedSavingNanoseconds: total / 2,
            subject: "\(evidence.shapes) shapes", count: request.timing.queryCount
        )
    }

    // MARK: - Slow query

    func slowQuery(_ query: Query, _ thresholds: QueryThresholds) -> Finding? {
        guard query.duration >= thresholds.slowQueryNanoseconds, !query.detail.failed else { return nil }
        let evidence = SlowQueryEvidence(
            statement: query.shape.text, durationNanoseconds: query.duration, thresholdNanoseconds: thresholds.slowQueryNanoseconds,
            rows: query.detail.rows
        )
        return Finding(
            evidence: .slowQuery(evidence), fix: FixAdvice.examinePlan(statement: query.shape.text),
            estimatedSavingNanoseconds: query.duration / 2, callSite: query.event.callSite, subject: query.shape.text, count: 1
        )
    }

    // MARK: - Loading too much

    func loadingTooMuch(_ shape: SQLFingerprint, _ group: [Query], _ thresholds: QueryThresholds) -> Finding? {
        let selectsStar = Self.isSelectStar(shape.text)
        guard let sample = group.first(where: { $0.detail.columns != nil }), let columns = sample.detail.columns,
            columns.count >= thresholds.selectStarMinimumColumns,
            selectsStar || sample.detail.readsAllColumns == true,
            // One wide row (a lookup by key) costs nothing worth changing code for.
            group.map({ $0.detail.rows ?? 0 }).max() ?? 0 >= thresholds.selectStarMinimumRows
        else { return nil }
        let total = group.reduce(UInt64(0)) { $0 &+ $1.duration }
        let evidence = LoadingTooMuchEvidence(
            statement: shape.text, columnCount: columns.count, columns: columns, runs: group.count, totalNanoseconds: total,
            table: sample.detail.table ?? Self.table(in: shape.text), model: sample.detail.model, selectsStar: selectsStar
        )
        return Finding(
            // Conservative: the transfer share of the time, not all of it.
            evidence: .selectStar(evidence), fix: FixAdvice.fewerColumns(evidence), estimatedSavingNanoseconds: total / 4,
            callSite: Self.mostCommonCallSite(group.map(\.event)), subject: shape.text, count: group.count
        )
    }

    static func isSelectStar(_ shape: String) -> Bool {
        guard shape.hasPrefix("select ") else { return false }
        let head = shape.split(separator: " from ", maxSplits: 1).first.map(String.init) ?? shape
        let columns = head.dropFirst("select ".count).replacing("distinct ", with: "")
        return columns == "*" || columns.hasSuffix(".*") && !columns.contains(",")
    }

    // MARK: - Missing index (from a plan advisor)

    func missingIndex(_ shape: SQLFingerprint, _ group: [Query], _ advice: IndexAdvice) -> Finding {
        let total = group.reduce(UInt64(0)) { $0 &+ $1.duration }
        return Finding(
            evidence: .missingIndex(MissingIndexEvidence(statement: shape.text, advice: advice, runs: group.count, totalNanoseconds: total)),
            fix: FixAdvice.addIndex(advice), estimatedSavingNanoseconds: UInt64(Double(total) * advice.expectedReduction),
            callSite: Self.mostCommonCallSite(group.map(\.event)), subject: shape.text, count: group.count
        )
    }

    // MARK: - Helpers

    /// The call site most of `events` share (ties: the first in order).
    static func mostCommonCallSite(_ events: [RequestEvent]) -> CallSite? {
        var counts: [CallSite: Int] = [:]
        var order: [CallSite] = []
        for site in events.compactMap(\.callSite) {
            if counts[site] == nil { order.append(site) }
            counts[site, default: 0] += 1
        }
        return order.max { (counts[$0] ?? 0) < (counts[$1] ?? 0) }
    }
}
