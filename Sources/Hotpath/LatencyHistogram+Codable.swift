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
        let buckets = try container.decode([Bucket].self, forKey: .buckets)
        guard Self.fitsInMemory(buckets) else {
            throw DecodingError.dataCorruptedError(
                forKey: .buckets, in: container,
                debugDescription: "the histogram's counts are beyond what a run can record (their latencies add up past 2^62 µs)")
        }
        self.init(buckets: buckets)
    }

    /// Whether the buckets' total latency (count × value, summed, at most one hour a value)
    /// stays below 2^62 µs: the histogram's own sums and percentile walks then cannot overflow.
    /// No real run comes near it (10^6 requests a second of one hour each, for 1,300 years).
    static func fitsInMemory(_ buckets: [Bucket]) -> Bool {
        var total: UInt64 = 0
        let limit: UInt64 = 1 << 62
        for bucket in buckets where bucket.count > 0 {
            let value = Swift.min(bucket.microseconds, highestTrackableMicroseconds) + 1
            let (weighted, overflow) = bucket.count.multipliedReportingOverflow(by: value)
            guard !overflow else { return false }
            let (sum, overflowSum) = total.addingReportingOverflow(weighted)
            guard !overflowSum, sum < limit else { return false }
            total = sum
        }
        return true
    }

    /// Encodes compactly as `{"unit":"us","buckets":[[us,count],...]}`: only non-empty
    /// buckets, instead of the ~23,000 counters of the in-memory layout.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("us", forKey: .unit)
        try container.encode(buckets, forKey: .buckets)
    }
}
