extension LatencyHistogram: Codable {
    private enum CodingKeys: String, CodingKey {
        case unit, buckets
    }

    /// Decodes `{"unit":"us","buckets":[[us,count],...]}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let unit = try container.decode(String.self, forKey: .unit)
        // The unit is written out so a future format can change it; refuse what we cannot read.
        guard unit == "us" else {
            throw DecodingError.dataCorruptedError(
                forKey: .unit, in: container,
                debugDescription: "unsupported histogram unit '\(unit)': expected \"us\"")
        }
        self.init(buckets: try container.decode([Bucket].self, forKey: .buckets))
    }

    /// Encodes compactly as `{"unit":"us","buckets":[[us,count],...]}`: only non-empty
    /// buckets, instead of the ~23,000 counters of the in-memory layout.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("us", forKey: .unit)
        try container.encode(buckets, forKey: .buckets)
    }
}
