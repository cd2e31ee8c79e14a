/// Counts identical reads (same route, same target URL) across requests over a sliding window,
/// in memory fixed at creation: a table of at most `capacity` targets, each with a ring of six
/// time buckets and the first few inbound URLs of the requests that made it.
///
/// Only touched under the recorder's lock, once per finished request with calls. Each read
/// costs one dictionary lookup and a few array writes. When the table is full, a new target
/// replaces the least-called of a few entries after a moving cursor (so a stream of one-off
/// URLs cannot push out a popular one, and eviction stays O(1)).
struct RepeatedReadCounter {
    struct Key: Hashable {
        var route: Int
        var target: UInt64
    }

    struct Slot {
        var key: Key
        var call: String
        var callSite: CallSite?
        var firstSeen: UInt64
        var lastRequest: UInt64
        /// Distinct inbound targets seen, up to ``inboundTargetsKept``.
        var inbound: [UInt64]
    }

    static let bucketsPerWindow = 6
    /// How many entries after the cursor a new target may replace.
    static let evictionCandidates = 8
    /// Distinct inbound URLs remembered per target: enough to tell "one URL replayed" from traffic.
    static let inboundTargetsKept = 8

    let capacity: Int
    let windowSeconds: Int
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
        self.windowSeconds = max(1, windowSeconds)
        let window = UInt64(self.windowSeconds) * 1_000_000_000
        bucketNanoseconds = max(1, window / UInt64(Self.bucketsPerWindow))
    }

    /// Counts one read of `request` (several reads of one target in one request count once
    /// as a request, each as a call).
    mutating func add(
        route: Int, target: UInt64, call: String, callSite: CallSite?, duration: UInt64, request: UInt64, inbound: UInt64, at now: UInt64
    ) {
        let key = Key(route: route, target: target)
        let slot = index[key] ?? makeSlot(key, call: call, callSite: callSite, now: now)
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
            if slots[slot].inbound.count < Self.inboundTargetsKept, !slots[slot].inbound.contains(inbound) {
                slots[slot].inbound.append(inbound)
            }
        }
    }

    private mutating func makeSlot(_ key: Key, call: String, callSite: CallSite?, now: UInt64) -> Int {
        let fresh = Slot(key: key, call: call, callSite: callSite, firstSeen: now, lastRequest: 0, inbound: [])
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

    /// The reads of `route` counted in the last window, for the route detectors.
    func reads(route: Int, now: UInt64) -> [RepeatedRead] {
        let windowNanoseconds = bucketNanoseconds * UInt64(Self.bucketsPerWindow)
        return slots.indices.compactMap { slot -> RepeatedRead? in
            let entry = slots[slot]
            guard entry.key.route == route else { return nil }
            let counts = window(slot, now: now)
            guard counts.calls > 0 else { return nil }
            return RepeatedRead(
                call: entry.call, callSite: entry.callSite, calls: counts.calls, requests: counts.requests,
                distinctInboundTargets: entry.inbound.count, totalNanoseconds: counts.durationNanoseconds,
                windowSeconds: windowSeconds, observedNanoseconds: min(now &- entry.firstSeen, windowNanoseconds)
            )
        }
    }
}
