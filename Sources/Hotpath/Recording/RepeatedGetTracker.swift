/// Counts identical GETs (same route, same URL hash) across requests over a sliding window, in
/// memory fixed at creation: a table of at most `capacity` URLs, each with a ring of six
/// time buckets.
///
/// Only touched under the recorder's lock, once per finished request. A request without GETs
/// costs nothing; each GET costs one dictionary lookup and a few array writes. When the table
/// is full, a new URL replaces the least-called of a few entries after a moving cursor (so a
/// stream of one-off URLs cannot push out a popular one, and eviction stays O(1)).
struct RepeatedGetTracker {
    struct Key: Hashable {
        var route: Int
        var url: String
    }

    struct Slot {
        var key: Key
        var name: String
        var callSite: String?
        var firstSeen: UInt64
        var lastRequest: UInt64
    }

    static let bucketsPerWindow = 6
    /// How many entries after the cursor a new URL may replace.
    static let evictionCandidates = 8

    let capacity: Int
    let bucketNanoseconds: UInt64
    private(set) var slots: [Slot] = []
    private var index: [Key: Int] = [:]
    // Flat per-slot bucket arrays (slot × bucket): allocated as the table grows, never per call.
    private var bucketEpochs: [UInt64] = []
    private var calls: [UInt32] = []
    private var requests: [UInt32] = []
    private var durations: [UInt64] = []
    private var cursor = 0

    init(capacity: Int, windowSeconds: Int) {
        self.capacity = max(1, capacity)
        let window = UInt64(max(1, windowSeconds)) * 1_000_000_000
        bucketNanoseconds = max(1, window / UInt64(Self.bucketsPerWindow))
    }

    /// Counts one GET of `request` (several GETs of one URL in one request count once as a
    /// request, each as a call).
    mutating func add(route: Int, url: String, name: String, callSite: String?, duration: UInt64, request: UInt64, at now: UInt64) {
        let key = Key(route: route, url: url)
        let slot: Int
        if let existing = index[key] {
            slot = existing
        } else {
            slot = makeSlot(key, name: name, callSite: callSite, now: now)
        }
        let epoch = now / bucketNanoseconds
        let cell = slot * Self.bucketsPerWindow + Int(epoch % UInt64(Self.bucketsPerWindow))
        if bucketEpochs[cell] != epoch {
            bucketEpochs[cell] = epoch
            calls[cell] = 0
            requests[cell] = 0
            durations[cell] = 0
        }
        calls[cell] &+= 1
        durations[cell] &+= duration
        if slots[slot].lastRequest != request {
            slots[slot].lastRequest = request
            requests[cell] &+= 1
        }
    }

    private mutating func makeSlot(_ key: Key, name: String, callSite: String?, now: UInt64) -> Int {
        let fresh = Slot(key: key, name: name, callSite: callSite, firstSeen: now, lastRequest: 0)
        if slots.count < capacity {
            slots.append(fresh)
            bucketEpochs += repeatElement(UInt64.max, count: Self.bucketsPerWindow)
            calls += repeatElement(0, count: Self.bucketsPerWindow)
            requests += repeatElement(0, count: Self.bucketsPerWindow)
            durations += repeatElement(0, count: Self.bucketsPerWindow)
            index[key] = slots.count - 1
            return slots.count - 1
        }
        var victim = cursor
        var fewest = UInt64.max
        for step in 0..<min(Self.evictionCandidates, slots.count) {
            let candidate = (cursor + step) % slots.count
            let count = window(candidate, now: now).calls
            if count < fewest {
                fewest = count
                victim = candidate
            }
        }
        cursor = (victim + 1) % slots.count
        index[slots[victim].key] = nil
        slots[victim] = fresh
        for bucket in 0..<Self.bucketsPerWindow {
            bucketEpochs[victim * Self.bucketsPerWindow + bucket] = UInt64.max
        }
        index[key] = victim
        return victim
    }

    struct Window {
        var calls: UInt64 = 0
        var requests: UInt64 = 0
        var durationNanoseconds: UInt64 = 0
    }

    /// Calls and requests in the buckets of the last window.
    func window(_ slot: Int, now: UInt64) -> Window {
        let epoch = now / bucketNanoseconds
        var total = Window()
        for bucket in 0..<Self.bucketsPerWindow {
            let cell = slot * Self.bucketsPerWindow + bucket
            let cellEpoch = bucketEpochs[cell]
            guard cellEpoch != UInt64.max, cellEpoch <= epoch, epoch - cellEpoch < UInt64(Self.bucketsPerWindow) else { continue }
            total.calls &+= UInt64(calls[cell])
            total.requests &+= UInt64(requests[cell])
            total.durationNanoseconds &+= durations[cell]
        }
        return total
    }

    /// The URLs of `route` repeated often enough across requests, as findings.
    func findings(route: Int, now: UInt64, thresholds: HTTPCallThresholds) -> [Finding] {
        slots.indices.compactMap { slot -> Finding? in
            let entry = slots[slot]
            guard entry.key.route == route else { return nil }
            let counts = window(slot, now: now)
            guard counts.calls >= UInt64(max(2, thresholds.acrossRequestsMinimumCount)), counts.requests >= 2 else { return nil }
            let windowNanoseconds = bucketNanoseconds * UInt64(Self.bucketsPerWindow)
            // Over the time actually observed, for a URL first seen less than a window ago.
            let observed = max(min(now &- entry.firstSeen, windowNanoseconds), 1_000_000_000)
            let perSecond = Double(counts.calls) / (Double(observed) / 1e9)
            let average = counts.durationNanoseconds / counts.calls
            let perRequest = Double(counts.calls) / Double(counts.requests)
            let windowText = "\(windowNanoseconds / 1_000_000_000) s"
            return Finding(
                kind: .repeatedCalls,
                title: "Same GET across requests: `\(entry.name)` ran \(counts.calls) times in the last \(windowText) across \(counts.requests) requests (\(Self.rate(perSecond))/s)",
                evidence: [
                    "\(counts.calls) identical GETs (same URL, query included) in the last \(windowText), \(Self.rate(perSecond)) per second",
                    "\(HTTPDetectors.ms(average)) each on average, \(Self.rate(perRequest)) per request",
                ],
                fix: "Cache the response for a few seconds (an in-memory cache keyed by URL, or honour its Cache-Control): at \(Self.rate(perSecond))/s even a 1 s cache removes almost every call.",
                estimatedSavingNanoseconds: UInt64(Double(average) * perRequest),
                callSite: entry.callSite,
                fingerprint: entry.name + " (across requests)",
                count: Int(clamping: counts.calls)
            )
        }
    }

    static func rate(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return value >= 10 || tenths % 10 == 0 ? String(Int(value.rounded())) : "\(tenths / 10).\(tenths % 10)"
    }
}
