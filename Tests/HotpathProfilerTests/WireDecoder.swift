/// A minimal protocol buffers wire-format reader for checking the pprof output without a
/// protobuf library: fields as (number, varint or bytes).
struct WireMessage {
    enum Value: Equatable {
        case varint(UInt64)
        case bytes([UInt8])
    }

    struct DecodeError: Error, CustomStringConvertible {
        var description: String
    }

    var fields: [(number: Int, value: Value)] = []

    init(_ bytes: [UInt8]) throws {
        var position = 0
        func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < bytes.count, shift < 64 else { throw DecodeError(description: "truncated varint at \(position)") }
                let byte = bytes[position]
                position += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
        }
        while position < bytes.count {
            let key = try varint()
            let number = Int(key >> 3)
            switch key & 7 {
            case 0:
                fields.append((number, .varint(try varint())))
            case 2:
                let length = Int(try varint())
                guard length >= 0, position + length <= bytes.count else { throw DecodeError(description: "bad length \(length)") }
                fields.append((number, .bytes(Array(bytes[position..<position + length]))))
                position += length
            default:
                throw DecodeError(description: "unexpected wire type \(key & 7) for field \(number)")
            }
        }
    }

    func varints(_ number: Int) -> [UInt64] {
        fields.compactMap { field in
            guard field.number == number, case .varint(let value) = field.value else { return nil }
            return value
        }
    }

    func varint(_ number: Int) -> UInt64 {
        varints(number).last ?? 0
    }

    func bytes(_ number: Int) -> [[UInt8]] {
        fields.compactMap { field in
            guard field.number == number, case .bytes(let value) = field.value else { return nil }
            return value
        }
    }

    func messages(_ number: Int) throws -> [WireMessage] {
        try bytes(number).map(WireMessage.init)
    }

    func strings(_ number: Int) -> [String] {
        bytes(number).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A packed repeated varint field (also accepts the unpacked form).
    func packed(_ number: Int) throws -> [UInt64] {
        var values = varints(number)
        for chunk in bytes(number) {
            var position = 0
            while position < chunk.count {
                var result: UInt64 = 0
                var shift: UInt64 = 0
                while true {
                    guard position < chunk.count, shift < 64 else { throw DecodeError(description: "bad packed varint") }
                    let byte = chunk[position]
                    position += 1
                    result |= UInt64(byte & 0x7F) << shift
                    if byte & 0x80 == 0 { break }
                    shift += 7
                }
                values.append(result)
            }
        }
        return values
    }
}
