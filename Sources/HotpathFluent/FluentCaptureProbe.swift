import FluentKit
import Hotpath
import HotpathStacks
import SQLKit

/// The steps of one query's capture, one at a time, for the benchmark that measures what each
/// costs (package-only: apps use ``FluentKit/DatabaseConfigurationFactory/hotpath(_:models:recorder:explain:capturesCallSites:)``).
package struct FluentCaptureProbe: Sendable {
    private let settings: FluentCaptureSettings
    private let database: any SQLDatabase

    package init(models: [any Model.Type], database: any SQLDatabase) {
        settings = FluentCaptureSettings(catalog: FluentModelCatalog(models), capturesCallSites: true, explainFor: nil)
        self.database = database
    }

    /// Describes `query` as the capture does (its shape's statement from the cache after the
    /// first time, the binds' identity each time). Returns the SQL's length, so the work cannot
    /// be dropped.
    package func describe(_ query: DatabaseQuery) -> Int {
        FluentStatement.describing(query, sql: database, settings: settings).sql.utf8.count
    }

    /// Describes `query` by rendering it, as the first query of a shape is.
    package func render(_ query: DatabaseQuery) -> Int {
        FluentStatement(query, sql: database, settings: settings).sql.utf8.count
    }

    /// Records `query` on `request` as a finished capture does (described, rows counted, no call site).
    package func record(_ query: DatabaseQuery, on request: ActiveRequest) {
        let capture = FluentQueryCapture(request: request, callSite: nil)
        capture.sawRow()
        capture.describe(FluentStatement.describing(query, sql: database, settings: settings))
        capture.finish(failed: false)
    }

    /// The call site of a query, found as the capture finds it (the full walk of the callers).
    @inline(never)
    package func querySite() -> CallSite? {
        CallSites.shared.caller()
    }

    /// Where a request took its database, found as the driver wrapper finds it (a short walk).
    @inline(never)
    package func handleSite() -> CallSite? {
        CallSites.shared.caller(depth: FluentCaptureSettings.handleSiteDepth)
    }
}
