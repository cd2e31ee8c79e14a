/// Findings about what a request sends back: a large body sent uncompressed.
///
/// Loopback hides transfer time, so the saving is stated for a reference client link
/// (``referenceLinkBitsPerSecond``, a good mobile or modest home connection) and the usual
/// compression of text formats (to about a fifth for JSON, HTML, CSV).
public enum ResponseDetectors {
    /// Bodies from this size on are worth compressing.
    public static let largeBodyBytes = 256 * 1024
    /// The client link the saving is estimated for: 50 Mbit/s.
    public static let referenceLinkBitsPerSecond = 50_000_000.0
    /// Compressed size over original size assumed for text formats.
    public static let assumedCompressedShare = 0.2

    public static func findings(in request: CompletedRequest) -> [Finding] {
        guard let response = request.response, response.bytes >= largeBodyBytes,
            response.contentEncoding.map({ $0.isEmpty || $0.lowercased() == "identity" }) ?? true,
            isCompressible(response.contentType)
        else { return [] }
        let type = response.contentType.map { $0.split(separator: ";").first.map(String.init) ?? $0 } ?? "an unknown type"
        let transfer = Double(response.bytes) * 8 / referenceLinkBitsPerSecond * 1e9
        let saving = transfer * (1 - assumedCompressedShare)
        let size = ByteText.format(response.bytes)
        return [Finding(
            kind: .uncompressedResponse,
            title: "Large uncompressed response: \(size) of \(type) per request",
            evidence: [
                "\(response.bytes) bytes sent without Content-Encoding",
                "at 50 Mbit/s the body alone takes \(DurationText.format(nanoseconds: transfer)) to reach the client (loopback hides this)",
                "\(type) typically compresses to a fifth or less with gzip or brotli",
            ],
            fix: "Compress responses for clients that send `Accept-Encoding: gzip` (Hummingbird: a compression middleware such as hummingbird-compression's `ResponseCompressionMiddleware`; Vapor: `app.http.server.configuration.responseCompression = .enabled`), and page long lists so one response does not carry everything.",
            estimatedSavingNanoseconds: UInt64(saving),
            fingerprint: "response " + type,
            count: 1
        )]
    }

    /// Text formats compress well; images, archives and video already are compressed.
    static func isCompressible(_ contentType: String?) -> Bool {
        guard let type = contentType?.lowercased() else { return true }
        return type.hasPrefix("text/") || type.contains("json") || type.contains("xml") || type.contains("javascript")
            || type.contains("csv") || type.contains("yaml") || type.contains("graphql")
    }
}

/// Byte counts for people: `512 B`, `64.0 KB`, `2.1 MB` (powers of 1024).
public enum ByteText {
    public static func format(_ bytes: Int) -> String {
        let value = Double(bytes)
        if value < 1024 { return "\(bytes) B" }
        if value < 1024 * 1024 { return DecimalText.fixed(value / 1024, fractionDigits: 1) + " KB" }
        if value < 1024 * 1024 * 1024 { return DecimalText.fixed(value / 1024 / 1024, fractionDigits: 1) + " MB" }
        return DecimalText.fixed(value / 1024 / 1024 / 1024, fractionDigits: 1) + " GB"
    }
}
