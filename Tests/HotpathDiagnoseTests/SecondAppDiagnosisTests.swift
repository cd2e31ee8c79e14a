import Foundation
import Hotpath
import HotpathDiagnose
import HotpathLoad
import HotpathTestSupport
import Testing

/// The diagnosis of ClinicDesk (`Tests/Apps/ClinicDesk`), a second example app written apart
/// from SlowShop so the detectors meet code they were not tuned on: a clinic's booking desk on
/// Hummingbird and SQLite with an insurance registry and a document archive upstream.
///
/// Every planted problem must be found on its route (recall 100 %), and nothing else may be:
/// no finding on a clean twin, a trap or the control, no finding of another kind on a planted
/// route (precision 100 %). Two diagnoses in a row must agree (stability).
@Suite("Diagnosis of a second app (ClinicDesk)", .serialized)
struct SecondAppDiagnosisTests {
    static let token = "clinic-token"

    /// One route of ClinicDesk: the path the test requests, the route as the report names it,
    /// and the finding it must produce (nil: it must produce none).
    struct Route: Sendable, CustomStringConvertible {
        var path: String
        var route: String
        var planted: Finding.Kind?
        /// Why it is there.
        var role: String

        var description: String { "GET \(route)" }
    }

    static let routes: [Route] = [
        Route(path: "/rooms/5/bookings", route: "/rooms/{room}/bookings", planted: .missingIndex,
              role: "filters on (room_id, status) and sorts by starts_at, no index: reads all 50 000 appointments"),
        Route(path: "/doctors/7/bookings", route: "/doctors/{doctor}/bookings", planted: nil,
              role: "twin: the same query on (doctor_id, status), which has the composite index"),
        Route(path: "/patients/42/visits", route: "/patients/{patient}/visits", planted: .nPlusOne,
              role: "30 visits, then each visit's invoice from a private helper (N+1)"),
        Route(path: "/patients/42/visits/billed", route: "/patients/{patient}/visits/billed", planted: nil,
              role: "twin: one LEFT JOIN"),
        Route(path: "/patients/42/coverage", route: "/patients/{patient}/coverage", planted: .sequentialCalls,
              role: "three independent registry calls through the app's fetch helper, one after another"),
        Route(path: "/patients/42/coverage/at-once", route: "/patients/{patient}/coverage/at-once", planted: nil,
              role: "twin: async let"),
        Route(path: "/patients/42/claims/latest", route: "/patients/{patient}/claims/latest", planted: nil,
              role: "trap: a dependent chain (patient → member → latest claim → state), nothing to parallelise or cache"),
        Route(path: "/referrals/12/letter", route: "/referrals/{referral}/letter", planted: .blockingCall,
              role: "a synchronous socket client waits ~90 ms in recv on the cooperative pool"),
        Route(path: "/referrals/12/letter/offloaded", route: "/referrals/{referral}/letter/offloaded", planted: nil,
              role: "twin: the same client on an NIOThreadPool"),
        Route(path: "/schedule/double-bookings", route: "/schedule/double-bookings", planted: .cpuStall,
              role: "every booking compared with every other, O(n²)"),
        Route(path: "/schedule/double-bookings/sweep", route: "/schedule/double-bookings/sweep", planted: nil,
              role: "twin: a sweep over each room's sorted bookings"),
        Route(path: "/doctors/7/slots", route: "/doctors/{doctor}/slots", planted: nil,
              role: "trap: fast, but one request in 200 waits 150 ms in its query (a one-off, not a finding)"),
        Route(path: "/doctors/7", route: "/doctors/{doctor}", planted: nil,
              role: "control: one row by primary key"),
    ]

