extension LatencyHistogram {
    /// A run of equal samples: `count` latencies of about `microseconds`.
    ///
    /// Encodes as a compact pair `[microseconds, count]`.
    public struct Bucket: Sendable, Codable, Equatable {
        /// A value inside the histogram bucket, in microseconds.
        public var microseconds: UInt64
        /// How many samples the bucket holds.
        public var count: UInt64

        /// Creates a bucket.
        public init(microseconds: UInt64, count: UInt64) {
            self.microseconds = microseconds
            self.count = count
        }

        /// Decodes the pair `[microseconds, count]`.
        public init(from decoder: any Decoder) throws {
            var pair = try decoder.unkeyedContainer()
            microseconds = try pair.decode(UInt64.self)
            count = try pair.decode(UInt64.self)
            guard pair.isAtEnd else {
                throw DecodingError.dataCorruptedError(
                    in: pair, debugDescription: "a bucket is a pair [microseconds, count]")
            }
        }

        /// Encodes the pair `[microseconds, count]`.
        public func encode(to encoder: any Encoder) throws {
            var pair = encoder.unkeyedContainer()
            try pair.encode(microseconds)
            try pair.encode(count)
        }
    }

    /// The non-empty buckets in increasing order, so a histogram can be written to JSON
    /// compactly and rebuilt with ``init(buckets:)``.
    ///
    /// Each bucket is named by its highest value, except that the first and last carry the
    /// exact smallest and largest samples; a rebuilt histogram therefore reports the same
    /// percentiles, min, max, mean and counts, and compares equal to this one.
    public var buckets: [Bucket] {
        var result: [Bucket] = []
        for value in histogram.recordedValues() {
            result.append(Bucket(microseconds: value.value, count: value.count))
        }
        guard let first = result.first else { return result }
        let smallest = histogram.min
        let largest = histogram.maxRecorded
        if result.count == 1 {
            // Both extremes share one bucket: split off one sample to carry the minimum.
            guard smallest != largest, first.count >= 2 else {
                return [Bucket(microseconds: largest, count: first.count)]
            }
            return [
                Bucket(microseconds: smallest, count: 1),
                Bucket(microseconds: largest, count: first.count - 1),
            ]
        }
        result[0].microseconds = smallest
        result[result.count - 1].microseconds = largest
        return result
    }

    /// Rebuilds a histogram from ``buckets`` (any order; zero counts are ignored, values
    /// above one hour are clamped like recorded ones).
    public init(buckets: [Bucket]) {
        self.init()
        for bucket in buckets where bucket.count > 0 {
            let clamped = Swift.min(bucket.microseconds, Self.highestTrackableMicroseconds)
            histogram.record(clamped, count: bucket.count)
        }
    }
}
