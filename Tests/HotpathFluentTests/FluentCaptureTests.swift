import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Hotpath
import HotpathLoad
import HotpathStacks
import HotpathTestSupport
import Testing
import Vapor

/// A Vapor + Fluent app Hotpath was not written for, on SQLite with 20,000 books, served on a
/// real socket: every Fluent query recorded in one line of wiring, the planted problems found
/// with Fluent's fixes, their twins clean.
@Suite("Fluent capture on a Vapor app", .serialized)
struct FluentCaptureTests {
    /// Served one test at a time with the other heavy tests: the detectors judge time, and a
    /// starved debug build would make every query look slow.
    enum Store: Sendable {
        case sqlite, postgres
    }

    static func withLibrary<T: Sendable>(
        models: Bool = true, on store: Store = .sqlite, _ body: @escaping @Sendable (String, Recorder, Application) async throws -> T
    ) async throws -> T {
        try await HeavyTests.oneAtATime { try await Self.serveLibrary(models: models, store: store, body) }
    }

    static func serveLibrary<T>(models: Bool, store: Store, _ body: (String, Recorder, Application) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("library-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database: DatabaseConfigurationFactory
        switch store {
        case .sqlite:
            database = .sqlite(.file(folder.appendingPathComponent("library.sqlite").path))
        case .postgres:
            try await LibraryPostgres.dropTables()
            database = .postgres(configuration: LibraryPostgres.configuration)
        }
        // Every statement shape is explained once (the default waits for a slow or repeated one),
        // and again at once after a migration: the test must not depend on how fast a scan is.
        var review = QueryPlanReview.Configuration()
        review.slowNanoseconds = 0
        review.minimumInterval = .zero
        // Slow and small are judged in absolute time: a debug build sharing two cores with the
        // rest of the suite can take 100 ms over a query that takes 2 alone. These tests are
        // about what is captured and how Fluent's shapes are named, not about those thresholds.
        var thresholds = QueryThresholds()
        thresholds.slowQueryNanoseconds = 2_000_000_000
        thresholds.smallQueryNanoseconds = 100_000_000
        let recorder = Recorder(configuration: .init(queryThresholds: thresholds, planReview: review))
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        do {
            try await LibraryApp.configure(app, database: database, recorder: recorder, models: models)
            app.http.server.configuration.hostname = "127.0.0.1"
            app.http.server.configuration.port = 0
            try app.server.start()
            guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError, reason: "no port") }
            let result = try await body("http://127.0.0.1:\(port)", recorder, app)
            await app.server.shutdown()
            try await app.asyncShutdown()
            return result
        } catch {
            await app.server.shutdown()
            try? await app.asyncShutdown()
            throw error
        }
    }

    static func visit(_ base: String, _ path: String, times: Int = 3) async throws {
        for _ in 0..<times {
            let response = try await HTTPFetch.get(base + path, timeout: .seconds(30))
            #expect(response.status == 200, "\(path)")
        }
    }

    /// The report once every call site has its name.
    static func namedReport(_ recorder: Recorder) async -> RecorderReport {
        for _ in 0..<100 {
            await CallSites.shared.idle()
            let report = recorder.report()
            if report.pendingNames == 0 { return report }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return recorder.report()
    }

    @Test func everyPlantedProblemIsFoundWithFluentsFixAndEveryTwinIsClean() async throws {
        let (report, afterIndex) = try await Self.withLibrary { base, recorder, app in
            // Migrations ran through the wrapped database before any request: not traffic.
            #expect(recorder.report().routes.isEmpty)
            return try await Self.visitFixAndVisitAgain(base, recorder, app)
        }
        #expect(report.manifest.queries.installed && report.manifest.queries.adapters.contains("HotpathFluent"))
        try Self.expectPlantedFindings(in: report)

        // The N+1: the relation named, Fluent's fix, the app's line that called $author.get.
        let nPlusOne = try #require(report.routes.first { $0.route == "/books/recent/authors" }?.findings.first { $0.kind == .nPlusOne })
        guard case .nPlusOne(let evidence) = nPlusOne.evidence else { Issue.record("\(nPlusOne.evidence)"); return }
        #expect(evidence.relation == RelationName(model: "Book", property: "author"))
        #expect(evidence.table == "authors")
        #expect(evidence.model == "Author")
        #expect(evidence.runs == 40)
        let fluent = try #require(nPlusOne.fix.variant(for: .fluent))
        #expect(fluent.snippets.contains { $0.code.contains(".with(\\.$author)") }, "\(fluent)")
        // `$author.get(on:)` loads in a task of FluentKit's own (makeFutureWithTask), whose stack
        // is library code only: the line named is the app's that took `req.db` for it.
        let site = try #require(nPlusOne.callSite?.innermost, "\(nPlusOne.callSite?.chain() ?? "none")")
        #expect(site.file?.hasSuffix("LibraryApp.swift") == true, "\(site)")
        #expect(site.line == Self.line(of: "let author = try await book.$author.get(on: req.db)", in: "LibraryApp.swift"), "\(site)")

        // The missing index: found by the EXPLAIN advisor wired in the same line, with the
        // migration that adds it; gone once it ran.
        let scan = try #require(report.routes.first { $0.route == "/books/isbn/:isbn" }?.findings.first { $0.kind == .missingIndex })
        let migration = try #require(scan.fix.variant(for: .fluent)?.snippets.first?.code)
        #expect(migration.contains("AsyncMigration") && migration.contains(".on(\"books\").column(\"isbn\")"), "\(migration)")
        #expect(scan.fix.snippets.first?.code.contains("CREATE INDEX") == true)
        #expect(report.manifest.explainAdvisor != nil)
        let fixed = try #require(afterIndex.routes.first { $0.route == "/books/isbn/:isbn" })
        #expect(fixed.findings.isEmpty, "after the index: \(fixed.findings.map(\.subject))")

        // Loading too much: every field of a 26-field model, by count (Fluent never writes `*`).
        let wide = try #require(report.routes.first { $0.route == "/books/titles" }?.findings.first { $0.kind == .selectStar })
        guard case .selectStar(let loading) = wide.evidence else { Issue.record("\(wide.evidence)"); return }
        #expect(loading.columnCount == 26)
        #expect(!loading.selectsStar)
        #expect(loading.model == "Book")
        #expect(wide.fix.variant(for: .fluent)?.summary.contains("Book") == true)
        // Through FluentKit's async query builder and its tracing span, the app's own line.
        let wideSite = try #require(wide.callSite?.innermost, "\(wide.callSite?.chain() ?? "none")")
        #expect(wideSite.file?.hasSuffix("LibraryApp.swift") == true, "\(wideSite)")
        #expect(wideSite.line == Self.line(of: "let books = try await Book.query(on: req.db).sort(\\.$id).limit(60).all()", in: "LibraryApp.swift"), "\(wideSite)")

        // The statements as the driver ran them, with what Fluent knows.
        let titles = try #require(report.routes.first { $0.route == "/books/titles" }?.slowest.first)
        let select = try #require(titles.events.compactMap(\.detail.query).first)
        #expect(select.sql.hasPrefix("SELECT \"books\".\"id\" AS \"books_id\""), "\(select.sql)")
        #expect(select.sql.utf8.count > 1_000 && !select.sqlTruncated)
        #expect(select.operation == .read && select.table == "books" && select.model == "Book" && select.system == "sqlite")
        #expect(select.readsAllColumns == true && select.rows == 60)
        let stats = try #require(report.routes.first { $0.route == "/stats" }?.slowest.first)
        #expect(stats.events.compactMap(\.detail.query).allSatisfy { $0.operation == .aggregate && $0.model == "Book" })
        #expect(stats.queries == 12)
        // Raw SQL through `req.db as! any SQLDatabase` is recorded too.
        let grouped = try #require(report.routes.first { $0.route == "/stats-grouped" }?.slowest.first)
        #expect(grouped.events.compactMap(\.detail.query).map(\.sql).first?.hasPrefix("SELECT (id - 1) / 1600 AS block") == true)
        // A failing query is recorded as failed; the app's own handling is unchanged (200 above).
        let ghosts = try #require(report.routes.first { $0.route == "/ghosts" }?.slowest.first)
        #expect(ghosts.events.compactMap(\.detail.query).map(\.failed) == [true])
        #expect(ghosts.status == 200)
    }

    /// The same app on PostgreSQL 15: the statements in its dialect, the table widths from
    /// information_schema, the same findings; the ISBN scan found by PostgreSQL's own plan
    /// (checked with hypopg), wired by the same `explain: true`, and gone once its migration ran.
    @Test(.enabled(if: LibraryPostgres.isConfigured))
    func onPostgreSQLTheSameFindings() async throws {
        let (report, afterIndex) = try await Self.withLibrary(models: false, on: .postgres) { base, recorder, app in
            // Without the models, the width of `books` is asked on the first read of it.
            try await Self.visit(base, "/books/titles", times: 1)
            try await Task.sleep(for: .milliseconds(300))
            return try await Self.visitFixAndVisitAgain(base, recorder, app)
        }
        #expect(report.manifest.explainAdvisor == "postgresql")
        try Self.expectPlantedFindings(in: report)
        let scan = try #require(report.routes.first { $0.route == "/books/isbn/:isbn" }?.findings.first { $0.kind == .missingIndex })
        #expect(scan.fix.snippets.first?.code.hasPrefix("CREATE INDEX CONCURRENTLY") == true, "\(scan.fix.snippets)")
        let migration = try #require(scan.fix.variant(for: .fluent)?.snippets.first?.code)
        #expect(migration.contains("AsyncMigration") && migration.contains(".on(\"books\").column(\"isbn\")"), "\(migration)")
        guard case .missingIndex(let evidence) = scan.evidence else { Issue.record("\(scan.evidence)"); return }
        // hypopg's hypothetical index: the planner's cost with it, well under the scan's.
        let before = try #require(evidence.advice.costBefore)
        let after = try #require(evidence.advice.costAfter, "hypopg is installed where CI runs")
        #expect(after < before / 2, "\(before) → \(after)")
        let fixed = try #require(afterIndex.routes.first { $0.route == "/books/isbn/:isbn" })
        #expect(fixed.findings.isEmpty, "after the index: \(fixed.findings.map(\.subject))")
        // The width is asked of information_schema on the first read of the table: that first
        // request cannot know it yet, the later ones do.
        let selects = try #require(report.routes.first { $0.route == "/books/titles" }).slowest.flatMap { $0.events.compactMap(\.detail.query) }
        #expect(selects.allSatisfy { $0.system == "postgresql" && $0.rows == 60 && $0.columns?.count == 26 })
        #expect(selects.contains { $0.readsAllColumns == true }, "\(selects.map(\.readsAllColumns))")
        let lookup = try #require(report.routes.first { $0.route == "/books/isbn/:isbn" }?.slowest.first)
        #expect(lookup.events.compactMap(\.detail.query).first?.sql.contains("$1") == true)
        let ghosts = try #require(report.routes.first { $0.route == "/ghosts" }?.slowest.first)
        #expect(ghosts.events.compactMap(\.detail.query).map(\.failed) == [true])
    }

    /// Without the models, the table still tells: the N+1 names `authors`, and the wide read is
    /// known by the table's width, asked of the database.
    @Test func withoutTheModelsTheTablesStillTell() async throws {
        let report = try await Self.withLibrary(models: false) { base, recorder, _ in
            // The first look at a table asks its width in the background; later requests know it.
            try await Self.visit(base, "/books/titles", times: 1)
            try await Task.sleep(for: .milliseconds(300))
            for route in LibraryApp.routes { try await Self.visit(base, route.path) }
            return await Self.namedReport(recorder)
        }
        let nPlusOne = try #require(report.routes.first { $0.route == "/books/recent/authors" }?.findings.first { $0.kind == .nPlusOne })
        guard case .nPlusOne(let evidence) = nPlusOne.evidence else { Issue.record("\(nPlusOne.evidence)"); return }
        #expect(evidence.relation == nil && evidence.table == "authors")
        let titles = try #require(report.routes.first { $0.route == "/books/titles" })
        #expect(titles.findings.map(\.kind) == [.selectStar], "\(titles.findings.map(\.subject))")
        let lean = try #require(report.routes.first { $0.route == "/books/titles-lean" })
        #expect(lean.findings.isEmpty)
    }

    /// Every route visited until the EXPLAIN advice is in, the report; then the fix the
    /// missing-index finding proposes applied (its migration), and the ISBN lookup measured again
    /// from scratch.
    static func visitFixAndVisitAgain(_ base: String, _ recorder: Recorder, _ app: Application) async throws -> (RecorderReport, RecorderReport) {
        for route in LibraryApp.routes { try await Self.visit(base, route.path) }
        // The first visit to a shape queues its EXPLAIN; later visits carry the advice.
        await Self.waitForAdvice(recorder)
        for route in LibraryApp.routes { try await Self.visit(base, route.path) }
        let report = await Self.namedReport(recorder)
        app.migrations.add(AddBooksIsbnIndex())
        try await app.autoMigrate()
        recorder.reset()
        for _ in 0..<2 {
            try await Self.visit(base, "/books/isbn/isbn-1012345")
            await Self.waitForAdvice(recorder)
        }
        recorder.reset()
        try await Self.visit(base, "/books/isbn/isbn-1012345")
        return (report, await Self.namedReport(recorder))
    }

    /// Every route of the app: exactly its planted finding, or none for a clean twin. Routes
    /// planted with a kind in `except` are not judged (what finds it is not wired there).
    static func expectPlantedFindings(in report: RecorderReport, except: Set<Finding.Kind> = []) throws {
        for planted in LibraryApp.routes where !(planted.planted.map(except.contains) ?? false) {
            let route = try #require(report.routes.first { $0.route == planted.route }, "\(planted.route) in \(report.routes.map(\.route))")
            let kinds = route.findings.map(\.kind)
            if let kind = planted.planted {
                #expect(kinds == [kind], "\(planted.route): \(route.findings.map(\.subject))")
            } else {
                #expect(kinds.isEmpty, "clean \(planted.route) has \(route.findings.map(\.subject))")
            }
        }
    }

    /// Waits until the plan review has looked at what was queued.
    static func waitForAdvice(_ recorder: Recorder) async {
        await recorder.planReview?.idle()
    }

    /// The line of `text` in one of this target's files, for call-site checks that survive edits.
    static func line(of text: String, in file: String) -> Int? {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(file).path
        guard let source = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for (index, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where line.contains(text) {
            return index + 1
        }
        return nil
    }
}
