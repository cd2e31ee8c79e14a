import Testing

@testable import Hotpath

@Suite("Outbound call detectors")
struct HTTPDetectorTests {
    static let ms: UInt64 = 1_000_000

    /// One outbound call: when it starts (ms from the request's start), how long it takes,
    /// the URL, and the words of its response body.
    struct Call {
        var start: UInt64
        var duration: UInt64
        var url: String
        var method = "GET"
        var response = ""
        var site: CallSite? = CallSite(fileID: "Shop/Rates.swift", line: 10)
    }

    /// A finished request `total` ms long with these calls.
    static func request(_ calls: [Call], total: UInt64, thresholds: HTTPCallThresholds = HTTPCallThresholds()) -> CompletedRequest {
        let recorder = Recorder(configuration: .init(httpThresholds: thresholds))
        let active = recorder.begin(method: "GET", path: "/quote")
        for call in calls {
            let start = active.startedAt + call.start * ms
            active.recordCall(
                CallDetail(
                    method: call.method, url: call.url, status: 200, responseBytes: call.response.utf8.count,
                    responseTokens: HTTPTokenSet(scanning: call.response.utf8)
                ),
                from: start, to: start + call.duration * ms, callSite: call.site
            )
        }
        return recorder.finish(active, route: "/quote", status: 200, at: active.startedAt + total * ms)
    }

    static func sequential(_ kinds: [Finding]) -> [Finding] { kinds.filter { $0.kind == .sequentialCalls } }

