import Testing

@testable import Hotpath

/// The windows of a `hotpath diagnose` run: each endpoint's evidence from its own measured
/// requests, and findings only for patterns that recur among them.
@Suite("Measured windows and recurrence")
struct MeasuredWindowTests {
    static let ms: UInt64 = 1_000_000

    /// One request of `route`: `queries` queries of one shape (`sql` and a different number each
    /// time) of `queryMs` each, back to back.
    @discardableResult
    static func serve(
        _ recorder: Recorder, route: String = "/invoices", marker: RunMarker?, queries: Int = 1, sql: String = "SELECT total FROM invoices WHERE id = ",
        queryMs: UInt64 = 2, totalMs: UInt64? = nil
    ) -> CompletedRequest {
        let request = recorder.begin(method: "GET", path: route, marker: marker)
        var at = request.startedAt
        for index in 0..<queries {
            request.recordQuery(QueryDetail(sql: sql + String(index + 1)), from: at, to: at + queryMs * ms)
            at += queryMs * ms
        }
        return recorder.finish(request, route: route, status: 200, at: totalMs.map { request.startedAt + $0 * ms } ?? at + ms)
    }

    static func measure(_ run: String, _ endpoint: Int) -> RunMarker { RunMarker(run: run, endpoint: endpoint, phase: .measure) }

    @Test func aOneOffSlowQueryIsTailEvidenceNotAFinding() throws {
        let recorder = Recorder()
        for index in 0..<200 {
            // One request in 200 waits 165 ms on its query; the rest take 2 ms.
            Self.serve(recorder, marker: Self.measure("r1", 0), queryMs: index == 70 ? 165 : 2)
        }
        let window = try #require(recorder.report(run: "r1").window(endpoint: 0)?.requests)
        #expect(window.count == 200)
        #expect(window.findings.isEmpty, "\(window.findings.map(\.key))")
        let oneOff = try #require(window.oneOffs?.first)
        #expect(oneOff.kind == .slowQuery)
        #expect(oneOff.recurrence.map { $0.requests < RecurrenceRule().required(of: $0.of) } == true, "\(String(describing: oneOff.recurrence))")
        // The route's all-time report does not judge recurrence: the slow request is still there.
        #expect(recorder.report().routes.first?.findings.contains { $0.kind == .slowQuery } == true)
    }

    @Test func aPatternInEveryRequestIsAFindingWithItsRecurrence() throws {
        let recorder = Recorder()
        for _ in 0..<120 {
            Self.serve(recorder, marker: Self.measure("r2", 3), queries: 12, sql: "SELECT name FROM customers WHERE id = ")
        }
        let window = try #require(recorder.report(run: "r2").window(endpoint: 3)?.requests)
        let finding = try #require(window.findings.first { $0.kind == .nPlusOne }, "\(window.findings.map(\.key))")
        let recurrence = try #require(finding.recurrence)
        #expect(recurrence.of == Recorder.Configuration().windowSample)
        #expect(recurrence.requests == recurrence.of)
        #expect(window.oneOffs?.isEmpty == true)
    }

    @Test func aPatternInAFifthOfTheRequestsRecurs() throws {
        let recorder = Recorder()
        for index in 0..<400 {
            Self.serve(recorder, marker: Self.measure("r3", 0), queries: index % 5 == 0 ? 12 : 1, sql: "SELECT name FROM customers WHERE id = ")
        }
        let window = try #require(recorder.report(run: "r3").window(endpoint: 0)?.requests)
        let finding = try #require(window.findings.first { $0.kind == .nPlusOne }, "\(window.oneOffs?.map(\.key) ?? [])")
        let share = try #require(finding.recurrence?.share)
        // A uniform sample of 48: a fifth of them, give or take the draw.
        #expect(share > 0.05 && share < 0.5, "\(share)")
    }

    @Test func aWindowHoldsOnlyItsEndpointsMeasuredRequests() throws {
        let recorder = Recorder()
        // Traffic from before the run, the warmup, and the endpoint before: none of it counts.
        for _ in 0..<10 { Self.serve(recorder, marker: nil, totalMs: 900) }
        for _ in 0..<10 { Self.serve(recorder, marker: RunMarker(run: "r4", endpoint: 1, phase: .warmup), totalMs: 800) }
        for _ in 0..<10 { Self.serve(recorder, marker: Self.measure("r4", 0), totalMs: 700) }
        for _ in 0..<30 { Self.serve(recorder, marker: Self.measure("r4", 1), totalMs: 5) }
        // Another run's window is not in this run's report.
        Self.serve(recorder, marker: Self.measure("other", 1), totalMs: 5)

        let report = recorder.report(run: "r4")
        #expect(report.windows?.map(\.endpoint) == [1, 0], "created by the warmup of 1 first")
        let window = try #require(report.window(endpoint: 1)?.requests)
        #expect(window.count == 30)
        #expect(window.latencyMs.max < 10)
        #expect(window.slowest.allSatisfy { $0.marker == Self.measure("r4", 1) })
        #expect(recorder.report().windows == nil, "windows only when a run is asked for")
        #expect(recorder.report().routes.first?.count == 61)
    }

