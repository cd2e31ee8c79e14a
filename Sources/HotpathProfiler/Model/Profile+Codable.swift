/// Hand-written because `[Int32: String]` would otherwise encode as a flat
/// `[key, value, key, value]` array (only `String` and `Int` keys become JSON object keys).
extension Profile {
    private enum CodingKeys: String, CodingKey {
        case frames, samples, intervalNanoseconds, startedAt, durationNanoseconds
        case threadNames, droppedSamples, label
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let names = try container.decodeIfPresent([String: String].self, forKey: .threadNames) ?? [:]
        var threadNames: [Int32: String] = [:]
        for (key, name) in names {
            guard let thread = Int32(key) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .threadNames, in: container,
                    debugDescription: "thread id \"\(key)\" is not a 32-bit integer"
                )
            }
            threadNames[thread] = name
        }
        self.init(
            frames: try container.decode([ProfileFrame].self, forKey: .frames),
            samples: try container.decode([ProfileSample].self, forKey: .samples),
            intervalNanoseconds: try container.decode(UInt64.self, forKey: .intervalNanoseconds),
            startedAt: try container.decode(Double.self, forKey: .startedAt),
            durationNanoseconds: try container.decode(UInt64.self, forKey: .durationNanoseconds),
            threadNames: threadNames,
            droppedSamples: try container.decodeIfPresent(Int.self, forKey: .droppedSamples) ?? 0,
            label: try container.decodeIfPresent(String.self, forKey: .label)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(frames, forKey: .frames)
        try container.encode(samples, forKey: .samples)
        try container.encode(intervalNanoseconds, forKey: .intervalNanoseconds)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(durationNanoseconds, forKey: .durationNanoseconds)
        let names = Dictionary(uniqueKeysWithValues: threadNames.map { (String($0.key), $0.value) })
        try container.encode(names, forKey: .threadNames)
        try container.encode(droppedSamples, forKey: .droppedSamples)
        try container.encodeIfPresent(label, forKey: .label)
    }
}
