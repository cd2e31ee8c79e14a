/// The shape of a SQL statement: literals, bind parameters and IN-lists replaced by `?`,
/// comments dropped, whitespace collapsed, keywords and identifiers lower-cased.
///
/// Two statements with the same fingerprint differ only in their values, which is what
/// N+1 and "many small queries" detection needs:
///
/// ```swift
/// SQLFingerprint("SELECT * FROM users WHERE id = 42").text          // select * from users where id = ?
/// SQLFingerprint("select * from users where id IN ($1, $2, $3)").text // select * from users where id in (?)
/// ```
///
/// Parameter values never reach the fingerprint, so it is safe to keep and show.
public struct SQLFingerprint: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    public init(_ sql: String) {
        text = Self.normalize(Array(sql.utf8))
    }

    public var description: String { text }

    // MARK: - Normalisation, one pass over the bytes

    private static func normalize(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        var pendingSpace = false

        func emit(_ byte: UInt8) {
            if pendingSpace, !out.isEmpty, needsSpace(before: byte, after: out[out.count - 1]) { out.append(32) }
            pendingSpace = false
            out.append(byte)
        }

        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 32, 9, 10, 13:  // whitespace
                pendingSpace = true
                index += 1
            case 45 where index + 1 < bytes.count && bytes[index + 1] == 45:  // -- comment
                while index < bytes.count, bytes[index] != 10 { index += 1 }
                pendingSpace = true
            case 47 where index + 1 < bytes.count && bytes[index + 1] == 42:  // /* comment */
                index += 2
                while index + 1 < bytes.count, !(bytes[index] == 42 && bytes[index + 1] == 47) { index += 1 }
                index = min(index + 2, bytes.count)
                pendingSpace = true
            case 39:  // 'string literal' with '' escapes
                index += 1
                while index < bytes.count {
                    if bytes[index] == 39 {
                        if index + 1 < bytes.count, bytes[index + 1] == 39 { index += 2; continue }
                        break
                    }
                    index += 1
                }
                index += 1
                emit(63)
            case 34, 96:  // "quoted" or `quoted` identifier: kept, lower-cased
                let quote = byte
                emit(byte)
                index += 1
                while index < bytes.count, bytes[index] != quote {
                    out.append(lowercased(bytes[index]))
                    index += 1
                }
                if index < bytes.count { out.append(quote) }
                index += 1
            case 36 where index + 1 < bytes.count && isDigit(bytes[index + 1]):  // $1
                index += 1
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
                emit(63)
            case 63:  // ? (possibly ?1)
                index += 1
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
                emit(63)
            case 58 where index + 1 < bytes.count && isIdentifierStart(bytes[index + 1])
                && !(out.last == 58):  // :name (but not ::type casts)
                index += 1
                while index < bytes.count, isIdentifierPart(bytes[index]) { index += 1 }
                emit(63)
            case _ where isDigit(byte) && !(out.last.map(isIdentifierPart) ?? false && !pendingSpace):
                // A number (not part of an identifier like t1): 42, 3.14, 1e5, 0x1F.
                index += 1
                while index < bytes.count, isIdentifierPart(bytes[index]) || bytes[index] == 46 { index += 1 }
                emit(63)
            case _ where byte == 45 && isNumberAhead(bytes, index) && isOperatorContext(out):
                // A negative number: -1 after an operator or opening bracket.
                index += 1
                while index < bytes.count, isIdentifierPart(bytes[index]) || bytes[index] == 46 { index += 1 }
                emit(63)
            default:
                emit(lowercased(byte))
                index += 1
            }
        }
        return String(decoding: collapseLists(out), as: UTF8.self)
    }

    /// `(?, ?, ?)` and `(?)` become `(?)`; `values (?, ?), (?, ?)` becomes `values (?)`.
    private static func collapseLists(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == 40, let end = placeholderListEnd(bytes, from: index) {
                // Several (?, ?) groups in a row (multi-row VALUES) fold into one.
                var next = end
                while true {
                    var probe = next
                    while probe < bytes.count, bytes[probe] == 32 { probe += 1 }
                    guard probe < bytes.count, bytes[probe] == 44 else { break }
                    probe += 1
                    while probe < bytes.count, bytes[probe] == 32 { probe += 1 }
                    guard probe < bytes.count, bytes[probe] == 40, let groupEnd = placeholderListEnd(bytes, from: probe) else { break }
                    next = groupEnd
                }
                out.append(contentsOf: [40, 63, 41])
                index = next
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    /// If `(` at `start` opens a list of only `?` separated by commas, the index after `)`.
    private static func placeholderListEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start + 1
        var expectingPlaceholder = true
        var sawOne = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 32 {
                index += 1
            } else if expectingPlaceholder, byte == 63 {
                sawOne = true
                expectingPlaceholder = false
                index += 1
            } else if !expectingPlaceholder, byte == 44 {
                expectingPlaceholder = true
                index += 1
            } else if !expectingPlaceholder, byte == 41 {
                return sawOne ? index + 1 : nil
            } else {
                return nil
            }
        }
        return nil
    }

    private static func needsSpace(before next: UInt8, after previous: UInt8) -> Bool {
        // Keep a space only between two word-like tokens, or around operators for readability.
        let punctuation: Set<UInt8> = [41, 44, 46, 59]  // ) , . ;
        if punctuation.contains(next) || previous == 40 || previous == 46 { return false }
        return true
    }

    private static func isNumberAhead(_ bytes: [UInt8], _ index: Int) -> Bool {
        index + 1 < bytes.count && isDigit(bytes[index + 1])
    }

    private static func isOperatorContext(_ out: [UInt8]) -> Bool {
        guard let last = out.last(where: { $0 != 32 }) else { return true }
        return [61, 60, 62, 40, 44, 43, 45, 42, 47].contains(last)  // = < > ( , + - * /
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    private static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 95 || byte >= 128
    }

    private static func isIdentifierPart(_ byte: UInt8) -> Bool { isIdentifierStart(byte) || isDigit(byte) }

    private static func lowercased(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte | 0x20 : byte }
}
