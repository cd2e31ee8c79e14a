/// The 64-bit FNV-1a hash, the one hash Hotpath uses wherever a value must be told apart from
/// another without being kept: bind values, URLs, captured stacks. Stable across processes and
/// runs (unlike `Hasher`), cheap, and not reversible in practice for this purpose.
///
/// ```swift
/// var hash = FNV1a()
/// hash.mix("GET")
/// hash.separate()
/// hash.mix(42)
/// let value = hash.value
/// ```
public struct FNV1a: Sendable, Equatable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    public init() {}

    /// A hash that starts from `seed` mixed in, so different uses of the same bytes differ.
    public init(seed: UInt64) {
        mix(seed)
    }

    @inline(__always)
    public mutating func mix(byte: UInt8) {
        value = (value ^ UInt64(byte)) &* Self.prime
    }

    public mutating func mix(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { mix(byte: byte) }
    }

    public mutating func mix(_ text: some StringProtocol) {
        for byte in text.utf8 { mix(byte: byte) }
    }

    /// The eight bytes of `number`, little-endian (the same on every platform Hotpath runs on).
    public mutating func mix(_ number: UInt64) {
        var rest = number
        for _ in 0..<8 {
            mix(byte: UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        }
    }

    public mutating func mix(_ number: Int64) {
        mix(UInt64(bitPattern: number))
    }

    /// A separator between fields, so ("ab", "c") and ("a", "bc") hash differently.
    public mutating func separate() {
        mix(byte: 0x1f)
    }

    /// The hash of `text`, with a separator after it.
    public static func hash(_ text: some StringProtocol) -> UInt64 {
        var hash = FNV1a()
        hash.mix(text)
        hash.separate()
        return hash.value
    }
}