    /// ClinicDesk in a process of its own while `body` runs, taking turns with the other heavy tests.
    static func withClinic<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        try await HeavyTests.oneAtATime {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("clinicdesk-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let clinic = try await AppProcess.start("ClinicDesk", arguments: [
                "--database", folder.appendingPathComponent("clinic.sqlite").path, "--token", token,
                // Debug builds compute several times slower: a stall must last longer to count.
                "--stall-threshold", "40ms",
            ])
            defer { clinic.stop() }
            return try await body(clinic.url)
        }
    }

    /// One request to each route, as real traffic would send, so the report lists them.
    static func visitEveryRoute(_ url: String) async throws {
        for route in routes {
            let response = try await HTTPFetch.get(url + route.path, timeout: .seconds(60))
            #expect(response.status == 200, "\(route.path) answered \(response.status)")
        }
    }

    /// The same options as SlowShop's diagnosis: more connections than pool threads, so a
    /// blocked pool thread shows as waiting.
    static func options(_ url: String) -> DiagnoseOptions {
        DiagnoseOptions(
            baseURL: url, token: token, duration: .seconds(1), warmup: .milliseconds(200),
            connections: 2 * ProcessInfo.processInfo.activeProcessorCount, ramp: [],
            profile: true, timeout: .seconds(30)
        )
    }

    static func diagnose(times: Int) async throws -> [Diagnosis] {
        try await withClinic { url in
            try await visitEveryRoute(url)
            var diagnoses: [Diagnosis] = []
            for _ in 0..<times {
                diagnoses.append(try await DiagnoseRun(options: options(url)).run())
            }
            return diagnoses
        }
    }

    /// `kind: subject` of every finding, for failure messages.
    static func seen(_ endpoint: EndpointDiagnosis) -> String {
        endpoint.findings.isEmpty ? "none" : endpoint.findings.map { "\($0.kind.rawValue): \($0.subject)" }.joined(separator: "; ")
    }

    /// What the diagnosis found on every route, printed so a run's log shows it whether or not
    /// an expectation failed.
    static func log(_ diagnosis: Diagnosis, run: Int) {
        var lines = ["ClinicDesk diagnosis \(run): \(DecimalText.fixed(diagnosis.elapsedSeconds, fractionDigits: 1)) s"]
        for route in routes {
            let endpoint = diagnosis.endpoints.first { $0.route == route.route }
            let expected = route.planted?.rawValue ?? "clean"
            lines.append("  \(route.route) [\(expected)]: \(endpoint.map(seen) ?? "not diagnosed")")
        }
        if let first = diagnosis.fixFirst { lines.append("  fix first: \(first.endpoint) \(first.kind.rawValue)") }
        for fix in diagnosis.fixes.prefix(4) {
            lines.append("  ranked: \(fix.endpoint) \(fix.kind.rawValue) \(DecimalText.fixed(fix.savingMs, fractionDigits: 1)) ms \(fix.effort.rawValue)\(fix.endpointOverBudget ? " over budget" : "")")
        }
        print(lines.joined(separator: "\n"))
    }

    @Test func everyPlantedProblemIsFoundAndNothingElse() async throws {
        let diagnosis = try #require(try await Self.diagnose(times: 1).first)
        Self.log(diagnosis, run: 1)
        #expect(diagnosis.view == .inside)
        #expect(diagnosis.incomplete == nil, "\(diagnosis.incomplete.map(\.detail) ?? "")")
        #expect(diagnosis.endpoints.count == Self.routes.count, "diagnosed: \(diagnosis.endpoints.map(\.name))")
        for route in Self.routes {
            guard let endpoint = diagnosis.endpoints.first(where: { $0.route == route.route }) else {
                Issue.record("\(route) was not diagnosed; diagnosed: \(diagnosis.endpoints.map(\.name))")
                continue
            }
            let kinds = Set(endpoint.findings.map(\.kind))
            if let planted = route.planted {
                // Recall: the planted problem is found…
                #expect(kinds.contains(planted), "\(route) (\(route.role)): expected \(planted.rawValue), found \(Self.seen(endpoint))")
                // …and precision: nothing of another kind on the same route.
                #expect(kinds.subtracting([planted]).isEmpty, "\(route) (\(route.role)): only \(planted.rawValue) expected, found \(Self.seen(endpoint))")
            } else {
                #expect(kinds.isEmpty, "\(route) (\(route.role)) must be clean, found \(Self.seen(endpoint))")
            }
        }
    }

    @Test func twoDiagnosesInARowAgree() async throws {
        let diagnoses = try await Self.diagnose(times: 2)
        try #require(diagnoses.count == 2)
        for (index, diagnosis) in diagnoses.enumerated() { Self.log(diagnosis, run: index + 1) }
        func kindsByRoute(_ diagnosis: Diagnosis) -> [String: Set<Finding.Kind>] {
            Dictionary(diagnosis.endpoints.map { ($0.route, Set($0.findings.map(\.kind))) }, uniquingKeysWith: { $0.union($1) })
        }
        let (first, second) = (kindsByRoute(diagnoses[0]), kindsByRoute(diagnoses[1]))
        #expect(first.keys.sorted() == second.keys.sorted())
        for route in Self.routes {
            let endpoints = diagnoses.map { $0.endpoints.first { $0.route == route.route } }
            #expect(
                first[route.route] == second[route.route],
                "\(route): run 1 found \(endpoints[0].map(Self.seen) ?? "not diagnosed"), run 2 found \(endpoints[1].map(Self.seen) ?? "not diagnosed")"
            )
        }
        // The one fix named first is the same too.
        let fixFirst = diagnoses.map { $0.fixFirst.map { "\($0.endpoint) \($0.kind.rawValue)" } ?? "none" }
        // Known, intermittent (issue 15, item 7): the blocking route is over budget in one run and
        // within it in the next (its p95 sits at the line), which moves it in the ranking.
        withKnownIssue("fix first can change when an endpoint's p95 sits at the budget line", isIntermittent: true) {
            #expect(fixFirst[0] == fixFirst[1], "fix first: run 1 \(fixFirst[0]), run 2 \(fixFirst[1])")
        }
    }
}
