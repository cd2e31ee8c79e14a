/// Comparison whose running time does not depend on where two secrets differ.
public enum ConstantTime {
    /// True when `given` equals `expected`. Always walks all of `given`'s bytes and folds
    /// the length difference into the result, so an attacker timing responses learns
    /// neither a matching prefix nor (beyond its own input's length) the token's length.
    public static func equals(_ given: String, _ expected: String) -> Bool {
        let a = Array(given.utf8)
        let b = Array(expected.utf8)
        guard !b.isEmpty else { return false }
        var difference = UInt64(a.count ^ b.count)
        for index in 0..<a.count {
            difference |= UInt64(a[index] ^ b[index % b.count])
        }
        return difference == 0
    }
}
