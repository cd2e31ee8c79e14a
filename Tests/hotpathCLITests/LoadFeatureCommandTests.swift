import Foundation
import HotpathLoad
import HotpathTestSupport
import Testing

/// `hotpath load` with HTTP/2, URL files and stages, and `hotpath merge`, run as processes.
@Suite("hotpath load: HTTP/2, URL files, stages; hotpath merge", .serialized)
struct LoadFeatureCommandTests {
    static func temporaryFile(_ name: String, _ text: String? = nil) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-\(UUID().uuidString)-\(name)").path
        if let text { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        return path
    }

    @Test func badInputIsOneClearLine() throws {
        let badLine = try Self.temporaryFile("urls.txt", "GET http://127.0.0.1:1/\nGET http://127.0.0.1:1/ weight=-2\n")
        let goodFile = try Self.temporaryFile("good.txt", "GET http://127.0.0.1:1/\n")
        let notAReport = try Self.temporaryFile("x.json", #"{"hello": 1}"#)
        defer { for path in [badLine, goodFile, notAReport] { try? FileManager.default.removeItem(atPath: path) } }
        let cases: [([String], String)] = [
            (["load", "http://127.0.0.1:1/", "--stages", "30x:100"], "bad stage '30x:100'"),
            (["load", "http://127.0.0.1:1/", "--stages", "10s:100", "-d", "5s"], "--stages sets the duration"),
            (["load", "http://127.0.0.1:1/", "--stages", "10s:100", "-R", "5"], "give -R or --stages"),
            (["load", "http://127.0.0.1:1/", "--order", "fifo"], "bad --order 'fifo'"),
            (["load", "http://127.0.0.1:1/", "-m", "4"], "needs HTTP/2: add --h2"),
            (["load", "http://127.0.0.1:1/", "--h2", "-m", "0"], "streams per connection"),
            (["load", "--urls", "/nonexistent/urls.txt"], "cannot read --urls '/nonexistent/urls.txt'"),
            (["load", "--urls", badLine], "line 2: weight '-2'"),
            (["load", "--urls", goodFile, "-X", "POST"], "per line of the file"),
            (["load", "http://127.0.0.1:1/", "-R", "10", "--send-grid", "1s"], "send grid"),
            (["load"], "give the URL to load, or a file of requests with --urls FILE"),
            (["merge", "/nonexistent/a.json", "/nonexistent/b.json"], "cannot read '/nonexistent/a.json'"),
            (["merge", notAReport, notAReport], "is not a report of hotpath load --json"),
            (["merge", notAReport], "give at least two reports"),
        ]
        for (arguments, expected) in cases {
            let outcome = try CLIRunner.run(arguments)
            #expect(outcome.status == 2, "\(arguments): exit \(outcome.status): \(outcome.stderr)")
            #expect(outcome.stderr.split(separator: "\n").count == 1, "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.hasPrefix("hotpath: error: "), "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.contains(expected), "\(arguments): \(outcome.stderr)")
        }
    }

    @Test func http2RunWritesItsProtocol() async throws {
        let server = try await TestHTTP2Server.start()
        defer { Task { await server.shutdown() } }
        let json = try Self.temporaryFile("h2.json")
        defer { try? FileManager.default.removeItem(atPath: json) }
        let outcome = try await CLIRunner.runOffPool(["load", server.url + "/", "--h2", "-m4", "-c", "2", "-n", "400", "--json", json, "--no-progress"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("2 connections over h2c, 4 streams each"), "\(outcome.stdout)")
        let report = try LoadReport.decode(Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(report.config.httpProtocol == "h2c")
        #expect(report.config.streamsPerConnection == 4)
        #expect(report.summary.requests == 400)
        #expect(server.requestCount == 400)
    }

    @Test func urlFileRunReportsEachRequest() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let body = try Self.temporaryFile("body.json", #"{"a":1}"#)
        let urls = try Self.temporaryFile("urls.txt", """
            GET /              name=home weight=1
            POST /echo         body=\((body as NSString).lastPathComponent) name=echo weight=1 budget='p99<1ms'
            """)
        let json = try Self.temporaryFile("urls.json")
        defer { for path in [body, urls, json] { try? FileManager.default.removeItem(atPath: path) } }
        let outcome = try await CLIRunner.runOffPool([
            "load", server.url, "--urls", urls, "--order", "sequential", "-c", "2", "-n", "200", "--json", json, "--no-progress",
        ])
        // p99<1ms cannot hold for a debug build's echo over loopback plus scheduling: the budget fails.
        #expect(outcome.status == 99 || outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Per request"), "\(outcome.stdout)")
        let report = try LoadReport.decode(Data(contentsOf: URL(fileURLWithPath: json)))
        let endpoints = try #require(report.endpoints)
        #expect(endpoints.map(\.name) == ["home", "echo"])
        #expect(endpoints.map(\.requests) == [100, 100])
        #expect(endpoints[1].budget?.count == 1)
        #expect(report.budgetPassed == (endpoints[1].budgetPassed ?? false))
        #expect((outcome.status == 99) == (report.budgetPassed == false))
        #expect(report.config.order == .sequential)
    }

    @Test func stagesRunShowsTargetAgainstAchieved() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let json = try Self.temporaryFile("stages.json")
        defer { try? FileManager.default.removeItem(atPath: json) }
        let outcome = try await CLIRunner.runOffPool([
            "load", server.url + "/", "--stages", "1s:100,1s:100", "-c", "4", "--timeline", "--json", json, "--no-progress",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Stages"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("Timeline"), "\(outcome.stdout)")
        let report = try LoadReport.decode(Data(contentsOf: URL(fileURLWithPath: json)))
        let stages = try #require(report.stages)
        #expect(stages.map(\.targetRps) == [50, 100])
        #expect(report.config.stages?.count == 2)
        #expect(abs(Double(report.summary.requests) - 150) <= 8, "\(report.summary.requests)")
    }

    @Test func mergeRefusesDifferentTests() async throws {
        let server = try await TestHTTPServer.start()
        defer { Task { await server.shutdown() } }
        let a = try Self.temporaryFile("a.json")
        let b = try Self.temporaryFile("b.json")
        defer { for path in [a, b] { try? FileManager.default.removeItem(atPath: path) } }
        _ = try await CLIRunner.runOffPool(["load", server.url + "/", "-n", "20", "--json", a, "--no-progress"])
        _ = try await CLIRunner.runOffPool(["load", server.url + "/", "-n", "20", "-X", "HEAD", "--json", b, "--no-progress"])
        let outcome = try CLIRunner.run(["merge", a, b])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.split(separator: "\n").count == 1)
        #expect(outcome.stderr.contains("is not the same test as"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("method GET vs HEAD"), "\(outcome.stderr)")
    }
}
