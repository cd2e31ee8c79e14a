/// Findings about what a request sends back: a large body sent uncompressed.
///
/// Loopback hides transfer time, so the saving is stated for a reference client link
/// (``referenceLinkBitsPerSecond``, a good mobile or modest home connection) and the usual
/// compression of text formats (to about a fifth for JSON, HTML, CSV).
public struct ResponseDetector: RequestDetector {
    /// Bodies from this size on are worth compressing.
    public static let largeBodyBytes = 256 * 1024
    /// The client link the saving is estimated for: 50 Mbit/s.
    public static let referenceLinkBitsPerSecond = 50_000_000.0
    /// Compressed size over original size assumed for text formats.
    public static let assumedCompressedShare = 0.2

    public init() {}

    public func findings(in request: CompletedRequest, context: DetectionContext) -> [Finding] {
        guard let response = request.response, response.bytes >= Self.largeBodyBytes,
            response.contentEncoding.map({ $0.isEmpty || $0.lowercased() == "identity" }) ?? true,
            Self.isCompressible(response.contentType)
        else { return [] }
        let type = response.contentType.map { $0.split(separator: ";").first.map(String.init) ?? $0 }
        let transfer = Double(response.bytes) * 8 / Self.referenceLinkBitsPerSecond * 1e9
        let evidence = UncompressedResponseEvidence(
            bytes: response.bytes, contentType: type, transferNanoseconds: UInt64(transfer),
            linkBitsPerSecond: Self.referenceLinkBitsPerSecond, assumedCompressedShare: Self.assumedCompressedShare
        )
        return [Finding(
            evidence: .uncompressedResponse(evidence), fix: FixAdvice.compressResponses,
            estimatedSavingNanoseconds: UInt64(transfer * (1 - Self.assumedCompressedShare)),
            subject: "response " + (type ?? "of an unknown type"), count: 1
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
