import FluentKit
import Hotpath

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
    ///   - capturesCallSites: walk the stack (and the async callers) for the app's line (default true).
    public static func hotpath(
        _ base: DatabaseConfigurationFactory,
        models: [any Model.Type] = [],
        recorder: Recorder? = nil,
        capturesCallSites: Bool = true
    ) -> DatabaseConfigurationFactory {
        let catalog = FluentModelCatalog(models)
        return DatabaseConfigurationFactory {
            let configuration = base.make()
            let capture = FluentCaptureSettings(catalog: catalog, capturesCallSites: capturesCallSites)
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
    let capturesCallSites: Bool

    init(catalog: FluentModelCatalog, capturesCallSites: Bool) {
        self.catalog = catalog
        self.capturesCallSites = capturesCallSites
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
        recording(base.makeDatabase(with: context), settings: settings)
    }

    func shutdown() {
        base.shutdown()
    }

    func shutdownAsync() async {
        await base.shutdownAsync()
    }
}