    @Test func requestsInFlightAreCountedPerEndpoint() throws {
        let recorder = Recorder()
        let marker = Self.measure("r5", 2)
        let running = recorder.begin(method: "GET", path: "/slow", marker: marker)
        let profiled = recorder.begin(method: "GET", path: "/slow", marker: RunMarker(run: "r5", endpoint: 2, phase: .profile))
        #expect(recorder.report(run: "r5").window(endpoint: 2)?.inFlight == 2)
        recorder.finish(running, route: "/slow", status: 200)
        recorder.finish(profiled, route: "/slow", status: 200)
        let window = try #require(recorder.report(run: "r5").window(endpoint: 2))
        #expect(window.inFlight == 0)
        #expect(window.requests?.count == 1, "the profiled request is not a measured one")
    }

    @Test func windowsAreBounded() {
        let recorder = Recorder(configuration: Recorder.Configuration(maximumWindows: 4, windowSample: 8))
        for endpoint in 0..<10 {
            for _ in 0..<30 { Self.serve(recorder, marker: Self.measure("r6", endpoint), queries: 6) }
        }
        let windows = recorder.report(run: "r6").windows ?? []
        #expect(windows.map(\.endpoint) == [6, 7, 8, 9])
        #expect(windows.allSatisfy { $0.requests?.findings.first?.recurrence?.of == 8 })
    }

    @Test func aRepeatedReadAcrossReplaysOfOneURLIsNotAFinding() throws {
        let recorder = Recorder()
        for index in 0..<60 {
            // diagnose replays one inbound URL: the upstream is asked the same because the route is.
            let replay = recorder.begin(method: "GET", path: "/credit/7", target: 1, marker: Self.measure("r7", 0))
            replay.recordCall(CallDetail(method: "GET", url: "http://registry.test/credit/7"), from: replay.startedAt, to: replay.startedAt + 3 * Self.ms)
            recorder.finish(replay, route: "/credit/{id}", status: 200, at: replay.startedAt + 4 * Self.ms)
            // Real traffic asks for many customers, and the same rates every time.
            let real = recorder.begin(method: "GET", path: "/quote/\(index)", target: UInt64(100 + index), marker: Self.measure("r7", 1))
            real.recordCall(CallDetail(method: "GET", url: "http://registry.test/rates"), from: real.startedAt, to: real.startedAt + 3 * Self.ms)
            recorder.finish(real, route: "/quote/{id}", status: 200, at: real.startedAt + 4 * Self.ms)
        }
        let report = recorder.report(run: "r7")
        #expect(report.window(endpoint: 0)?.requests?.findings.isEmpty == true)
        #expect(report.window(endpoint: 1)?.requests?.findings.contains { $0.kind == .repeatedCalls } == true)
    }

    @Test func theRuleNeedsAShareAndAFloor() {
        let rule = RecurrenceRule()
        #expect(rule.required(of: 48) == 3)
        #expect(rule.required(of: 10) == 2)
        #expect(rule.required(of: 1) == 1)
        #expect(RecurrenceRule(minimumShare: 0.5).required(of: 48) == 24)
    }

    @Test func runIDsFromTheNetworkAreChecked() {
        #expect(RunMarker.validRun("3f9a2c1b") == "3f9a2c1b")
        #expect(RunMarker.validRun("") == nil)
        #expect(RunMarker.validRun("a;b") == nil)
        #expect(RunMarker.validRun(String(repeating: "a", count: 33)) == nil)
        #expect(RunMarker.newRun().count == 16)
        #expect(RunMarker(header: "\(RunMarker.newRun());4;measure") != nil)
    }
}

/// A handler that blocks twice (a file read, then a sleep) is caught in one call per look: the
/// finding names both.
@Suite("Blocking calls seen across requests")
struct BlockingCallsSeenTests {
    static func stalled(_ recorder: Recorder, leaf: String, marker: RunMarker) {
        let request = recorder.begin(method: "GET", path: "/reports", marker: marker)
        let frames = [
            SourceFrame(function: leaf, module: "libc.so.6", file: nil, line: nil),
            SourceFrame(function: "Reports.render()", module: "Clinic", file: "Clinic/Reports.swift", line: 40),
        ]
        let stall = StallDetail(
            kind: .blocking, thread: .cooperativePool, threadName: "pool-1", cpuNanoseconds: 1_000_000, stack: StackTrace(frames: frames)
        )
        request.record(.stall(stall), from: request.startedAt, to: request.startedAt + 60_000_000, callSite: CallSite(frames: Array(frames.dropFirst())))
        recorder.finish(request, route: "/reports", status: 200, at: request.startedAt + 70_000_000)
    }

