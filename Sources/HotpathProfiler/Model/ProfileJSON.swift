#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hotpath

/// The stored form of a ``Profile`` (JSON schema `hotpath-profile/1`), so `hotpath profile FILE`
/// can re-render a profile in any format later.
///
/// The document is `{"schema": "hotpath-profile/1", "tool": "hotpath …", "profile": {…}}` with
/// snake_case keys (`intervalNanoseconds` is `interval_nanoseconds`) and `thread_names` keyed
/// by the thread id in decimal. Additive changes keep the schema name; anything else bumps it.
///
/// ```swift
/// let bytes = try ProfileJSON.encode(profile)
/// let again = try ProfileJSON.decode(bytes)
/// ```
public enum ProfileJSON {
    public static let schemaName = "hotpath-profile/1"

    public static func encode(_ profile: Profile, pretty: Bool = false) throws -> [UInt8] {
        let encoder = JSONEncoder()
        // Profiles are large and mostly machine-read; pretty printing is opt-in.
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let document = ProfileDocument(schema: schemaName, tool: "hotpath \(HotpathVersion.current)", profile: profile)
        return Array(try encoder.encode(document))
    }

    /// Throws ``ProfileJSONError/unsupportedSchema(_:)`` for another schema name, and the
    /// decoder's error for malformed JSON.
    public static func decode(_ bytes: [UInt8]) throws -> Profile {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let header = try decoder.decode(SchemaHeader.self, from: Data(bytes))
        guard header.schema == schemaName else { throw ProfileJSONError.unsupportedSchema(header.schema) }
        return try decoder.decode(ProfileDocument.self, from: Data(bytes)).profile
    }
}

/// Why a stored profile could not be read.
public enum ProfileJSONError: Error, Equatable, CustomStringConvertible {
    case unsupportedSchema(String)

    public var description: String {
        switch self {
        case .unsupportedSchema(let name):
            "not a Hotpath profile: schema \"\(name)\", expected \"\(ProfileJSON.schemaName)\""
        }
    }
}

private struct SchemaHeader: Decodable {
    var schema: String
}

private struct ProfileDocument: Codable {
    var schema: String
    var tool: String
    var profile: Profile
}
