/// Everything the recorder keeps about one route: counts, the latency histogram, where the
/// time went on average, and the slowest requests as examples.
///
/// A class so the recorder updates it in place after one dictionary lookup; it is only
/// touched under the recorder's lock, and reports read a copy made there (`snapshot`).
final class RouteAggregate: @unchecked Sendable {
    let method: String
    let route: String
    /// Position in the recorder's route order: a cheap key for per-route counters.
    let index: Int
    var count: UInt64 = 0
    /// Responses by class: index 1 is 1xx … index 5 is 5xx; 0 collects anything else.
    var statusClasses = [UInt64](repeating: 0, count: 6)
    var latency = LatencyHistogram()
    var databaseNanoseconds: UInt64 = 0
    var httpNanoseconds: UInt64 = 0
    var appNanoseconds: UInt64 = 0
    var queries: UInt64 = 0
    var maximumQueries = 0
    var httpCalls: UInt64 = 0
    /// Slowest first, at most `slowestKept`.
    var slowest: [CompletedRequest] = []
    /// The latest request the watchdog saw stall a thread: stalls are caught on most requests
    /// that stall, not all, so among equally slow requests the slowest few may all lack one.
    var lastStalled: CompletedRequest?

    init(method: String, route: String, index: Int) {
        self.method = method
        self.route = route
        self.index = index
    }

    func add(_ request: CompletedRequest, slowestKept: Int) {
        count &+= 1
        let statusClass = request.status / 100
        statusClasses[(1...5).contains(statusClass) ? statusClass : 0] &+= 1
        latency.record(nanoseconds: request.timing.totalNanoseconds)
        databaseNanoseconds &+= request.timing.databaseNanoseconds
        httpNanoseconds &+= request.timing.httpNanoseconds
        appNanoseconds &+= request.timing.appNanoseconds
        queries &+= UInt64(request.timing.queryCount)
        maximumQueries = max(maximumQueries, request.timing.queryCount)
        httpCalls &+= UInt64(request.timing.httpCallCount)
        if !request.events.isEmpty, request.events.contains(where: { $0.kind == .stall }) { lastStalled = request }
        guard slowestKept > 0 else { return }
        if slowest.count < slowestKept {
            slowest.append(request)
            slowest.sort { $0.timing.totalNanoseconds > $1.timing.totalNanoseconds }
        } else if let fastestKept = slowest.last, request.timing.totalNanoseconds > fastestKept.timing.totalNanoseconds {
            slowest[slowest.count - 1] = request
            slowest.sort { $0.timing.totalNanoseconds > $1.timing.totalNanoseconds }
        }
    }
}

extension RouteAggregate {
    /// A copy for reading outside the lock.
    func snapshot() -> RouteAggregate {
        let copy = RouteAggregate(method: method, route: route, index: index)
        copy.count = count
        copy.statusClasses = statusClasses
        copy.latency = latency
        copy.databaseNanoseconds = databaseNanoseconds
        copy.httpNanoseconds = httpNanoseconds
        copy.appNanoseconds = appNanoseconds
        copy.queries = queries
        copy.maximumQueries = maximumQueries
        copy.httpCalls = httpCalls
        copy.slowest = slowest
        copy.lastStalled = lastStalled
        return copy
    }

    /// The requests the detectors look at: the slowest, and the latest that stalled.
    var examples: [CompletedRequest] {
        guard let lastStalled, !slowest.contains(where: { $0.id == lastStalled.id }) else { return slowest }
        return slowest + [lastStalled]
    }
}
