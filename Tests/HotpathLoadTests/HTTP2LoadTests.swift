import Hotpath
import HotpathTestSupport
import Testing

@testable import HotpathLoad

/// HTTP/2 runs against a real swift-nio-http2 server on 127.0.0.1. Serialized: they compete for two cores.
@Suite("HTTP/2 load runs", .serialized)
struct HTTP2LoadTests {
    static func configuration(_ url: String, connections: Int = 2, streams: Int = 8) throws -> LoadConfiguration {
        var configuration = LoadConfiguration(target: try LoadTarget(parsing: url))
        configuration.connections = connections
        configuration.duration = nil
        configuration.http2 = true
        configuration.streamsPerConnection = streams
        configuration.insecure = true
        return configuration
    }

    @Test(arguments: [false, true])
    func countsExactlyTheRequestedNumber(tls: Bool) async throws {
        let server = try await TestHTTP2Server.start(tls: tls)
        defer { Task { await server.shutdown() } }
        var configuration = try Self.configuration(server.url + "/")
        configuration.requests = 1000
        let result = try await LoadRun(configuration: configuration).run()
        #expect(result.completed == 1000)
        #expect(result.errors.total == 0)
        #expect(result.statusCounts.byStatus.map(\.status) == [200])
        #expect(result.latency.count == 1000)
        #expect(server.requestCount == 1000)
        #expect(result.protocolName == (tls ? "h2" : "h2c"))
        // "hello" per response: DATA payload bytes only.
        #expect(result.bytesRead == 5000)
    }

    @Test func countsStreamResets() async throws {
        let server = try await TestHTTP2Server.start()
        defer { Task { await server.shutdown() } }
        var configuration = try Self.configuration(server.url + "/", connections: 1, streams: 4)
        configuration.threads = 1
        var plain = LoadRequest(target: try LoadTarget(parsing: server.url + "/"))
        plain.weight = 3
        let reset = LoadRequest(target: try LoadTarget(parsing: server.url + "/reset"))
        configuration.requestMix = [plain, reset]
        configuration.order = .sequential
        configuration.requests = 400
        let result = try await LoadRun(configuration: configuration).run()
        #expect(result.errors.reset == 100)
        #expect(result.completed == 300)
        #expect(server.resetCount == 100)
        #expect(server.requestCount == 300)
        let byName = Dictionary(uniqueKeysWithValues: result.endpoints.map { ($0.name, $0) })
        #expect(byName["GET /reset"]?.errors.reset == 100)
        #expect(byName["GET /reset"]?.completed == 0)
        #expect(byName["GET /"]?.completed == 300)
    }

    /// A server that answers 50 streams per connection and then sends GOAWAY: streams it never
    /// started are sent again, so the count stays exact and nothing counts as failed.
    @Test func handlesGoAway() async throws {
        let server = try await TestHTTP2Server.start(goAwayAfter: 50)
        defer { Task { await server.shutdown() } }
        var configuration = try Self.configuration(server.url + "/", connections: 2, streams: 8)
        configuration.requests = 500
        let result = try await LoadRun(configuration: configuration).run()
        #expect(result.completed == 500)
        #expect(result.errors.total == 0, "\(result.errors)")
        #expect(server.requestCount == 500)
        #expect(result.errors.goaway >= 9, "\(result.errors.goaway) GOAWAYs")
        #expect(Int(result.errors.goaway) <= server.goAwayCount)
    }

    @Test func holdsARateWithManyStreams() async throws {
        try await HeavyTests.oneAtATime {
            let server = try await TestHTTP2Server.start()
            defer { Task { await server.shutdown() } }
            var configuration = try Self.configuration(server.url + "/delay/20", connections: 2, streams: 8)
            configuration.rate = 200
            configuration.duration = .seconds(3)
            let result = try await LoadRun(configuration: configuration).run()
            let achieved = Double(result.completed) / result.elapsedSeconds
            #expect(abs(achieved - 200) / 200 < 0.05, "achieved \(achieved) req/s")
            // 20 ms each: 200/s needs 4 streams in flight, more than two connections of HTTP/1.1.
            let p50 = result.latency.percentile(50) / 1e6
            #expect(p50 >= 20 && p50 < 40, "p50 \(p50) ms")
            #expect(result.uncorrectedLatency?.count == result.completed)
            #expect(result.timeline.allSatisfy { $0.targetRequestsPerSecond != nil })
        }
    }

    /// Streams open when the window ends are waited for, as on HTTP/1.1.
    @Test func waitsForTheStreamsTheWindowOpened() async throws {
        let server = try await TestHTTP2Server.start()
        defer { Task { await server.shutdown() } }
        var configuration = try Self.configuration(server.url + "/delay/600", connections: 1, streams: 3)
        configuration.duration = .milliseconds(250)
        configuration.warmup = .zero
        configuration.timeout = .seconds(5)
        let result = try await LoadRun(configuration: configuration).run()
        #expect(result.completed == 3, "completed \(result.completed), errors \(result.errors)")
        #expect(result.drained == 3)
        #expect(result.latency.min >= 550e6)
        #expect(result.requestsPerSecond == 0)
    }

    @Test func timesOutStreamsWithoutDroppingTheConnection() async throws {
        let server = try await TestHTTP2Server.start()
        defer { Task { await server.shutdown() } }
        var configuration = try Self.configuration(server.url + "/delay/3000", connections: 1, streams: 4)
        configuration.requests = 4
        configuration.timeout = .milliseconds(300)
        let result = try await LoadRun(configuration: configuration).run()
        #expect(result.errors.timeout == 4, "\(result.errors)")
        #expect(result.completed == 0)
    }

    @Test func refusesAnHTTP1Server() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        var configuration = try Self.configuration(server.url + "/")
        configuration.requests = 10
        await #expect {
            try await LoadRun(configuration: configuration).run()
        } throws: { error in
            (error as? LoadRunError)?.message.contains("does not answer HTTP/2 with prior knowledge") == true
        }
    }

    @Test func refusesATLSServerWithoutH2() async throws {
        let server = try await TestHTTPServer.start(tls: true)
        defer { Task { await server.shutdown() } }
        var configuration = try Self.configuration(server.url + "/")
        configuration.requests = 10
        await #expect {
            try await LoadRun(configuration: configuration).run()
        } throws: { error in
            (error as? LoadRunError)?.message.contains("did not agree to HTTP/2 over TLS") == true
        }
    }

    @Test func encodesHTTP2Headers() throws {
        var request = LoadRequest(target: try LoadTarget(parsing: "https://a.test:8443/x?y=1"), method: "post")
        request.headers = [("Host", "other.test"), ("Connection", "keep-alive"), ("X-Token", "abc")]
        request.body = Array("{}".utf8)
        let block = request.http2Headers
        #expect(block.first(name: ":method") == "POST")
        #expect(block.first(name: ":scheme") == "https")
        #expect(block.first(name: ":authority") == "other.test")
        #expect(block.first(name: ":path") == "/x?y=1")
        #expect(block.first(name: "x-token") == "abc")
        #expect(block.first(name: "connection") == nil)
        #expect(block.first(name: "host") == nil)
        #expect(block.first(name: "content-length") == "2")
    }
}
