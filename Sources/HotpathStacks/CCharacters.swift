extension String {
    /// The text of a NUL-terminated C buffer (up to its first NUL), decoded as UTF-8.
    init(nulTerminated characters: [CChar]) {
        self.init(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
