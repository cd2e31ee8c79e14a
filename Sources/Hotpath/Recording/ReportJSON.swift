#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one JSON form of ``RecorderReport`` (``HotpathJSON``), so every adapter serves the same
/// bytes and `hotpath diagnose` reads them back.
public enum ReportJSON {
    public static func encode(_ report: RecorderReport, pretty: Bool = true) throws -> [UInt8] {
        Array(try HotpathJSON.encoder(pretty: pretty).encode(report))
    }

    public static func decode(_ bytes: [UInt8]) throws -> RecorderReport {
        try HotpathJSON.decoder().decode(RecorderReport.self, from: Data(bytes))
    }
}
