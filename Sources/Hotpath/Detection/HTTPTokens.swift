/// A small set of hashed words (ids, slugs, numbers) seen in an HTTP call's request or
/// response, so the detectors can tell when one call used something another call returned.
///
/// Only hashes are kept, never the words: bodies and URLs may hold personal data. The set is
/// bounded (``HTTPTokenScanner/maximumTokens``).
public struct HTTPTokenSet: Sendable, Equatable, Codable {
    /// 32-bit FNV-1a hashes, in the order first seen, without duplicates.
    public private(set) var hashes: [UInt32]

    public init(hashes: [UInt32] = []) {
        self.hashes = hashes
    }

    /// Hashes the words of `bytes` (the first ``HTTPTokenScanner/maximumScannedBytes`` of them).
    public init(scanning bytes: some Sequence<UInt8>) {
        var scanner = HTTPTokenScanner()
        scanner.scan(bytes)
        self = scanner.tokens
    }

    public var isEmpty: Bool { hashes.isEmpty }

    // As JSON: the array of hashes.
    public init(from decoder: any Decoder) throws {
        hashes = try decoder.singleValueContainer().decode([UInt32].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hashes)
    }

    public func contains(_ hash: UInt32) -> Bool { hashes.contains(hash) }

    /// Both sets, up to the size bound (for a URL's words plus a request body's).
    public func union(_ other: HTTPTokenSet) -> HTTPTokenSet {
        var merged = self
        for hash in other.hashes where merged.hashes.count < HTTPTokenScanner.maximumTokens && !merged.hashes.contains(hash) {
            merged.hashes.append(hash)
        }
        return merged
    }

    /// 8 lowercase hex digits per hash, no separators.
    public var encoded: String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(hashes.count * 8)
        for hash in hashes {
            var shift: UInt32 = 28
            while true {
                let digit = UInt8((hash >> shift) & 0xf)
                utf8.append(digit < 10 ? 0x30 + digit : 0x57 + digit)
                if shift == 0 { break }
                shift -= 4
            }
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Reads ``encoded``; malformed text gives the hashes read up to the first bad group.
    public init(encoded: String) {
        var hashes: [UInt32] = []
        hashes.reserveCapacity(encoded.utf8.count / 8)
        var value: UInt32 = 0
        var digits = 0
        for byte in encoded.utf8 {
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x61...0x66: digit = UInt32(byte - 0x57)
            default:
                self.hashes = hashes
                return
            }
            value = value << 4 | digit
            digits += 1
            if digits == 8 {
                hashes.append(value)
                value = 0
                digits = 0
            }
        }
        self.hashes = hashes
    }
}

/// Splits bytes into words (runs of ASCII letters and digits, plus `-` and `_` inside ids)
/// and hashes those of at least ``minimumTokenLength`` bytes, incrementally, so a body can be
/// fed chunk by chunk as it streams.
///
/// Bounded work and memory: it reads at most ``maximumScannedBytes`` and keeps at most
/// ``maximumTokens`` distinct hashes; words too common to mean anything ("http", "true",
/// "json", …) are skipped.
public struct HTTPTokenScanner: Sendable {
    /// Bytes read from one body; the rest is ignored.
    public static let maximumScannedBytes = 16 * 1024
    /// Distinct hashes kept.
    public static let maximumTokens = 64
    /// Shorter words ("id", "ok", single digits) match by chance too often to count.
    public static let minimumTokenLength = 3

    static let offsetBasis: UInt32 = 0x811c_9dc5
    static let prime: UInt32 = 0x0100_0193

    private var hashes: [UInt32] = []
    /// One bit per hash modulo 64: most new words skip the linear duplicate check.
    private var seen: UInt64 = 0
    private var scanned = 0
    private var current = HTTPTokenScanner.offsetBasis
    private var length = 0

    public init() {}

    /// True once nothing more will be read.
    public var isDone: Bool {
        scanned >= Self.maximumScannedBytes || hashes.count >= Self.maximumTokens
    }

    /// Reads more bytes (the next chunk of the same body or URL).
    public mutating func scan(_ bytes: some Sequence<UInt8>) {
        guard !isDone else { return }
        let contiguous: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            scan(UnsafeRawBufferPointer(buffer))
        }
        if contiguous == nil {
            for byte in bytes {
                guard !isDone else { return }
                scanned += 1
                step(byte)
            }
        }
    }

    /// Reads more bytes from raw memory (the fast path for byte buffers).
    public mutating func scan(_ bytes: UnsafeRawBufferPointer) {
        guard !isDone else { return }
        let end = min(bytes.count, Self.maximumScannedBytes - scanned)
        var index = 0
        while index < end {
            step(bytes[index])
            if hashes.count >= Self.maximumTokens { break }
            index += 1
        }
        scanned += min(index + 1, end)
    }

    /// The hashes so far, including a word still open at the end of the input.
    public var tokens: HTTPTokenSet {
        var copy = self
        copy.closeWord()
        return HTTPTokenSet(hashes: copy.hashes)
    }

    /// Ends the word in progress, as a separator would (between a URL's path and its body).
    public mutating func separate() {
        closeWord()
    }

    @inline(__always)
    private mutating func step(_ byte: UInt8) {
        switch byte {
        case 0x30...0x39, 0x41...0x5a, 0x61...0x7a, 0x2d, 0x5f:
            current = (current ^ UInt32(byte)) &* Self.prime
            length += 1
        default:
            closeWord()
        }
    }

    private mutating func closeWord() {
        defer {
            current = Self.offsetBasis
            length = 0
        }
        guard length >= Self.minimumTokenLength, hashes.count < Self.maximumTokens else { return }
        let bit: UInt64 = 1 << UInt64(current & 63)
        if seen & bit != 0, hashes.contains(current) { return }
        guard !Self.isCommon(current) else { return }
        seen |= bit
        hashes.append(current)
    }

    static func hash(_ word: String) -> UInt32 {
        var hash = offsetBasis
        for byte in word.utf8 { hash = (hash ^ UInt32(byte)) &* prime }
        return hash
    }

    /// Binary search in a sorted array: cheaper per word than hashing into a `Set`.
    static func isCommon(_ hash: UInt32) -> Bool {
        var low = 0
        var high = commonWords.count
        while low < high {
            let middle = (low + high) / 2
            let value = commonWords[middle]
            if value == hash { return true }
            if value < hash { low = middle + 1 } else { high = middle }
        }
        return false
    }

    /// Words that appear in many URLs and bodies without carrying a value from one call to
    /// the next; counting them would make independent calls look dependent. Sorted hashes.
    static let commonWords: [UInt32] = Set([
        "http", "https", "www", "api", "json", "xml", "html", "text", "utf-8", "charset", "application",
        "true", "false", "null", "nil", "none", "undefined", "com", "org", "net", "the", "and", "for",
        "data", "items", "result", "results", "status", "error", "errors", "message", "name", "type",
        "value", "values", "count", "total", "page", "limit", "offset", "version", "v1", "v2", "v3",
    ].map(hash)).sorted()
}
