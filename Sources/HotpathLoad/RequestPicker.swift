/// Chooses the next request of a run's mix. One per event loop: no locks, no allocation.
///
/// `sequential` walks the mix in order, each request `weight` times in a row; `random` picks
/// uniformly; `weighted` picks request *i* with probability wᵢ / Σw (binary search over the
/// cumulative weights). The generator is SplitMix64, seeded per loop, so loops differ.
struct RequestPicker {
    private let order: RequestOrder
    private let weights: [Int]
    private let cumulative: [UInt64]
    private var index = 0
    private var repeatsLeft: Int
    private var state: UInt64

    init(plan: RequestPlan, seed: UInt64) {
        order = plan.order
        weights = plan.weights
        var sum: UInt64 = 0
        cumulative = weights.map { weight in
            sum &+= UInt64(weight)
            return sum
        }
        repeatsLeft = weights.first ?? 1
        state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 0xD1B5_4A32_D192_ED03
        // Loops start at different places in a sequential mix, so two loops do not send
        // the same request at the same time.
        if order == .sequential, weights.count > 1 {
            index = Int(seed % UInt64(weights.count))
            repeatsLeft = weights[index]
        }
    }

    /// The index into the plan's requests of the next one to send.
    mutating func next() -> Int {
        let count = weights.count
        if count <= 1 { return 0 }
        switch order {
        case .sequential:
            if repeatsLeft == 0 {
                index = index + 1 == count ? 0 : index + 1
                repeatsLeft = weights[index]
            }
            repeatsLeft -= 1
            return index
        case .random:
            return Int(nextRandom() % UInt64(count))
        case .weighted:
            guard let total = cumulative.last else { return 0 }
            let point = nextRandom() % total
            // The first request whose cumulative weight exceeds the point.
            var low = 0
            var high = count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] > point { high = middle } else { low = middle + 1 }
            }
            return low
        }
    }

    private mutating func nextRandom() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
