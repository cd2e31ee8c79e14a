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
    /// Inlinable (as are the mixes): it runs per query and per bind in other modules, where a
    /// call per byte through a generic would cost more than the hashing.
    @usableFromInline var state: UInt64 = 0xcbf2_9ce4_8422_2325
    @usableFromInline static let prime: UInt64 = 0x0000_0100_0000_01b3

    public var value: UInt64 { state }

    public init() {}

    /// A hash that starts from `seed` mixed in, so different uses of the same bytes differ.
    public init(seed: UInt64) {
        mix(seed)
    }

    @inlinable @inline(__always)
    public mutating func mix(byte: UInt8) {
        state = (state ^ UInt64(byte)) &* Self.prime
    }

    @inlinable
    public mutating func mix(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { mix(byte: byte) }
    }

    @inlinable
    public mutating func mix(_ text: some StringProtocol) {
        // A native string's bytes in place; a bridged or sliced one byte by byte.
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes { mix(byte: byte) }
        }
        if done == nil {
            for byte in text.utf8 { mix(byte: byte) }
        }
    }

    /// The eight bytes of `number`, little-endian (the same on every platform Hotpath runs on).
    @inlinable
    public mutating func mix(_ number: UInt64) {
        var rest = number
        for _ in 0..<8 {
            mix(byte: UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        }
    }

    @inlinable
    public mutating func mix(_ number: Int64) {
        mix(UInt64(bitPattern: number))
    }

    /// A separator between fields, so ("ab", "c") and ("a", "bc") hash differently.
    @inlinable
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