    @Test func everyBlockingCallOfTheFunctionIsNamed() throws {
        let recorder = Recorder()
        let marker = RunMarker(run: "b1", endpoint: 0, phase: .measure)
        for index in 0..<40 { Self.stalled(recorder, leaf: index % 3 == 0 ? "read" : "usleep", marker: marker) }
        let window = try #require(recorder.report(run: "b1").window(endpoint: 0)?.requests)
        let finding = try #require(window.findings.first { $0.kind == .blockingCall }, "\(window.findings.map(\.key))")
        #expect(window.findings.filter { $0.kind == .blockingCall }.count == 1, "one finding per function")
        guard case .blockingCall(let evidence) = finding.evidence else { return }
        #expect(evidence.blockingCalls == ["usleep", "read"], "most often caught first")
        #expect(FindingText.title(finding).plainText.contains("usleep, read"))
    }
}

extension BlockingCallsSeenTests {
    /// ClinicDesk's blocking route: its primary-key lookup "took" 120 ms because every pool
    /// thread was held by the route's blocking calls. The stall is the finding; the query is not.
    @Test func aQueryWaitingForAHeldThreadIsNotASlowQuery() throws {
        let recorder = Recorder()
        let marker = RunMarker(run: "b2", endpoint: 0, phase: .measure)
        for _ in 0..<40 {
            Self.stalled(recorder, leaf: "recv", marker: marker)
            let waiting = recorder.begin(method: "GET", path: "/reports", marker: marker)
            waiting.recordQuery(QueryDetail(sql: "SELECT key FROM referrals WHERE id = 12"), from: waiting.startedAt, to: waiting.startedAt + 120_000_000)
            recorder.finish(waiting, route: "/reports", status: 200, at: waiting.startedAt + 130_000_000)
        }
        let window = try #require(recorder.report(run: "b2").window(endpoint: 0)?.requests)
        #expect(window.findings.map(\.kind) == [.blockingCall], "\(window.findings.map(\.key))")
        #expect(window.oneOffs?.contains { $0.kind == .slowQuery } == true)
    }
}

/// One hot loop caught in different functions (the loop, or a helper it calls) is one finding.
@Suite("CPU stalls of one loop")
struct StallFamiliesTests {
    static let loop = SourceFrame(function: "Roster.doubleBookings()", module: "Clinic", file: "Clinic/Roster.swift", line: 42)
    static let helper = SourceFrame(function: "Booking.overlaps(_:)", module: "Clinic", file: "Clinic/Roster.swift", line: 11)
    static let handler = SourceFrame(function: "closure #1 in ScheduleRoutes.register(on:)", module: "Clinic", file: "Clinic/ScheduleRoutes.swift", line: 15)

    static func computing(_ recorder: Recorder, frames: [SourceFrame], marker: RunMarker) {
        let request = recorder.begin(method: "GET", path: "/schedule", marker: marker)
        let stall = StallDetail(kind: .computing, thread: .cooperativePool, threadName: "pool-1", cpuNanoseconds: 80_000_000, stack: StackTrace(frames: frames))
        request.record(.stall(stall), from: request.startedAt, to: request.startedAt + 90_000_000, callSite: CallSite(frames: frames))
        recorder.finish(request, route: "/schedule", status: 200, at: request.startedAt + 100_000_000)
    }

    @Test func aStallCaughtInAHelperCountsForItsCaller() throws {
        let recorder = Recorder()
        let marker = RunMarker(run: "c1", endpoint: 0, phase: .measure)
        // Caught in the helper in a third of the requests: alone, neither would be "every request".
        for index in 0..<60 {
            // Mostly in the loop, a third in its helper, now and then back in the closure.
            let frames = index % 3 == 0 ? [Self.helper, Self.loop, Self.handler] : index % 10 == 1 ? [Self.handler] : [Self.loop, Self.handler]
            Self.computing(recorder, frames: frames, marker: marker)
        }
        let window = try #require(recorder.report(run: "c1").window(endpoint: 0)?.requests)
        let stalls = window.findings.filter { $0.kind == .cpuStall }
        #expect(stalls.count == 1, "\(stalls.map(\.subject))")
        let stall = try #require(stalls.first)
        #expect(stall.callSite?.innermost?.function == Self.loop.function, "the loop: not its helper, not the closure")
        #expect(stall.recurrence?.share == 1, "every sampled request counts for the loop: \(String(describing: stall.recurrence))")
    }

    @Test func twoUnrelatedHotFunctionsStayTwoFindings() throws {
        let other = SourceFrame(function: "Invoices.totals()", module: "Clinic", file: "Clinic/Invoices.swift", line: 8)
        let recorder = Recorder()
        let marker = RunMarker(run: "c2", endpoint: 0, phase: .measure)
        for index in 0..<40 {
            // Now and then caught in the closure that calls both: it joins neither.
            let frames = index % 10 == 9 ? [Self.handler] : index % 2 == 0 ? [Self.loop, Self.handler] : [other, Self.handler]
            Self.computing(recorder, frames: frames, marker: marker)
        }
        let window = try #require(recorder.report(run: "c2").window(endpoint: 0)?.requests)
        let functions = Set(window.findings.filter { $0.kind == .cpuStall }.compactMap { $0.callSite?.innermost?.function })
        #expect(functions.isSuperset(of: [Self.loop.function, other.function].compactMap { $0 }), "\(functions)")
    }
}
