/// The fixes the detectors propose, built from their evidence: the concrete change, the code,
/// and the same change for the frameworks Hotpath knows (Fluent, SQLKit, Hummingbird, Vapor,
/// SQLAlchemy/FastAPI for traced Python apps).
public enum FixAdvice {
    // MARK: - Database

    public static func eagerLoad(_ evidence: NPlusOneEvidence) -> Fix {
        let table = evidence.table ?? "related_table"
        let column = evidence.filteredColumn ?? "id"
        var variants: [FixVariant] = []
        if let relation = evidence.relation {
            variants.append(FixVariant(
                .fluent, "Eager-load \(relation.model).$\(relation.property) with the query that lists the \(relation.model) rows",
                snippets: [CodeSnippet(.swift, "\(relation.model).query(on: req.db).with(\\.$\(relation.property)).all()")]
            ))
        } else {
            variants.append(FixVariant(
                .fluent, "Eager-load the relation with the parent query instead of get(on:) per row" + (evidence.model.map { " (the repeated query reads \($0))" } ?? ""),
                snippets: [CodeSnippet(.swift, ".with(\\.$relation)")]
            ))
        }
        variants.append(FixVariant(
            .sqlkit, "One query for all the rows",
            snippets: [CodeSnippet(.swift, "try await db.select().columns(\"*\").from(\"\(table)\").where(\"\(column)\", .in, ids).all()")]
        ))
        variants.append(FixVariant(
            .sqlalchemy, "Load the relation with the parent rows",
            snippets: [CodeSnippet(.python, "select(Parent).options(selectinload(Parent.relation))")]
        ))
        return Fix(
            kind: .eagerLoad, summary: "Load them in one query instead of one per item: a JOIN, or one IN (…) list with all the values",
            snippets: [CodeSnippet(.sql, "SELECT … FROM \(table) WHERE \(column) IN (…)")], variants: variants
        )
    }

    public static let reuseQueryResult = Fix(
        kind: .reuseWithinRequest,
        summary: "Run it once and reuse the result within the request (pass it down, or memoise it for the request)"
    )

    public static let batchQueries = Fix(
        kind: .batchQueries,
        summary: "Fetch what the request needs in fewer statements: JOINs, IN (…) lists, GROUP BY, one query per table instead of one per row or per number; cache reference data that rarely changes",
        snippets: [CodeSnippet(.sql, "SELECT status, count(*) FROM orders GROUP BY status")],
        variants: [
            FixVariant(.fluent, "Several aggregates in one query through SQLKit (Fluent's SQL drivers expose it)", snippets: [
                CodeSnippet(.swift, "try await (req.db as! any SQLDatabase).raw(\"SELECT status, count(*) AS n FROM orders GROUP BY status\").all()"),
            ]),
        ]
    )

    public static func examinePlan(statement: String) -> Fix {
        // An index can only help a statement that filters or joins; one that reads the whole
        // table (ordered or not) needs to read less.
        let filters = statement.contains(" where ") || statement.contains(" join ")
        let summary = filters
            ? "Look at its plan (EXPLAIN): a scan of a large table usually means a missing index on the columns in WHERE, JOIN or ORDER BY"
            : "It has no WHERE: it reads the whole table. Fetch less (LIMIT and paging, fewer columns) or keep the result ready (a cache, a summary table)"
        return Fix(kind: .examinePlan, summary: summary, snippets: [CodeSnippet(.sql, "EXPLAIN " + statement)])
    }

    public static func fewerColumns(_ evidence: LoadingTooMuchEvidence) -> Fix {
        let table = evidence.table ?? "the_table"
        let shown = evidence.columns.prefix(3).joined(separator: ", ")
        var variants = [
            FixVariant(
                .fluent, "Load only the fields the response uses" + (evidence.model.map { " of \($0)" } ?? ""),
                snippets: [CodeSnippet(.swift, "\(evidence.model ?? "Model").query(on: req.db).field(\\.$id).field(\\.$name).all()")]
            ),
            FixVariant(.sqlalchemy, "Load only the columns you use", snippets: [CodeSnippet(.python, "select(Model.id, Model.name)")]),
        ]
        if evidence.selectsStar {
            variants.insert(FixVariant(.sqlkit, "Name the columns", snippets: [CodeSnippet(.swift, "db.select().columns(\"id\", \"name\").from(\"\(table)\")")]), at: 1)
        }
        return Fix(
            kind: .fewerColumns,
            summary: "Read only the columns the code uses (\(evidence.columnCount) per row now): wide rows cost I/O, memory and decoding for data nobody reads",
            snippets: [CodeSnippet(.sql, "SELECT \(shown.isEmpty ? "id, name" : shown) FROM \(table) …")], variants: variants
        )
    }

