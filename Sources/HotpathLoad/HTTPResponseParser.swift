/// What the parser learned about one complete HTTP/1.x response.
public struct ParsedResponse: Sendable, Equatable {
    /// The status code, 100...999.
    public var status: Int
    /// Whether the connection may carry another request after this response.
    public var keepAlive: Bool
}

/// A malformed response: the connection cannot be trusted any more.
public struct HTTPResponseParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}

/// An incremental, allocation-free HTTP/1.x response parser.
///
/// The load generator only needs the status, whether the connection stays open, and where
/// each response ends, so this parser looks at bytes once, keeps no header strings and skips
/// bodies in bulk. That is what lets one event-loop thread keep up with a static-file
/// server: a general parser that builds `HTTPHeaders` allocates per response.
///
/// Handles `Content-Length`, `Transfer-Encoding: chunked` (with extensions and trailers),
/// close-delimited bodies, bodiless statuses (1xx, 204, 304) and HEAD responses, and
/// responses split at any byte across reads.
public struct HTTPResponseParser: Sendable {
    private enum State: Sendable {
        case statusLine
        case headerLineStart
        case headerName
        case headerValue
        case headerLineEnd
        case headersEndLF
        case body
        case chunkSize
        case chunkExtension
        case chunkSizeLF
        case chunkData
        case chunkDataCR
        case chunkDataLF
        case trailerLineStart
        case trailerLine
        case trailerEndLF
        case untilClose
    }

    private enum InterestingHeader: UInt8 {
        case none, contentLength, transferEncoding, connection
    }

    private var state: State = .statusLine
    /// Whether the request this response answers was a HEAD (no body follows).
    public var expectsNoBody = false

    // Status line progress.
    private var statusLinePosition = 0
    private var httpMinorVersion: UInt8 = 1
    private var status = 0

    // Header matching: candidate names are compared byte by byte as they arrive.
    private var nameLength = 0
    private var candidateMask: UInt8 = 0
    private var header: InterestingHeader = .none
    private var contentLength: Int64 = -1
    private var headerValue: Int64 = 0
    private var sawChunked = false
    private var sawClose = false
    private var sawKeepAlive = false
    private var digitsSeen = false
    /// Comma-separated header tokens are matched whole ("close", not "notclose").
    private var tokenLength = 0
    private var tokenCandidates: UInt8 = 0b11
    private var lastCodingIsChunked = false
    /// Bytes in the current line; a line past `maximumLineLength` is garbage, not HTTP.
    private var lineLength = 0
    private static let maximumLineLength = 16 * 1024

    // Body progress.
    private var remaining: Int64 = 0
    /// Set when a response completes, handed out by `nextResponse`.
    private var finished: ParsedResponse?

    public init() {}

    /// True when the current response ends with the connection (no length given).
    public var isReadingUntilClose: Bool {
        if case .untilClose = state { return true }
        return false
    }

    /// Feeds bytes; calls `onResponse` for every response that completes inside them.
    public mutating func feed(
        _ bytes: UnsafeRawBufferPointer,
        onResponse: (ParsedResponse) -> Void
    ) throws(HTTPResponseParseError) {
        var index = 0
        while let response = try nextResponse(in: bytes, from: &index) { onResponse(response) }
    }

