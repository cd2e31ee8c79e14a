/// The in-flight streams of one HTTP/2 connection, by stream id, in a fixed array: no hashing
/// and no allocation per request.
///
/// Client stream ids go up by 2, so stream *n* lives at slot (id / 2) mod capacity, with
/// capacity a power of two at least twice the stream limit: a slot is taken only when a stream
/// outlives `capacity` newer ones, and then the next free slot is used and lookups fall back to
/// a scan.
struct StreamTable<Value> {
    private var ids: [Int32]
    private var values: [Value?]
    private let mask: Int
    private(set) var count = 0

    init(limit: Int) {
        var capacity = 4
        while capacity < limit * 2 { capacity <<= 1 }
        ids = Array(repeating: 0, count: capacity)
        values = Array(repeating: nil, count: capacity)
        mask = capacity - 1
    }

    var isEmpty: Bool { count == 0 }

    private func slot(of id: Int32) -> Int? {
        let home = Int(id >> 1) & mask
        if ids[home] == id { return home }
        for index in ids.indices where ids[index] == id { return index }
        return nil
    }

    subscript(id: Int32) -> Value? {
        guard let index = slot(of: id) else { return nil }
        return values[index]
    }

    /// Stores a new stream (ids are never 0).
    mutating func insert(_ value: Value, for id: Int32) {
        var index = Int(id >> 1) & mask
        if ids[index] != 0 {
            guard let free = ids.firstIndex(of: 0) else { return }
            index = free
        }
        ids[index] = id
        values[index] = value
        count += 1
    }

    /// Changes a stream's value in place; false when there is no such stream.
    @discardableResult
    mutating func update(_ id: Int32, _ change: (inout Value) -> Void) -> Bool {
        guard let index = slot(of: id), var value = values[index] else { return false }
        change(&value)
        values[index] = value
        return true
    }

    mutating func remove(_ id: Int32) -> Value? {
        guard let index = slot(of: id) else { return nil }
        let value = values[index]
        ids[index] = 0
        values[index] = nil
        count -= 1
        return value
    }

    /// Ids of the streams for which `predicate` holds, written into `into` (kept, to reuse its storage).
    func ids(where predicate: (Int32, Value) -> Bool, into result: inout [Int32]) {
        result.removeAll(keepingCapacity: true)
        for index in ids.indices where ids[index] != 0 {
            if let value = values[index], predicate(ids[index], value) { result.append(ids[index]) }
        }
    }

    mutating func removeAll() -> [Value] {
        var all: [Value] = []
        for index in ids.indices where ids[index] != 0 {
            if let value = values[index] { all.append(value) }
            ids[index] = 0
            values[index] = nil
        }
        count = 0
        return all
    }
}
