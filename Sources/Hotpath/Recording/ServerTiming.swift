/// The `Server-Timing` response header, which browsers' devtools show in the Timing tab:
/// `db;dur=12.3;desc="4 queries", http;dur=40.0;desc="2 calls", app;dur=5.1, total;dur=57.4`.
public enum ServerTiming {
    public static let headerName = "Server-Timing"

    /// Written byte by byte into one preallocated string: it is made for every response.
    public static func header(for timing: RequestTiming) -> String {
        String(unsafeUninitializedCapacity: 160) { buffer in
            var writer = ByteWriter(buffer: buffer)
            if timing.queryCount > 0 {
                writer.append("db;dur=")
                writer.appendMilliseconds(timing.databaseNanoseconds)
                writer.append(";desc=\"")
                writer.append(UInt64(min(timing.queryCount, 999_999_999)))
                writer.append(timing.queryCount == 1 ? " query\", " : " queries\", ")
            }
            if timing.httpCallCount > 0 {
                writer.append("http;dur=")
                writer.appendMilliseconds(timing.httpNanoseconds)
                writer.append(";desc=\"")
                writer.append(UInt64(min(timing.httpCallCount, 999_999_999)))
                writer.append(timing.httpCallCount == 1 ? " call\", " : " calls\", ")
            }
            writer.append("app;dur=")
            writer.appendMilliseconds(timing.appNanoseconds)
            writer.append(", total;dur=")
            writer.appendMilliseconds(timing.totalNanoseconds)
            return writer.count
        }
    }

    /// Appends ASCII into a fixed buffer; the header's longest form is well under its size
    /// (4 numbers of at most 20 digits plus 90 bytes of text).
    private struct ByteWriter {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        mutating func append(_ text: StaticString) {
            let bytes = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
            for byte in bytes { appendByte(byte) }
        }

        mutating func append(_ value: UInt64) {
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var length = 0
            var rest = value
            withUnsafeMutableBytes(of: &digits) { scratch in
                repeat {
                    scratch[length] = UInt8(truncatingIfNeeded: rest % 10) &+ 48
                    rest /= 10
                    length += 1
                } while rest > 0
                while length > 0 {
                    length -= 1
                    appendByte(scratch[length])
                }
            }
        }

        /// Milliseconds with one decimal (`12.3`), the precision devtools display.
        mutating func appendMilliseconds(_ nanoseconds: UInt64) {
            let tenths = nanoseconds / 100_000 &+ (nanoseconds % 100_000 >= 50_000 ? 1 : 0)
            append(tenths / 10)
            appendByte(46)
            appendByte(UInt8(truncatingIfNeeded: tenths % 10) &+ 48)
        }

        private mutating func appendByte(_ byte: UInt8) {
            guard count < buffer.count else { return }
            buffer[count] = byte
            count += 1
        }
    }
}
