import FluentKit
import Hotpath
import HotpathSQL
import HotpathStacks
import SQLKit
import Synchronization

extension DatabaseConfigurationFactory {
    /// Any Fluent database, with every query Fluent runs while serving a request recorded on
    /// that request: the SQL as the driver runs it (full length), its shape, the identity of its
    /// binds (never the values), rows, table, model and operation, and the app's line that ran it.
    ///
    /// ```swift
    /// app.databases.use(.hotpath(.sqlite(.file("db.sqlite"))), as: .sqlite)
    /// app.databases.use(.hotpath(.postgres(configuration: config), models: [Book.self, Author.self]), as: .psql)
    /// ```
    ///
    /// `req.db` stays what it was: the same driver underneath, still an `SQLDatabase` when the
    /// driver's is one (so `req.db as! any SQLDatabase` in migrations and raw queries keeps
    /// working, and raw SQL through it is recorded too). Migrations and work outside a request
    /// are forwarded without being recorded.
    ///
    /// - Parameters:
    ///   - models: the app's models, optional: with them a finding names the model and the
    ///     relation (`Book.$author`) instead of the table, and "loading too much" knows a model's
    ///     fields without asking the database.
    ///   - recorder: when given, the report says Fluent capture is installed before a query ran.
    ///   - explain: give `recorder` an EXPLAIN advisor on a pooled connection of this database
    ///     (SQLite, or PostgreSQL, with hypopg when the database has it), so a scan behind a slow
    ///     or repeated statement becomes a missing-index finding with the migration that adds
    ///     it. Needs `recorder`; other databases are not explained (the report's manifest says so).
    ///   - capturesCallSites: walk the stack (and the async callers) for the app's line (default true).
    public static func hotpath(
        _ base: DatabaseConfigurationFactory,
        models: [any Model.Type] = [],
        recorder: Recorder? = nil,
        explain: Bool = false,
        capturesCallSites: Bool = true
    ) -> DatabaseConfigurationFactory {
        let catalog = FluentModelCatalog(models)
        return DatabaseConfigurationFactory {
            let configuration = base.make()
            let capture = FluentCaptureSettings(
                catalog: catalog, capturesCallSites: capturesCallSites, explainFor: explain ? recorder : nil
            )
            recorder?.declare(.queries(adapter: "HotpathFluent"))
            return HotpathDatabaseConfiguration(base: configuration, settings: capture)
        }
    }
}

/// What every database a wrapped configuration makes shares: the model catalog, the widths of
/// the tables seen, and whether to look for call sites.
final class FluentCaptureSettings: Sendable {
    let catalog: FluentModelCatalog
    let tableWidths = TableWidths()
    let statements = FluentStatementCache()
    let capturesCallSites: Bool
    /// Frames read where a request takes its database: enough to pass Fluent's `Request.db`
    /// and `Databases.database` and reach the app's line and its nearest callers.
    static let handleSiteDepth = 16
    /// The recorder to give an EXPLAIN advisor, once the first database is made.
    private let explainFor: Recorder?
    private let explainAttached = Atomic<Bool>(false)

    init(catalog: FluentModelCatalog, capturesCallSites: Bool, explainFor: Recorder?) {
        self.catalog = catalog
        self.capturesCallSites = capturesCallSites
        self.explainFor = explainFor
    }

    /// The SQL dialect's name of the driver's databases (nil: not an SQL driver), learned
    /// from the first one: every database of a configuration speaks the same.
    func dialect(of database: some Database) -> String? {
        if let known = knownDialect.withLock({ $0 }) { return known.name }
        let name = (database as? any SQLDatabase)?.dialect.name
        knownDialect.withLock { $0 = KnownDialect(name: name) }
        return name
    }

    private struct KnownDialect {
        var name: String?
    }

    private let knownDialect = Mutex<KnownDialect?>(nil)

    /// Attaches the advisor, on the driver's own database (pooled, never a request's wrapper:
    /// what it runs is not recorded), the first time a database is made.
    func attachExplainAdvisor(using database: any Database) {
        guard let recorder = explainFor, !explainAttached.load(ordering: .relaxed),
            let sql = database as? any SQLDatabase, let advisor = Self.planAdvisor(for: sql),
            !explainAttached.exchange(true, ordering: .relaxed)
        else { return }
        recorder.attach(planAdvisor: advisor)
    }

    /// The EXPLAIN advisor for the database's dialect; nil for one Hotpath cannot explain.
    static func planAdvisor(for database: any SQLDatabase) -> (any QueryPlanAdvisor)? {
        switch database.dialect.name {
        case "sqlite": SQLiteExplainAdvisor(database: database)
        case "postgresql": PostgresSQLExplainAdvisor(database: database)
        default: nil
        }
    }
}

/// A configuration that makes the wrapped one's driver and hands out recording databases.
struct HotpathDatabaseConfiguration: DatabaseConfiguration {
    var base: any DatabaseConfiguration
    let settings: FluentCaptureSettings

    var middleware: [any AnyModelMiddleware] {
        get { base.middleware }
        set { base.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        HotpathDatabaseDriver(base: base.makeDriver(for: databases), settings: settings)
    }
}

struct HotpathDatabaseDriver: DatabaseDriver {
    let base: any DatabaseDriver
    let settings: FluentCaptureSettings

    func makeDatabase(with context: DatabaseContext) -> any Database {
        let database = base.makeDatabase(with: context)
        settings.attachExplainAdvisor(using: database)
        // `req.db` is made where the app asks for it: a few frames up (Fluent's `Request.db`,
        // `Databases.database`) is the app's line. Shallow, so it costs little (this runs under
        // FluentKit's `Databases` lock: a known stack is a table lookup, about 0.4 µs).
        let handleSite = settings.capturesCallSites && ActiveRequest.current != nil
            ? CallSites.shared.caller(depth: FluentCaptureSettings.handleSiteDepth) : nil
        return recording(database, settings: settings, handleSite: handleSite)
    }

    func shutdown() {
        base.shutdown()
    }

    func shutdownAsync() async {
        await base.shutdownAsync()
    }
}