    static func findings(in request: CompletedRequest, thresholds: HTTPCallThresholds = HTTPCallThresholds()) -> [Finding] {
        CallDetector().findings(in: request, context: DetectionContext(callThresholds: thresholds))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var calls: [Call]
        var total: UInt64
        /// Expected saving in ms of the one sequential finding, or nil for none.
        var saving: UInt64?
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "three back to back", calls: [
            Call(start: 0, duration: 100, url: "https://api.partner.test/rates?n=1"),
            Call(start: 101, duration: 100, url: "https://api.partner.test/fees?n=2"),
            Call(start: 202, duration: 100, url: "https://stock.test/items/7?n=3"),
        ], total: 310, saving: 202),
        Case(label: "overlapping (async let)", calls: [
            Call(start: 0, duration: 100, url: "https://api.partner.test/rates"),
            Call(start: 1, duration: 100, url: "https://api.partner.test/fees"),
            Call(start: 2, duration: 100, url: "https://stock.test/items/7"),
        ], total: 110, saving: nil),
        Case(label: "gaps too large (work in between)", calls: [
            Call(start: 0, duration: 100, url: "https://api.partner.test/rates"),
            Call(start: 150, duration: 100, url: "https://api.partner.test/fees"),
        ], total: 260, saving: nil),
        Case(label: "dependent chain: the second URL uses an id the first returned", calls: [
            Call(start: 0, duration: 100, url: "https://api.partner.test/users/me", response: #"{"id":"u8f3k2q","name":"Ann"}"#),
            Call(start: 101, duration: 100, url: "https://api.partner.test/orders?user=u8f3k2q"),
        ], total: 210, saving: nil),
        Case(label: "a chain then an independent call: the last two could overlap", calls: [
            Call(start: 0, duration: 100, url: "https://api.partner.test/users/me", response: #"{"id":"u8f3k2q"}"#),
            Call(start: 101, duration: 100, url: "https://api.partner.test/orders?user=u8f3k2q"),
            Call(start: 202, duration: 80, url: "https://stock.test/items/7"),
        ], total: 290, saving: 81),
        Case(label: "an echoed id is not a dependency", calls: [
            Call(start: 0, duration: 100, url: "https://api.partner.test/users/u8f3k2q", response: #"{"id":"u8f3k2q"}"#),
            Call(start: 101, duration: 100, url: "https://api.partner.test/orders?user=u8f3k2q"),
        ], total: 210, saving: 101),
        Case(label: "small saving on a long request", calls: [
            Call(start: 0, duration: 10, url: "https://a.test/x"),
            Call(start: 11, duration: 10, url: "https://b.test/y"),
        ], total: 500, saving: nil),
        Case(label: "small saving but a large share of a short request", calls: [
            Call(start: 0, duration: 10, url: "https://a.test/x"),
            Call(start: 11, duration: 10, url: "https://b.test/y"),
        ], total: 25, saving: 11),
        Case(label: "one call", calls: [Call(start: 0, duration: 300, url: "https://a.test/x")], total: 310, saving: nil),
    ]

    @Test(arguments: cases)
    func sequentialCalls(_ test: Case) throws {
        let findings = Self.sequential(Self.findings(in: Self.request(test.calls, total: test.total)))
        guard let saving = test.saving else {
            #expect(findings.isEmpty, "\(findings.map(\.subject))")
            return
        }
        #expect(findings.count == 1, "\(findings.map(\.subject))")
        let finding = try #require(findings.first)
        #expect(finding.estimatedSavingNanoseconds == saving * Self.ms)
    }

    @Test func sequentialFindingShowsWaterfallSavingAndFix() throws {
        let request = Self.request(Self.cases[0].calls, total: 310)
        let finding = try #require(Self.findings(in: request).first)
        #expect(finding.kind == .sequentialCalls)
        #expect(finding.count == 3)
        #expect(finding.callSite == CallSite(fileID: "Shop/Rates.swift", line: 10))
        guard case .sequentialCalls(let evidence) = finding.evidence else { Issue.record("wrong evidence"); return }
        #expect(evidence.calls.map(\.call) == ["GET api.partner.test/rates", "GET api.partner.test/fees", "GET stock.test/items/7"], "query strings stay out of names")
        #expect(evidence.calls.map(\.offsetNanoseconds) == [0, 101 * Self.ms, 202 * Self.ms])
        #expect(evidence.inSequenceNanoseconds == 302 * Self.ms && evidence.longestNanoseconds == 100 * Self.ms)
        #expect(evidence.requestNanoseconds == 310 * Self.ms)
        #expect(finding.fix.kind == .runConcurrently)
        #expect(finding.fix.snippets.first?.code.contains("async let") == true)
        // The text renderer's waterfall lines up the bars.
        let lines = FindingText.waterfall(evidence)
        #expect(lines[0].hasPrefix("+0ms       100.00ms |██████████ "), "\(lines[0])")
        #expect(lines[1].hasPrefix("+101.00ms  100.00ms |          ██████████"), "\(lines[1])")
    }

    @Test func thresholdsAreConfigurable() {
        let calls = Self.cases[2].calls  // a 50 ms gap
        var thresholds = HTTPCallThresholds()
        thresholds.maximumGapNanoseconds = 60 * Self.ms
        #expect(Self.sequential(Self.findings(in: Self.request(calls, total: 260), thresholds: thresholds)).count == 1)
        thresholds.minimumSavingNanoseconds = 200 * Self.ms
        thresholds.minimumSavingShare = 0.9
        #expect(Self.sequential(Self.findings(in: Self.request(calls, total: 260), thresholds: thresholds)).isEmpty)
    }

    @Test func repeatedGetWithinARequest() throws {
        let url = "https://api.partner.test/rates?currency=EUR"
        let findings = Self.findings(in: Self.request([
            Call(start: 0, duration: 40, url: url),
            Call(start: 41, duration: 30, url: url),
            Call(start: 72, duration: 30, url: url),
            Call(start: 150, duration: 30, url: "https://api.partner.test/rates?currency=USD"),
        ], total: 190))
        let repeated = findings.filter { $0.kind == .repeatedCalls }
        #expect(repeated.count == 1)
        let finding = try #require(repeated.first)
        #expect(finding.count == 3)
        #expect(finding.estimatedSavingNanoseconds == 60 * Self.ms)
        #expect(finding.subject == "GET api.partner.test/rates")
        #expect(finding.fix.kind == .cache)
        #expect(Self.sequential(findings).isEmpty, "repeats are not parallelisation advice")
    }

    @Test func differentURLsOrPostsAreNotRepeats() {
        let findings = Self.findings(in: Self.request([
            Call(start: 0, duration: 5, url: "https://a.test/x?page=1"),
            Call(start: 100, duration: 5, url: "https://a.test/x?page=2"),
            Call(start: 200, duration: 5, url: "https://a.test/y", method: "POST"),
            Call(start: 300, duration: 5, url: "https://a.test/y", method: "POST"),
        ], total: 400))
        #expect(!findings.contains { $0.kind == .repeatedCalls }, "\(findings.map(\.subject))")
    }

    @Test func recordCallKeepsNoQueryOrBodyText() throws {
        let recorder = Recorder()
        let active = recorder.begin(method: "GET", path: "/")
        active.recordCall(
            CallDetail(
                method: "GET", url: "https://user:secret@api.partner.test:8443/people/search?email=alice%40example.test#top",
                status: 200, requestBytes: 0, responseBytes: 42, responseTokens: HTTPTokenSet(scanning: #"{"email":"alice@example.test"}"#.utf8)
            ),
            from: active.startedAt, to: active.startedAt + 1
        )
        let event = try #require(active.events.first)
        let call = try #require(event.call)
        #expect(event.kind == .call)
        #expect(event.label == "GET api.partner.test:8443/people/search")
        #expect(call.host == "api.partner.test:8443" && call.path == "/people/search" && call.status == 200 && call.responseBytes == 42)
        #expect(call.target != nil)
        let json = String(decoding: try HotpathJSON.encoder().encode(event), as: UTF8.self)
        #expect(!json.contains("alice") && !json.contains("secret") && !json.contains("example"), "\(json)")
        #expect(active.timing().httpCallCount == 1)
    }

    @Test(arguments: [
        ("https://api.partner.test/rates?currency=EUR", "api.partner.test", "/rates", "currency=EUR"),
        ("http://u:p@127.0.0.1:8080/a/b#frag", "127.0.0.1:8080", "/a/b", ""),
        ("https://api.partner.test", "api.partner.test", "/", ""),
        ("https://api.partner.test?x=1", "api.partner.test", "/", "x=1"),
        ("/rates/today?x=1", "", "/rates/today", "x=1"),
        ("redis:6379", "", "redis:6379", ""),
    ])
    func urlParts(_ url: String, _ host: String, _ path: String, _ query: String) {
        let parts = HTTPCallURL(url)
        #expect(String(parts.host) == host)
        #expect(String(parts.path) == path)
        #expect(String(parts.query) == query)
    }

    @Test func tokenSetsAreBoundedAndRoundTrip() throws {
        let words = (0..<500).map { "word\($0)" }.joined(separator: " ")
        let set = HTTPTokenSet(scanning: words.utf8)
        #expect(set.hashes.count == HTTPTokenScanner.maximumTokens)
        #expect(HTTPTokenSet(encoded: set.encoded) == set)
        #expect(try HotpathJSON.decoder().decode(HTTPTokenSet.self, from: HotpathJSON.encoder().encode(set)) == set)
        #expect(HTTPTokenSet(scanning: "id ok a1 true null https".utf8).isEmpty, "short and common words do not count")
        var chunked = HTTPTokenScanner()
        chunked.scan("{\"id\":\"u8f".utf8)
        chunked.scan("3k2q\"}".utf8)
        #expect(chunked.tokens == HTTPTokenSet(scanning: #"{"id":"u8f3k2q"}"#.utf8), "a word split across chunks")
        let long = String(repeating: "x", count: 20_000) + " tail"
        #expect(!HTTPTokenSet(scanning: long.utf8).contains(HTTPTokenScanner.hash("tail")), "only the first 16 KB")
    }

    @Test func routeReportCarriesHTTPFindings() throws {
        let recorder = Recorder()
        let active = recorder.begin(method: "GET", path: "/quote")
        for (index, url) in ["https://a.test/x", "https://b.test/y"].enumerated() {
            let start = active.startedAt + UInt64(index) * 101 * Self.ms
            active.recordCall(CallDetail(method: "GET", url: url, status: 200), from: start, to: start + 100 * Self.ms)
        }
        recorder.finish(active, route: "/quote", status: 200, at: active.startedAt + 205 * Self.ms)
        let route = try #require(recorder.report().routes.first)
        #expect(route.findings.map(\.kind) == [.sequentialCalls])
    }

    /// Requests of one route that ask for different things (different inbound URLs) and each
    /// fetch the same rates: a cache would remove most calls.
    @Test func sameGetAcrossRequestsIsCountedInAWindow() throws {
        let (recorder, now) = try Self.acrossRequests { index in "/quote?customer=\(index)" }
        let route = try #require(recorder.report(now: now).routes.first)
        let across = route.findings.filter { $0.kind == .repeatedCalls }
        #expect(across.count == 1, "\(route.findings.map(\.subject))")
        let finding = try #require(across.first)
        guard case .repeatedCalls(let evidence) = finding.evidence, let window = evidence.acrossRequests else {
            Issue.record("not across requests: \(finding.evidence)")
            return
        }
        #expect(finding.count == 30 && window.requests == 30 && window.windowSeconds == 60)
        #expect(abs(window.perSecond - 2) < 0.01)
        #expect(window.distinctInboundTargets == RepeatedReadCounter.inboundTargetsKept)
        #expect(finding.fix.kind == .cache)
        // A minute and more later the window has moved on.
        let later = try #require(recorder.report(now: now + 70 * 1_000 * Self.ms).routes.first)
        #expect(!later.findings.contains { $0.kind == .repeatedCalls })
    }

    /// Issue 15: a load test that replays one inbound URL makes the route repeat its calls by
    /// construction: not a finding.
    @Test func oneInboundURLReplayedIsNotARepeatAcrossRequests() throws {
        let (recorder, now) = try Self.acrossRequests { _ in "/quote?customer=7" }
        let route = try #require(recorder.report(now: now).routes.first)
        #expect(!route.findings.contains { $0.kind == .repeatedCalls }, "\(route.findings.map(\.subject))")
    }

    /// 30 requests over 15 s, each fetching the same rates once, plus one-off URLs.
    static func acrossRequests(inbound: (Int) -> String) throws -> (Recorder, UInt64) {
        var thresholds = HTTPCallThresholds()
        thresholds.acrossRequestsMinimumCount = 20
        let recorder = Recorder(configuration: .init(httpThresholds: thresholds))
        let base = MonotonicClock.now()
        for index in 0..<30 {
            let start = base + UInt64(index) * 500 * Self.ms
            let parts = inbound(index).split(separator: "?", maxSplits: 1).map(String.init)
            let active = ActiveRequest(
                method: "GET", path: parts[0], target: ActiveRequest.inboundTarget(path: parts[0], query: parts.count > 1 ? parts[1] : nil),
                startedAt: start
            )
            active.recordCall(CallDetail(method: "GET", url: "https://api.partner.test/rates", status: 200), from: start, to: start + 20 * Self.ms)
            active.recordCall(CallDetail(method: "GET", url: "https://api.partner.test/users/\(index)", status: 200), from: start + 21 * Self.ms, to: start + 30 * Self.ms)
            recorder.finish(active, route: "/quote", status: 200, at: start + 40 * Self.ms)
        }
        return (recorder, base + 15 * 1_000 * Self.ms)
    }

    @Test func acrossRequestsMemoryIsBounded() {
        var counter = RepeatedReadCounter(capacity: 16, windowSeconds: 60)
        let now: UInt64 = 1_000_000_000_000
        for request in 0..<100 {
            counter.add(route: 0, target: 1, call: "GET a.test/p", callSite: nil, duration: 1, request: UInt64(request), inbound: UInt64(request), at: now)
            counter.add(route: 0, target: UInt64(1_000 + request), call: "GET a.test/o", callSite: nil, duration: 1, request: UInt64(request), inbound: 0, at: now)
        }
        #expect(counter.slots.count == 16)
        let popular = counter.slots.firstIndex { $0.key.target == 1 }
        #expect(popular.map { counter.window($0, now: now).calls } == 100, "one-off URLs do not push out a popular one")
        #expect(popular.map { counter.slots[$0].inbound.count } == RepeatedReadCounter.inboundTargetsKept, "inbound URLs kept are bounded")
    }
}
