/// What `hotpath diagnose` measured, endpoint by endpoint: the requests its `X-Hotpath-Run`
/// header marks, kept apart from the route's all-time aggregates so each endpoint's evidence
/// comes from its own measured window (no warmup, no straggler of the endpoint before, no
/// traffic from before the run).
///
/// Per window (run and endpoint): the route's aggregates over the measured requests only,
/// a uniform sample of them (to judge how often a pattern recurs), a counter of reads repeated
/// across them, and how many requests of the endpoint (any phase) are still being served.
/// Only touched under the recorder's lock; only marked requests reach it, so real traffic pays
/// nothing. Bounded: at most ``Recorder/Configuration/maximumWindows`` windows (the oldest go
/// first), each holding at most `sampleSize` + `slowestPerRoute` + 1 requests.
struct MeasuredWindows {
    struct Key: Hashable {
        var run: String
        var endpoint: Int
    }

    final class Window {
        let key: Key
        /// Created with the window's first measured request.
        var aggregate: RouteAggregate?
        var sample: [CompletedRequest] = []
        /// Measured requests offered to the sample.
        var seen: UInt64 = 0
        var reads: RepeatedReadCounter
        /// Requests of this endpoint begun and not yet finished, in any phase.
        var inFlight = 0
        var firstStart: UInt64 = .max
        var lastEnd: UInt64 = 0
        /// A small generator for the sample's choices: the same requests give the same sample.
        var random: UInt64

        init(key: Key, readsCapacity: Int, readsWindowSeconds: Int) {
            self.key = key
            reads = RepeatedReadCounter(capacity: readsCapacity, windowSeconds: readsWindowSeconds)
            var seed = FNV1a()
            seed.mix(key.run)
            seed.separate()
            seed.mix(String(key.endpoint))
            random = seed.value | 1
        }

        /// xorshift64*: cheap, and no global generator shared with the app.
        func next(below bound: UInt64) -> UInt64 {
            random ^= random >> 12
            random ^= random << 25
            random ^= random >> 27
            return (random &* 2_685_821_657_736_338_717) % max(bound, 1)
        }
    }

    let maximumWindows: Int
    let sampleSize: Int
    let readsCapacity: Int
    let readsWindowSeconds: Int
    private var windows: [Key: Window] = [:]
    /// Creation order, for eviction and for the report.
    private var order: [Key] = []

    init(maximumWindows: Int, sampleSize: Int, readsCapacity: Int, readsWindowSeconds: Int) {
        self.maximumWindows = max(0, maximumWindows)
        self.sampleSize = max(1, sampleSize)
        self.readsCapacity = max(1, readsCapacity)
        self.readsWindowSeconds = readsWindowSeconds
    }

    private mutating func window(_ marker: RunMarker) -> Window? {
        guard maximumWindows > 0 else { return nil }
        let key = Key(run: marker.run, endpoint: marker.endpoint)
        if let known = windows[key] { return known }
        if order.count >= maximumWindows {
            let oldest = order.removeFirst()
            windows[oldest] = nil
        }
        let made = Window(key: key, readsCapacity: readsCapacity, readsWindowSeconds: readsWindowSeconds)
        windows[key] = made
        order.append(key)
        return made
    }

    mutating func began(_ marker: RunMarker) {
        window(marker)?.inFlight += 1
    }

    /// Folds a finished marked request in. `reads` feeds the window's across-requests counter.
    mutating func finished(
        _ request: CompletedRequest, marker: RunMarker, startedAt: UInt64, slowestKept: Int,
        reads: (inout RepeatedReadCounter, CompletedRequest, UInt64) -> Void
    ) {
        // A window evicted while its request ran is not made again for it.
        guard let window = windows[Key(run: marker.run, endpoint: marker.endpoint)] else { return }
        window.inFlight = max(0, window.inFlight - 1)
        guard marker.phase == .measure else { return }
        let aggregate = window.aggregate ?? RouteAggregate(method: request.method, route: request.route, index: 0)
        window.aggregate = aggregate
        aggregate.add(request, slowestKept: slowestKept)
        let end = startedAt &+ request.timing.totalNanoseconds
        window.firstStart = min(window.firstStart, startedAt)
        window.lastEnd = max(window.lastEnd, end)
        if request.timing.httpCallCount > 0 { reads(&window.reads, request, end) }
        // Reservoir sampling (algorithm R): every measured request is equally likely to be kept.
        window.seen &+= 1
        if window.sample.count < sampleSize {
            window.sample.append(request)
        } else {
            let slot = window.next(below: window.seen)
            if slot < UInt64(sampleSize) { window.sample[Int(slot)] = request }
        }
    }

    /// A copy of one run's windows, oldest first, for reading outside the lock.
    func snapshot(run: String, now: UInt64) -> [Snapshot] {
        order.filter { $0.run == run }.compactMap { key in
            guard let window = windows[key] else { return nil }
            let seconds = window.lastEnd > window.firstStart ? Double(window.lastEnd - window.firstStart) / 1e9 : 0
            // The rate of a repeated read is over the window measured, however late the report is read.
            let measured = UInt64(seconds * 1e9)
            let reads = window.reads.reads(route: 0, now: now).map { read -> RepeatedRead in
                var kept = read
                kept.observedNanoseconds = min(read.observedNanoseconds, max(measured, 1))
                return kept
            }
            return Snapshot(
                key: key, inFlight: window.inFlight, aggregate: window.aggregate?.snapshot(), sample: window.sample,
                reads: reads, seconds: seconds
            )
        }
    }

    struct Snapshot {
        var key: Key
        var inFlight: Int
        var aggregate: RouteAggregate?
        var sample: [CompletedRequest]
        var reads: [RepeatedRead]
        /// From the first measured request's start to the last one's end.
        var seconds: Double
    }
}
