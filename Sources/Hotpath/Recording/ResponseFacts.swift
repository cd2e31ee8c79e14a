/// What a request answered with, as far as it matters to performance: how big the body was
/// and whether it was compressed. Adapters note it only for large bodies
/// (``noteworthyBytes``), so the common small response costs nothing.
public struct ResponseFacts: Sendable, Codable, Equatable {
    /// Body bytes as sent (after any compression).
    public var bytes: Int
    public var contentType: String?
    /// `gzip`, `br`, … ; nil when the body was sent as is.
    public var contentEncoding: String?

    public init(bytes: Int, contentType: String?, contentEncoding: String?) {
        self.bytes = bytes
        self.contentType = contentType
        self.contentEncoding = contentEncoding
    }

    /// Bodies from this size on are noted; smaller ones are not worth a detector's look.
    public static let noteworthyBytes = 64 * 1024
}
