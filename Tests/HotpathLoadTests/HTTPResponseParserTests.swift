import Testing

@testable import HotpathLoad

@Suite("HTTP response parser")
struct HTTPResponseParserTests {
    /// Feeds `text` split at `split` (and again byte by byte), returning completed responses.
    static func parse(_ text: String, split: Int? = nil, head: Bool = false, endOfStream: Bool = false) throws -> [ParsedResponse] {
        var parser = HTTPResponseParser()
        parser.expectsNoBody = head
        var responses: [ParsedResponse] = []
        let bytes = Array(text.utf8)
        let cut = min(split ?? bytes.count, bytes.count)
        for piece in [Array(bytes[..<cut]), Array(bytes[cut...])] {
            try piece.withUnsafeBytes { raw in
                try parser.feed(raw) { responses.append($0) }
            }
        }
        if endOfStream, let last = parser.finishAtEndOfStream() { responses.append(last) }
        return responses
    }

    /// Every way to split the input in two gives the same responses.
    static func parseAtEverySplit(_ text: String, head: Bool = false, endOfStream: Bool = false) throws -> [ParsedResponse] {
        let whole = try parse(text, head: head, endOfStream: endOfStream)
        for split in 0...text.utf8.count {
            let pieces = try parse(text, split: split, head: head, endOfStream: endOfStream)
            #expect(pieces == whole, "split at \(split)")
        }
        return whole
    }

    @Test func contentLength() throws {
        let responses = try Self.parseAtEverySplit("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello")
        #expect(responses == [ParsedResponse(status: 200, keepAlive: true)])
    }

    @Test func headerNamesAreCaseInsensitive() throws {
        let responses = try Self.parseAtEverySplit("HTTP/1.1 404 Not Found\r\ncOnTeNt-LeNgTh:  3 \r\n\r\nabc")
        #expect(responses == [ParsedResponse(status: 404, keepAlive: true)])
    }

    @Test func similarHeaderNamesAreNotConfused() throws {
        // "Content-Length-Extra" and "Connection-X" must not count as the real headers.
        let text = "HTTP/1.1 200 OK\r\nContent-Length-Extra: 99\r\nConnection-X: close\r\nContent-Length: 2\r\n\r\nok"
        #expect(try Self.parseAtEverySplit(text) == [ParsedResponse(status: 200, keepAlive: true)])
    }

    @Test func chunkedWithExtensionsAndTrailers() throws {
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: yes\r\n\r\n"
        #expect(try Self.parseAtEverySplit(text) == [ParsedResponse(status: 200, keepAlive: true)])
    }

    @Test func closeDelimitedBodyEndsAtEndOfStream() throws {
        let text = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this until close"
        #expect(try Self.parse(text).isEmpty)
        #expect(try Self.parseAtEverySplit(text, endOfStream: true) == [ParsedResponse(status: 200, keepAlive: false)])
    }

    @Test(arguments: [204, 304])
    func bodilessStatuses(status: Int) throws {
        let text = "HTTP/1.1 \(status) X\r\nContent-Length: 10\r\n\r\n"
        #expect(try Self.parseAtEverySplit(text) == [ParsedResponse(status: status, keepAlive: true)])
    }

    @Test func headResponseHasNoBodyDespiteContentLength() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
        #expect(try Self.parseAtEverySplit(text, head: true).count == 2)
    }

    @Test func interimResponsesAreSkipped() throws {
        let text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
        #expect(try Self.parseAtEverySplit(text) == [ParsedResponse(status: 201, keepAlive: true)])
    }

    @Test func connectionHeaders() throws {
        #expect(try Self.parseAtEverySplit("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
            == [ParsedResponse(status: 200, keepAlive: false)])
        #expect(try Self.parseAtEverySplit("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n")
            == [ParsedResponse(status: 200, keepAlive: true)])
        #expect(try Self.parseAtEverySplit("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
            == [ParsedResponse(status: 200, keepAlive: false)])
    }

    @Test func severalResponsesInOneRead() throws {
        let one = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
        let two = "HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n"
        let responses = try Self.parseAtEverySplit(one + two + one)
        #expect(responses.map(\.status) == [200, 500, 200])
    }

    @Test func bareLineFeedsAreAccepted() throws {
        #expect(try Self.parseAtEverySplit("HTTP/1.1 200 OK\nContent-Length: 2\n\nok") == [ParsedResponse(status: 200, keepAlive: true)])
    }

    @Test func tokensMatchWhole() throws {
        // "notclose" is not "close"; a final coding other than chunked means close-delimited.
        #expect(try Self.parseAtEverySplit("HTTP/1.1 200 OK\r\nConnection: notclose, x\r\nContent-Length: 0\r\n\r\n")
            == [ParsedResponse(status: 200, keepAlive: true)])
        #expect(try Self.parseAtEverySplit("HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\nContent-Length: 0\r\n\r\n")
            == [ParsedResponse(status: 200, keepAlive: false)])
        #expect(try Self.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n").isEmpty)
        #expect(try Self.parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").count == 1)
    }

    @Test func repeatedEqualContentLengthIsFine() throws {
        #expect(try Self.parseAtEverySplit("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok").count == 1)
    }

    @Test func chunkSizeLineMayEndWithABareLineFeed() throws {
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\nok\r\n0\n\r\n"
        #expect(try Self.parseAtEverySplit(text).count == 1)
    }

    @Test(arguments: [
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 20_000) + "\r\n\r\n",
        "HTTP/1.1 200 " + String(repeating: "r", count: 20_000) + "\r\n\r\n",
        "SMTP/1.1 200 OK\r\n\r\n",
        "HTTP/2.0 200 OK\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
    ])
    func malformedResponsesThrow(text: String) {
        #expect(throws: HTTPResponseParseError.self) { try Self.parse(text) }
    }
}
