import Hotpath
import Synchronization

/// One Fluent query being recorded: rows counted as they stream by, the statement described
/// once the driver has it, the whole recorded on the request when it completes.
final class FluentQueryCapture: Sendable {
    private let request: ActiveRequest
    private let callSite: CallSite?
    private let start: UInt64
    private let state = Mutex<State>(State())

    struct State {
        var rows = 0
        var statement: FluentStatement?
    }

    init(request: ActiveRequest, callSite: CallSite?) {
        self.request = request
        self.callSite = callSite
        self.start = MonotonicClock.now()
    }

    func sawRow() {
        state.withLock { $0.rows += 1 }
    }

    func describe(_ statement: FluentStatement) {
        state.withLock { $0.statement = statement }
    }

    func finish(failed: Bool) {
        let end = MonotonicClock.now()
        let (rows, statement) = state.withLock { ($0.rows, $0.statement) }
        guard let statement else { return }
        // A failure is marked, but its error text is not kept (it can echo values).
        var query = QueryDetail(
            sql: statement.sql, bindIdentity: statement.binds, rows: failed ? nil : rows, columns: statement.columns,
            table: statement.table, operation: statement.operation, model: statement.model, system: statement.system,
            readsAllColumns: statement.readsAllColumns, failed: failed
        )
        query.relation = statement.relation
        request.recordQuery(query, from: start, to: end, callSite: callSite)
    }
}
