/// Dense ids for the functions of a frame table, computed once, so aggregation over many
/// samples compares integers instead of hashing names, modules and paths for every frame.
struct FunctionIndex {
    /// Frame index → function id.
    private(set) var functionOfFrame: [Int] = []
    /// Function id → its key.
    private(set) var keys: [FunctionKey] = []
    /// Function id → the first frame seen of it.
    private(set) var firstFrames: [ProfileFrame] = []

    init(_ frames: [ProfileFrame]) {
        var ids: [FunctionKey: Int] = [:]
        functionOfFrame.reserveCapacity(frames.count)
        for frame in frames {
            let key = frame.functionKey
            if let id = ids[key] {
                functionOfFrame.append(id)
            } else {
                ids[key] = keys.count
                functionOfFrame.append(keys.count)
                keys.append(key)
                firstFrames.append(frame)
            }
        }
    }

    /// The function id of the frame at `index`, or nil for an index outside the table
    /// (corrupt or foreign data is skipped, never trapped on).
    func function(ofFrame index: Int32) -> Int? {
        let position = Int(index)
        return functionOfFrame.indices.contains(position) ? functionOfFrame[position] : nil
    }
}
