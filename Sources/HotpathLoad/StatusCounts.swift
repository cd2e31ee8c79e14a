/// Responses counted by status code in a flat array: one add per response, no hashing.
public struct StatusCounts: Sendable, Equatable {
    private var counts = [UInt64](repeating: 0, count: 1000)

    public init() {}

    public init(_ dictionary: [Int: UInt64]) {
        for (status, count) in dictionary where (0..<1000).contains(status) { counts[status] = count }
    }

    mutating func record(_ status: Int) {
        counts[status] &+= 1
    }

    public mutating func add(_ other: StatusCounts) {
        for index in counts.indices where other.counts[index] != 0 { counts[index] &+= other.counts[index] }
    }

    /// Status code to count, for the codes seen.
    public var byStatus: [(status: Int, count: UInt64)] {
        counts.indices.compactMap { counts[$0] == 0 ? nil : ($0, counts[$0]) }
    }

    public var total: UInt64 { counts.reduce(0, &+) }

    /// Responses outside 2xx and 3xx (wrk's "Non-2xx or 3xx responses").
    public var unsuccessful: UInt64 {
        var sum: UInt64 = 0
        for (index, count) in counts.enumerated() where !(200..<400).contains(index) { sum &+= count }
        return sum
    }
}
