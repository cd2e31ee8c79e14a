import AsyncHTTPClient
import Foundation
import Hotpath
@testable import HotpathDiagnose
import HotpathHTTPClient
import HotpathHummingbird
import HotpathProfiler
import HotpathSQL
import HotpathTestSupport
import HotpathWatchdog
import Hummingbird
import HummingbirdTesting
import SQLiteKit
import Testing

/// Issue 13: a suspect is *clear* only when what would show it was installed. The same app,
/// once with the middleware alone and once with every capture, diagnosed end to end.
@Suite("What the server's Hotpath could see", .serialized)
struct InstrumentationManifestTests {
    static let token = "manifest-token"

    /// A bookshop: `/books` reads SQLite, `/quote` asks an upstream. With `captures` the queries,
    /// calls, stalls and profiles are recorded; without, only the middleware is there.
    static func diagnose(captures: Bool) async throws -> Diagnosis {
        return try await HeavyTests.oneAtATime {
            let upstream = try await TestHTTPServer.start()
            let connection = try await SQLiteConnection.open(storage: .memory)
            let raw = connection.sql()
            try await raw.create(table: "books").column("id", type: .int, .primaryKey).column("title", type: .text).run()
            for id in 1...20 { try await raw.insert(into: "books").columns("id", "title").values(SQLBind(id), SQLBind("book \(id)")).run() }
            let recorder = Recorder()
            let watchdog = captures ? Watchdog(recorder: recorder) : nil
            watchdog?.start()
            defer { watchdog?.stop() }
            let db: any SQLDatabase = captures ? HotpathSQLDatabase(raw, recorder: recorder) : raw
            let http = HotpathHTTPClient(HTTPClient.shared, recorder: captures ? recorder : nil)
            let router = Router()
            router.add(middleware: HotpathMiddleware(
                recorder: recorder, reports: ReportAccess(token: token), profiling: captures ? RequestProfiling() : nil
            ))
            router.get("/books") { _, _ -> String in
                "\(try await db.select().columns("id", "title").from("books").all().count) books"
            }
            router.get("/quote") { _, _ -> String in
                if captures {
                    return String(buffer: try await http.get("\(upstream.url)/delay/1").body.collect(upTo: 1 << 16))
                }
                return String(buffer: try await HTTPClient.shared.execute(HTTPClientRequest(url: "\(upstream.url)/delay/1"), timeout: .seconds(5)).body.collect(upTo: 1 << 16))
            }
            do {
                let diagnosis = try await Application(router: router).test(.live) { client -> Diagnosis in
                    let port = try #require(client.port)
                    for path in ["/books", "/quote"] { try await client.execute(uri: path, method: .get) { #expect($0.status == .ok) } }
                    return try await DiagnoseRun(options: DiagnoseOptions(
                        baseURL: "http://127.0.0.1:\(port)", token: token, duration: .milliseconds(300), warmup: .milliseconds(100),
                        connections: 2, ramp: [], profile: captures, timeout: .seconds(30)
                    )).run()
                }
                try await connection.close()
                await upstream.shutdown()
                return diagnosis
            } catch {
                try? await connection.close()
                await upstream.shutdown()
                throw error
            }
        }
    }

    static let seen: [SuspectCheck.Suspect] = [.database, .externalHTTP, .blocking, .cpu]

    @Test func withTheMiddlewareAloneTheSuspectsAreUnknownWithHowToSeeThem() async throws {
        let diagnosis = try await Self.diagnose(captures: false)
        #expect(diagnosis.view == .inside)
        let manifest = try #require(diagnosis.manifest)
        #expect(!manifest.queries.installed && !manifest.calls.installed && !manifest.stalls.installed && !manifest.profiler)
        #expect(diagnosis.endpoints.count == 2)
        for endpoint in diagnosis.endpoints {
            for suspect in Self.seen {
                let check = try #require(endpoint.suspects.first { $0.suspect == suspect })
                #expect(check.status == .unknown, "\(endpoint.name) \(suspect): \(check.status)")
                #expect(check.unseen == .captureMissing && check.enable?.isEmpty == false, "\(endpoint.name) \(suspect)")
            }
        }
        #expect(diagnosis.fixFirst == nil)
        // Every renderer says so: the headline never claims "nothing to fix".
        let text = DiagnosisText.render(diagnosis)
        #expect(!text.contains("Nothing to fix"))
        for hint in [SuspectChecks.enableQueries, SuspectChecks.enableCalls, SuspectChecks.enableWatchdog] {
            #expect(text.contains(hint), "\(hint)")
        }
        let html = DiagnosisHTML.render(diagnosis)
        #expect(html.contains("To see it: ") && html.contains("<li class=\"suspect unknown\">"))
        let decoded = try DiagnosisJSON.decode(DiagnosisJSON.encode(diagnosis))
        #expect(decoded.endpoints.flatMap(\.suspects) == diagnosis.endpoints.flatMap(\.suspects))
        #expect(decoded.manifest == manifest)
    }

    @Test func withEveryCaptureTheSameSuspectsAreClear() async throws {
        let diagnosis = try await Self.diagnose(captures: true)
        let manifest = try #require(diagnosis.manifest)
        #expect(manifest.queries.installed && manifest.calls.installed && manifest.stalls.installed && manifest.profiler)
        #expect(manifest.stallThresholdMilliseconds == 20)
        let books = try #require(diagnosis.endpoints.first { $0.route == "/books" })
        let quote = try #require(diagnosis.endpoints.first { $0.route == "/quote" })
        for endpoint in [books, quote] {
            for suspect in Self.seen {
                let check = try #require(endpoint.suspects.first { $0.suspect == suspect })
                #expect(check.status == .clear, "\(endpoint.name) \(suspect): \(check.status) \(check.summary)")
                #expect(check.unseen == nil && check.enable == nil)
            }
            #expect(endpoint.findings.isEmpty, "\(endpoint.name): \(endpoint.findings.map(\.subject))")
        }
        #expect(books.breakdown?.queries == 1)
        #expect(quote.breakdown?.httpCalls == 1)
    }
}
