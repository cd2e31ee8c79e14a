#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one JSON form of every Hotpath document (report, diagnosis, load run, profile): keys in
/// snake_case, sorted, slashes unescaped, and non-finite numbers as the strings `"inf"`,
/// `"-inf"`, `"nan"` (JSON has no such numbers, and a ratio over zero must not fail a report).
///
/// ```swift
/// let bytes = try HotpathJSON.encoder().encode(report)
/// let back = try HotpathJSON.decoder().decode(RecorderReport.self, from: bytes)
/// ```
public enum HotpathJSON {
    public static func encoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