    /// Parses from `index` up to the end of the next complete response and returns it, with
    /// `index` just past it; nil once every byte is consumed without completing one.
    ///
    /// The load generator's loop: no callback goes down the state machine, so nothing is
    /// retained per byte.
    public mutating func nextResponse(in bytes: UnsafeRawBufferPointer, from index: inout Int) throws(HTTPResponseParseError) -> ParsedResponse? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        while index < count {
            index = try step(base, index, count)
            if let done = finished {
                finished = nil
                return done
            }
        }
        return nil
    }

    /// Ends a close-delimited response at end of stream. Returns it if one was in progress.
    public mutating func finishAtEndOfStream() -> ParsedResponse? {
        guard case .untilClose = state else { return nil }
        let response = ParsedResponse(status: status, keepAlive: false)
        resetResponseState()
        return response
    }

    // MARK: - The state machine

    private static let contentLengthName: StaticString = "content-length"
    private static let transferEncodingName: StaticString = "transfer-encoding"
    private static let connectionName: StaticString = "connection"
    private static let httpPrefix: StaticString = "HTTP/1."

    /// Consumes bytes from `index` and returns the new index. Bulk states (bodies) consume
    /// many bytes at once; the rest consume one.
    private mutating func step(
        _ base: UnsafeRawPointer,
        _ index: Int,
        _ count: Int
    ) throws(HTTPResponseParseError) -> Int {
        switch state {
        case .body:
            let take = Int(min(remaining, Int64(count - index)))
            remaining -= Int64(take)
            if remaining == 0 { complete() }
            return index + take
        case .chunkData:
            let take = Int(min(remaining, Int64(count - index)))
            remaining -= Int64(take)
            if remaining == 0 { state = .chunkDataCR }
            return index + take
        case .untilClose:
            return count
        case .headerValue where header == .none:
            // A header nobody asked about: find the end of its line in one tight loop
            // instead of a trip through the state machine per byte.
            var end = index
            while end < count {
                let byte = base.load(fromByteOffset: end, as: UInt8.self)
                if byte == ASCII.cr || byte == ASCII.lf { break }
                end += 1
            }
            lineLength += end - index
            guard lineLength < Self.maximumLineLength else { throw HTTPResponseParseError(description: "header line too long") }
            guard end < count else { return count }
            if end + 1 < count, base.load(fromByteOffset: end, as: UInt8.self) == ASCII.cr,
                base.load(fromByteOffset: end + 1, as: UInt8.self) == ASCII.lf
            {
                // CRLF in one go: nothing to finish for a header nobody asked about.
                state = .headerLineStart
                return end + 2
            }
            try consume(base.load(fromByteOffset: end, as: UInt8.self))
            return end + 1
        case .statusLine where statusLinePosition == 0 && count - index >= 12:
            // "HTTP/1.x NNN" read in one look, with the byte-by-byte path's checks and errors.
            let prefix = Self.httpPrefix.utf8Start
            for offset in 0..<7 where base.load(fromByteOffset: index + offset, as: UInt8.self) != prefix[offset] {
                throw HTTPResponseParseError(description: "response does not start with HTTP/1.x")
            }
            let minor = base.load(fromByteOffset: index + 7, as: UInt8.self)
            guard minor == ASCII.zero || minor == ASCII.one else { throw HTTPResponseParseError(description: "unsupported HTTP version") }
            guard base.load(fromByteOffset: index + 8, as: UInt8.self) == ASCII.space else {
                throw HTTPResponseParseError(description: "bad status line")
            }
            var code = 0
            for offset in 9..<12 {
                let digit = base.load(fromByteOffset: index + offset, as: UInt8.self)
                guard digit >= ASCII.zero, digit <= ASCII.nine else { throw HTTPResponseParseError(description: "bad status code") }
                code = code * 10 + Int(digit - ASCII.zero)
            }
            httpMinorVersion = minor - ASCII.zero
            status = code
            statusLinePosition = 12
            return index + 12
        case .headerLineStart:
            // A whole header name in the buffer: find its colon in one loop and compare it with
            // the three names that matter only when the length fits. Anything unusual (line
            // end, whitespace, a name split across reads) goes the byte-by-byte way.
            let first = base.load(fromByteOffset: index, as: UInt8.self)
            var end = index
            if first != ASCII.cr, first != ASCII.lf {
                while end < count {
                    let byte = base.load(fromByteOffset: end, as: UInt8.self)
                    if byte == ASCII.colon || byte == ASCII.cr || byte == ASCII.lf || byte == ASCII.space || byte == ASCII.tab { break }
                    end += 1
                }
            }
            guard end > index, end < count, base.load(fromByteOffset: end, as: UInt8.self) == ASCII.colon else {
                try consume(first)
                return index + 1
            }
            let length = end - index
            guard length < Self.maximumLineLength else { throw HTTPResponseParseError(description: "header line too long") }
            header = Self.classify(base, index, length)
            nameLength = length
            lineLength = length
            candidateMask = 0
            tokenLength = 0
            tokenCandidates = 0b11
            digitsSeen = false
            headerValue = 0
            state = .headerValue
            return end + 1
        case .statusLine where statusLinePosition >= 12:
            // The reason phrase: skipped to the end of the line in one loop.
            var end = index
            while end < count, base.load(fromByteOffset: end, as: UInt8.self) != ASCII.lf { end += 1 }
            statusLinePosition += end - index
            guard statusLinePosition < Self.maximumLineLength else { throw HTTPResponseParseError(description: "status line too long") }
            guard end < count else { return count }
            try consume(ASCII.lf)
            return end + 1
        case .headerName where candidateMask == 0:
            // No interesting name can match any more: skip to the colon, still refusing
            // whitespace and line ends inside a name.
            var end = index
            while end < count {
                let byte = base.load(fromByteOffset: end, as: UInt8.self)
                if byte == ASCII.colon || byte == ASCII.cr || byte == ASCII.lf || byte == ASCII.space || byte == ASCII.tab { break }
                end += 1
            }
            nameLength += end - index
            lineLength += end - index
            guard lineLength < Self.maximumLineLength else { throw HTTPResponseParseError(description: "header line too long") }
            guard end < count else { return count }
            try consume(base.load(fromByteOffset: end, as: UInt8.self))
            return end + 1
        default:
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            try consume(byte)
            return index + 1
        }
    }

    private mutating func consume(_ byte: UInt8) throws(HTTPResponseParseError) {
        switch state {
        case .statusLine:
            try consumeStatusLine(byte)
        case .headerLineStart:
            if byte == ASCII.cr {
                state = .headersEndLF
            } else if byte == ASCII.lf {
                try endHeaders()
            } else {
                nameLength = 0
                lineLength = 0
                candidateMask = 0b111
                header = .none
                state = .headerName
                try consumeHeaderName(byte)
            }
        case .headerName:
            try consumeHeaderName(byte)
        case .headerValue:
            try consumeHeaderValue(byte)
        case .headerLineEnd:
            guard byte == ASCII.lf else { throw HTTPResponseParseError(description: "bare CR in header line") }
            state = .headerLineStart
        case .headersEndLF:
            guard byte == ASCII.lf else { throw HTTPResponseParseError(description: "expected LF after headers") }
            try endHeaders()
        case .chunkSize:
            if let digit = ASCII.hexValue(byte) {
                guard remaining < (Int64.max >> 4) else { throw HTTPResponseParseError(description: "chunk size too large") }
                remaining = remaining << 4 | Int64(digit)
                digitsSeen = true
            } else if byte == ASCII.cr {
                guard digitsSeen else { throw HTTPResponseParseError(description: "empty chunk size") }
                state = .chunkSizeLF
            } else if byte == ASCII.lf {
                guard digitsSeen else { throw HTTPResponseParseError(description: "empty chunk size") }
                state = remaining == 0 ? .trailerLineStart : .chunkData
            } else if byte == ASCII.semicolon || byte == ASCII.space || byte == ASCII.tab {
                guard digitsSeen else { throw HTTPResponseParseError(description: "empty chunk size") }
                lineLength = 0
                state = .chunkExtension
            } else {
                throw HTTPResponseParseError(description: "bad chunk size")
            }
        case .chunkExtension:
            lineLength += 1
            guard lineLength < Self.maximumLineLength else { throw HTTPResponseParseError(description: "chunk extension too long") }
            if byte == ASCII.cr {
                state = .chunkSizeLF
            } else if byte == ASCII.lf {
                state = remaining == 0 ? .trailerLineStart : .chunkData
            }
        case .chunkSizeLF:
            guard byte == ASCII.lf else { throw HTTPResponseParseError(description: "expected LF after chunk size") }
            state = remaining == 0 ? .trailerLineStart : .chunkData
        case .chunkDataCR:
            guard byte == ASCII.cr else { throw HTTPResponseParseError(description: "chunk longer than its size") }
            state = .chunkDataLF
        case .chunkDataLF:
            guard byte == ASCII.lf else { throw HTTPResponseParseError(description: "expected LF after chunk") }
            remaining = 0
            digitsSeen = false
            state = .chunkSize
        case .trailerLineStart:
            if byte == ASCII.cr {
                state = .trailerEndLF
            } else if byte == ASCII.lf {
                complete()
            } else {
                lineLength = 0
                state = .trailerLine
            }
        case .trailerLine:
            lineLength += 1
            guard lineLength < Self.maximumLineLength else { throw HTTPResponseParseError(description: "trailer line too long") }
            if byte == ASCII.lf { state = .trailerLineStart }
        case .trailerEndLF:
            guard byte == ASCII.lf else { throw HTTPResponseParseError(description: "expected LF after trailers") }
            complete()
        case .body, .chunkData, .untilClose:
            break  // consumed in bulk by `step`
        }
    }

    private mutating func consumeStatusLine(_ byte: UInt8) throws(HTTPResponseParseError) {
        let position = statusLinePosition
        statusLinePosition += 1
        switch position {
        case 0..<7:
            let expected = Self.httpPrefix.utf8Start[position]
            guard byte == expected else {
                throw HTTPResponseParseError(description: "response does not start with HTTP/1.x")
            }
        case 7:
            guard byte == ASCII.zero || byte == ASCII.one else {
                throw HTTPResponseParseError(description: "unsupported HTTP version")
            }
            httpMinorVersion = byte - ASCII.zero
        case 8:
            guard byte == ASCII.space else { throw HTTPResponseParseError(description: "bad status line") }
        case 9..<12:
            guard byte >= ASCII.zero, byte <= ASCII.nine else {
                throw HTTPResponseParseError(description: "bad status code")
            }
            status = status * 10 + Int(byte - ASCII.zero)
        default:
            // Reason phrase: skipped up to the end of the line.
            guard position < Self.maximumLineLength else { throw HTTPResponseParseError(description: "status line too long") }
            if byte == ASCII.lf {
                guard status >= 100 else { throw HTTPResponseParseError(description: "bad status code") }
                state = .headerLineStart
            }
        }
    }

    private mutating func consumeHeaderName(_ byte: UInt8) throws(HTTPResponseParseError) {
        if byte == ASCII.colon {
            header = matchedHeader()
            tokenLength = 0
            tokenCandidates = 0b11
            digitsSeen = false
            headerValue = 0
            state = .headerValue
            return
        }
        guard byte != ASCII.lf, byte != ASCII.cr else {
            throw HTTPResponseParseError(description: "header line without a colon")
        }
        guard byte != ASCII.space, byte != ASCII.tab else {
            throw HTTPResponseParseError(description: "whitespace in a header name")
        }
        lineLength += 1
        guard lineLength < Self.maximumLineLength else { throw HTTPResponseParseError(description: "header line too long") }
        if candidateMask != 0 {
            let lower = ASCII.lowercased(byte)
            if candidateMask & 0b001 != 0, !Self.matches(Self.contentLengthName, at: nameLength, lower) {
                candidateMask &= ~0b001
            }
            if candidateMask & 0b010 != 0, !Self.matches(Self.transferEncodingName, at: nameLength, lower) {
                candidateMask &= ~0b010
            }
            if candidateMask & 0b100 != 0, !Self.matches(Self.connectionName, at: nameLength, lower) {
                candidateMask &= ~0b100
            }
        }
        nameLength += 1
    }

    private func matchedHeader() -> InterestingHeader {
        if candidateMask & 0b001 != 0, nameLength == Self.contentLengthName.utf8CodeUnitCount { return .contentLength }
        if candidateMask & 0b010 != 0, nameLength == Self.transferEncodingName.utf8CodeUnitCount { return .transferEncoding }
        if candidateMask & 0b100 != 0, nameLength == Self.connectionName.utf8CodeUnitCount { return .connection }
        return .none
    }

    /// Which of the names that matter the `length` bytes at `start` spell, case-insensitively.
    private static func classify(_ base: UnsafeRawPointer, _ start: Int, _ length: Int) -> InterestingHeader {
        switch length {
        case contentLengthName.utf8CodeUnitCount: return equalsLowercased(base, start, contentLengthName) ? .contentLength : .none
        case transferEncodingName.utf8CodeUnitCount: return equalsLowercased(base, start, transferEncodingName) ? .transferEncoding : .none
        case connectionName.utf8CodeUnitCount: return equalsLowercased(base, start, connectionName) ? .connection : .none
        default: return .none
        }
    }

    private static func equalsLowercased(_ base: UnsafeRawPointer, _ start: Int, _ name: StaticString) -> Bool {
        let letters = name.utf8Start
        for offset in 0..<name.utf8CodeUnitCount
        where ASCII.lowercased(base.load(fromByteOffset: start + offset, as: UInt8.self)) != letters[offset] {
            return false
        }
        return true
    }

    private static func matches(_ name: StaticString, at position: Int, _ byte: UInt8) -> Bool {
        position < name.utf8CodeUnitCount && name.utf8Start[position] == byte
    }

    private mutating func consumeHeaderValue(_ byte: UInt8) throws(HTTPResponseParseError) {
        if byte == ASCII.cr || byte == ASCII.lf {
            try finishHeaderValue()
            state = byte == ASCII.cr ? .headerLineEnd : .headerLineStart
            return
        }
        lineLength += 1
        guard lineLength < Self.maximumLineLength else { throw HTTPResponseParseError(description: "header line too long") }
        switch header {
        case .none:
            break
        case .contentLength:
            if byte >= ASCII.zero, byte <= ASCII.nine {
                guard headerValue < Int64.max / 10 else { throw HTTPResponseParseError(description: "content-length too large") }
                headerValue = headerValue * 10 + Int64(byte - ASCII.zero)
                digitsSeen = true
            } else if byte != ASCII.space, byte != ASCII.tab {
                throw HTTPResponseParseError(description: "bad content-length")
            }
        case .transferEncoding, .connection:
            if byte == ASCII.comma {
                finishToken()
            } else if byte != ASCII.space, byte != ASCII.tab {
                let lower = ASCII.lowercased(byte)
                let first: StaticString = header == .connection ? "close" : "chunked"
                if tokenCandidates & 0b01 != 0, !Self.matches(first, at: tokenLength, lower) { tokenCandidates &= ~0b01 }
                if tokenCandidates & 0b10 != 0, !Self.matches("keep-alive", at: tokenLength, lower) { tokenCandidates &= ~0b10 }
                tokenLength += 1
            }
        }
    }

    /// Ends one comma-separated token of Connection or Transfer-Encoding.
    private mutating func finishToken() {
        defer {
            tokenLength = 0
            tokenCandidates = 0b11
        }
        guard tokenLength > 0 else { return }
        switch header {
        case .connection:
            if tokenCandidates & 0b01 != 0, tokenLength == 5 { sawClose = true }
            if tokenCandidates & 0b10 != 0, tokenLength == 10 { sawKeepAlive = true }
        case .transferEncoding:
            lastCodingIsChunked = tokenCandidates & 0b01 != 0 && tokenLength == 7
        case .none, .contentLength:
            break
        }
    }

    private mutating func finishHeaderValue() throws(HTTPResponseParseError) {
        switch header {
        case .contentLength:
            guard digitsSeen else { throw HTTPResponseParseError(description: "empty content-length") }
            if contentLength >= 0, contentLength != headerValue {
                throw HTTPResponseParseError(description: "conflicting content-length headers")
            }
            contentLength = headerValue
        case .transferEncoding:
            finishToken()
            // The final coding decides the framing, across repeated headers too.
            sawChunked = lastCodingIsChunked
        case .connection:
            finishToken()
        case .none:
            break
        }
    }

    private mutating func endHeaders() throws(HTTPResponseParseError) {
        if status < 200 {
            // Interim response (100 Continue, 103 Early Hints): the real one follows.
            resetResponseState()
            return
        }
        if expectsNoBody || status == 204 || status == 304 {
            complete()
        } else if sawChunked {
            remaining = 0
            digitsSeen = false
            state = .chunkSize
        } else if contentLength >= 0 {
            if contentLength == 0 {
                complete()
            } else {
                remaining = contentLength
                state = .body
            }
        } else {
            state = .untilClose
        }
    }

    private var keepAlive: Bool {
        if sawClose { return false }
        return httpMinorVersion >= 1 || sawKeepAlive
    }

    private mutating func complete() {
        let response = ParsedResponse(status: status, keepAlive: keepAlive)
        resetResponseState()
        finished = response
    }

    /// Starts over for the next response; whether requests are HEAD stays as it was.
    private mutating func resetResponseState() {
        let noBody = expectsNoBody
        self = HTTPResponseParser()
        expectsNoBody = noBody
    }
}

enum ASCII {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let space: UInt8 = 32
    static let tab: UInt8 = 9
    static let colon: UInt8 = 58
    static let semicolon: UInt8 = 59
    static let comma: UInt8 = 44
    static let zero: UInt8 = 48
    static let one: UInt8 = 49
    static let nine: UInt8 = 57

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= 65 && byte <= 90 ? byte | 0x20 : byte
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 97...102: return byte - 87
        case 65...70: return byte - 55
        default: return nil
        }
    }
}