    public static func addIndex(_ advice: IndexAdvice) -> Fix {
        let columns = advice.columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let name = advice.indexName
        let migration = """
        struct Add\(advice.migrationTypeSuffix): AsyncMigration {
            func prepare(on database: any Database) async throws {
                try await (database as! any SQLDatabase).create(index: "\(name)").on("\(advice.table)").column(\(columns.replacing(", ", with: ").column("))).run()
            }
            func revert(on database: any Database) async throws {
                try await (database as! any SQLDatabase).drop(index: "\(name)").run()
            }
        }
        """
        return Fix(
            kind: .addIndex, summary: "Add the index on \(advice.table) (\(advice.columns.joined(separator: ", ")))",
            snippets: [CodeSnippet(.sql, advice.createIndex)],
            variants: [
                FixVariant(.fluent, "As a migration (register it with app.migrations.add)", snippets: [CodeSnippet(.swift, migration)]),
                FixVariant(.postgresql, "Without locking the table for writes", snippets: [CodeSnippet(.sql, advice.createIndex.hasPrefix("CREATE INDEX CONCURRENTLY") ? advice.createIndex : advice.createIndex.replacing("CREATE INDEX ", with: "CREATE INDEX CONCURRENTLY "))]),
            ]
        )
    }

    // MARK: - Outbound calls

    public static let runConcurrently = Fix(
        kind: .runConcurrently,
        summary: "Start them together and await them once: the request then waits for the slowest call, not the sum",
        snippets: [CodeSnippet(.swift, "async let a = client.get(…)\nasync let b = client.get(…)\nlet (x, y) = try await (a, b)")],
        variants: [
            FixVariant(.asyncHTTPClient, "A list of calls: a task group", snippets: [CodeSnippet(.swift, "try await withThrowingTaskGroup(of: Quote.self) { group in … }")]),
            FixVariant(.python, "asyncio.gather", snippets: [CodeSnippet(.python, "a, b = await asyncio.gather(fetch_a(), fetch_b())")]),
        ]
    )

    public static let reuseCallResult = Fix(
        kind: .cache,
        summary: "Fetch it once and reuse the result within the request (pass it down, or memoise it for the request); if it changes rarely, cache it for a few seconds across requests"
    )

    public static func cacheAcrossRequests(perSecond: Double) -> Fix {
        Fix(
            kind: .cache,
            summary: "Cache the response for a few seconds (an in-memory cache keyed by URL, or honour its Cache-Control): at \(RateText.format(perSecond))/s even a 1 s cache removes almost every call"
        )
    }

    // MARK: - Blocking and CPU

    public static let moveOffThePool = Fix(
        kind: .offThePool,
        summary: "Do not block the cooperative pool or an event loop: use the async form (Task.sleep, an async client, NIOFileSystem for files), or run the blocking call on NIOThreadPool or a thread of its own. Every request waiting for this thread waits too",
        snippets: [CodeSnippet(.swift, "let result = try await NIOThreadPool.singleton.runIfActive { try blockingWork() }")],
        variants: [FixVariant(.python, "run_in_executor", snippets: [CodeSnippet(.python, "await loop.run_in_executor(None, blocking_work)")])]
    )

    public static let makeCheaper = Fix(
        kind: .fasterAlgorithm,
        summary: "Make it cheaper first: profile the request (?profile=1) and look at the hottest functions; cache the result if it repeats. If it must run, move it off the cooperative pool and the event loops so other requests keep flowing, and use every core"
    )

    // MARK: - Responses

    public static let compressResponses = Fix(
        kind: .compressResponses,
        summary: "Compress responses for clients that send Accept-Encoding: gzip, and page long lists so one response does not carry everything",
        variants: [
            FixVariant(.hummingbird, "A compression middleware, such as hummingbird-compression's", snippets: [CodeSnippet(.swift, "router.add(middleware: ResponseCompressionMiddleware())")]),
            FixVariant(.vapor, "Vapor's own response compression", snippets: [CodeSnippet(.swift, "app.http.server.configuration.responseCompression = .enabled")]),
        ]
    )
}

extension IndexAdvice {
    /// The index's name in the advice's `CREATE INDEX` (or one made from table and columns).
    public var indexName: String {
        let words = createIndex.split(separator: " ")
        if let on = words.firstIndex(where: { $0.uppercased() == "ON" }), on > 0 {
            return String(words[on - 1])
        }
        return ([table] + columns).joined(separator: "_") + "_idx"
    }

    /// `IndexOnOrdersCustomerEmail`, for a migration's type name.
    var migrationTypeSuffix: String {
        "IndexOn" + ([table] + columns).map { word in
            word.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        }.joined()
    }
}

/// A rate for people: one decimal under 10, whole numbers above.
public enum RateText {
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let tenths = Int((value * 10).rounded())
        return value >= 10 || tenths % 10 == 0 ? String(Int(value.rounded())) : "\(tenths / 10).\(tenths % 10)"
    }
}
