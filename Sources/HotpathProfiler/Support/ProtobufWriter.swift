/// Just enough of the protocol buffers wire format to write pprof profiles: varints and
/// length-delimited fields. Hand-written to keep the package free of a protobuf dependency.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    private enum WireType: UInt64 {
        case varint = 0
        case lengthDelimited = 2
    }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private mutating func tag(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | type.rawValue)
    }

    /// An `int64`/`uint64`/`bool` field; zero is the proto3 default and is not written.
    mutating func field(_ field: Int, _ value: UInt64) {
        guard value != 0 else { return }
        tag(field, .varint)
        varint(value)
    }

    /// An `int64` field; negative values take ten bytes, as the format says.
    mutating func field(_ field: Int, _ value: Int64) {
        self.field(field, UInt64(bitPattern: value))
    }

    mutating func field(_ field: Int, _ value: Int) {
        self.field(field, Int64(value))
    }

    /// Bytes or a string, always written (a repeated string's "" must be kept).
    mutating func field(_ field: Int, bytes value: [UInt8]) {
        tag(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func field(_ field: Int, string value: String) {
        self.field(field, bytes: Array(value.utf8))
    }

    /// An embedded message.
    mutating func field(_ field: Int, message: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        message(&nested)
        self.field(field, bytes: nested.bytes)
    }

    /// A packed repeated varint field (proto3's default encoding for repeated scalars).
    mutating func packed(_ field: Int, _ values: [UInt64]) {
        guard !values.isEmpty else { return }
        var nested = ProtobufWriter()
        for value in values { nested.varint(value) }
        self.field(field, bytes: nested.bytes)
    }
}
