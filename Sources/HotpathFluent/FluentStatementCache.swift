import Synchronization

/// Statements already described, by query shape: the SQL text (and what Fluent knows about it)
/// is the same for every query of one shape, so it is rendered once, not on every query.
///
/// Bounded (cleared when full). The first hits of each shape are checked against a fresh
/// rendering, and a shape whose text differs there is never cached again: a safety net behind
/// the shape walk (whose agreement with FluentSQL's converter is what the tests check), for a
/// driver or FluentKit version that renders something the walk does not know.
final class FluentStatementCache: Sendable {
    private struct Entry {
        var statement: FluentStatement
        var checksLeft: Int
    }

    private struct State {
        var entries: [FluentQueryShape.Key: Entry] = [:]
        var distrusted: Set<FluentQueryShape.Key> = []
    }

    private let state = Mutex(State())
    private let capacity: Int
    /// Hits of a new shape rendered again and compared.
    static let checkedHits = 2

    init(capacity: Int = 2_048) {
        self.capacity = capacity
    }

    /// The statement of `key`, and whether this hit must still be checked against a rendering.
    func lookup(_ key: FluentQueryShape.Key) -> (statement: FluentStatement, check: Bool)? {
        state.withLock { state in
            guard var entry = state.entries[key] else { return nil }
            let check = entry.checksLeft > 0
            if check {
                entry.checksLeft -= 1
                state.entries[key] = entry
            }
            return (entry.statement, check)
        }
    }

    func store(_ statement: FluentStatement, for key: FluentQueryShape.Key) {
        state.withLock { state in
            guard !state.distrusted.contains(key) else { return }
            if state.entries.count >= capacity { state.entries = [:] }
            state.entries[key] = Entry(statement: statement, checksLeft: Self.checkedHits)
        }
    }

    /// A shape whose cached text did not match its rendering: rendered every time from now on.
    func distrust(_ key: FluentQueryShape.Key) {
        state.withLock { state in
            state.entries[key] = nil
            if state.distrusted.count < capacity { state.distrusted.insert(key) }
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
