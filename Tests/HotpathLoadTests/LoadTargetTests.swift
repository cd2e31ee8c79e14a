import Hotpath
import Testing

@testable import HotpathLoad

@Suite("URL and configuration")
struct LoadTargetTests {
    @Test(arguments: [
        ("http://127.0.0.1:8080/orders?id=1", LoadTarget.Scheme.http, "127.0.0.1", 8080, "/orders?id=1"),
        ("https://example.test", .https, "example.test", 443, "/"),
        ("http://localhost?x=1", .http, "localhost", 80, "/?x=1"),
        ("HTTP://[::1]:9000/a#frag", .http, "::1", 9000, "/a"),
    ])
    func parsesURLs(text: String, scheme: LoadTarget.Scheme, host: String, port: Int, target: String) throws {
        let parsed = try LoadTarget(parsing: text)
        #expect(parsed.scheme == scheme)
        #expect(parsed.host == host)
        #expect(parsed.port == port)
        #expect(parsed.requestTarget == target)
    }

    @Test(arguments: [
        ("127.0.0.1:8080", "no scheme"),
        ("ftp://host/", "unsupported scheme 'ftp'"),
        ("http://", "no host"),
        ("http://host:0/", "port '0'"),
        ("http://host:99999/", "port '99999'"),
        ("http://host:abc/", "port 'abc'"),
        ("http://[::1/", "unclosed"),
        ("http://user:pw@host/", "user info"),
        ("http://host/a b", "spaces"),
    ])
    func rejectsBadURLs(text: String, expected: String) {
        do {
            _ = try LoadTarget(parsing: text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(!error.message.contains("\n"))
        }
    }

    @Test func hostHeaderOmitsDefaultPort() throws {
        #expect(try LoadTarget(parsing: "http://a.test:80/").hostHeader == "a.test")
        #expect(try LoadTarget(parsing: "http://a.test:81/").hostHeader == "a.test:81")
        #expect(try LoadTarget(parsing: "http://[::1]:81/").hostHeader == "[::1]:81")
    }

    @Test func encodesTheRequestOnce() throws {
        var configuration = LoadConfiguration(target: try LoadTarget(parsing: "http://127.0.0.1:8080/x"))
        configuration.method = "post"
        configuration.body = Array("{}".utf8)
        configuration.headers = [("Content-Type", "application/json"), ("User-Agent", "mine")]
        let text = String(decoding: configuration.encodedRequest, as: UTF8.self)
        #expect(text.hasPrefix("POST /x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"))
        #expect(text.contains("User-Agent: mine\r\n"))
        #expect(!text.contains("hotpath-load"))
        #expect(text.contains("Content-Length: 2\r\n"))
        #expect(text.hasSuffix("\r\n\r\n{}"))
    }

    @Test(arguments: [
        (0, 1, "connections must be at least 1"),
        (1, 2, "more threads"),
        (10, 0, "threads must be between"),
    ])
    func validatesCounts(connections: Int, threads: Int, expected: String) throws {
        var configuration = LoadConfiguration(target: try LoadTarget(parsing: "http://127.0.0.1:1/"))
        configuration.connections = connections
        configuration.threads = threads
        #expect(throws: HotpathInputError.self) { try configuration.validate() }
        do { try configuration.validate() } catch { #expect(error.message.contains(expected)) }
    }

    @Test func parsesHeaders() throws {
        let header = try LoadConfiguration.parseHeader("X-Token:  abc:def ")
        #expect(header.name == "X-Token")
        #expect(header.value == "abc:def")
        #expect(throws: HotpathInputError.self) { try LoadConfiguration.parseHeader("no colon") }
        #expect(throws: HotpathInputError.self) { try LoadConfiguration.parseHeader(": value") }
    }
}
