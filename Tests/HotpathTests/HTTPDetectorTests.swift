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
        var site: String? = "Rates.swift:10"
    }

    /// A finished request `total` ms long with these calls.
    static func request(_ calls: [Call], total: UInt64, thresholds: HTTPCallThresholds = HTTPCallThresholds()) -> CompletedRequest {
        let recorder = Recorder(configuration: .init(httpThresholds: thresholds))
        let active = recorder.begin(method: "GET", path: "/quote")
        for call in calls {
            let start = active.startedAt + call.start * ms
            active.recordCall(
                method: call.method, url: call.url, status: 200, responseBytes: call.response.utf8.count,
                from: start, to: start + call.duration * ms, callSite: call.site,
                responseTokens: HTTPTokenSet(scanning: call.response.utf8)
            )
        }
        return recorder.finish(active, route: "/quote", status: 200, at: active.startedAt + total * ms)
    }

    static func sequential(_ kinds: [Finding]) -> [Finding] { kinds.filter { $0.kind == .sequentialCalls } }

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
        let findings = Self.sequential(HTTPDetectors.findings(in: Self.request(test.calls, total: test.total)))
        guard let saving = test.saving else {
            #expect(findings.isEmpty, "\(findings.map(\.title))")
            return
        }
        #expect(findings.count == 1, "\(findings.map(\.title))")
        let finding = try #require(findings.first)
        #expect(finding.estimatedSavingNanoseconds == saving * Self.ms)
    }

    @Test func sequentialFindingShowsWaterfallSavingAndFix() throws {
        let request = Self.request(Self.cases[0].calls, total: 310)
        let finding = try #require(HTTPDetectors.findings(in: request).first)
        #expect(finding.kind == .sequentialCalls)
        #expect(finding.count == 3)
        #expect(finding.callSite == "Rates.swift:10")
        #expect(finding.evidence.count >= 6)
        #expect(finding.evidence[0].hasPrefix("+0ms       100.00ms |██████████ "), "\(finding.evidence[0])")
        #expect(finding.evidence[1].hasPrefix("+101.00ms  100.00ms |          ██████████"), "\(finding.evidence[1])")
        #expect(finding.evidence[1].contains("GET api.partner.test/fees"))
        #expect(!finding.evidence.joined().contains("n=2"), "query strings stay out of names")
        #expect(finding.evidence.joined().contains("in sequence: 302.00ms; concurrently: about 100.00ms"), "\(finding.evidence)")
        #expect(finding.evidence.joined().contains("65% of the request"), "\(finding.evidence)")
        #expect(finding.evidence.joined().contains("as far as can be seen"))
        #expect(finding.fix.contains("async let") && finding.fix.contains("withThrowingTaskGroup"))
    }

    @Test func thresholdsAreConfigurable() {
        let calls = Self.cases[2].calls  // a 50 ms gap
        var thresholds = HTTPCallThresholds()
        thresholds.maximumGapNanoseconds = 60 * Self.ms
        #expect(Self.sequential(HTTPDetectors.findings(in: Self.request(calls, total: 260), thresholds: thresholds)).count == 1)
        thresholds.minimumSavingNanoseconds = 200 * Self.ms
        thresholds.minimumSavingShare = 0.9
        #expect(Self.sequential(HTTPDetectors.findings(in: Self.request(calls, total: 260), thresholds: thresholds)).isEmpty)
    }

    @Test func repeatedGetWithinARequest() throws {
        let url = "https://api.partner.test/rates?currency=EUR"
        let findings = HTTPDetectors.findings(in: Self.request([
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
        #expect(finding.title.contains("GET api.partner.test/rates"))
        #expect(!finding.title.contains("EUR"))
        #expect(Self.sequential(findings).isEmpty, "repeats are not parallelisation advice")
    }

    @Test func differentURLsOrPostsAreNotRepeats() {
        let findings = HTTPDetectors.findings(in: Self.request([
            Call(start: 0, duration: 5, url: "https://a.test/x?page=1"),
            Call(start: 100, duration: 5, url: "https://a.test/x?page=2"),
            Call(start: 200, duration: 5, url: "https://a.test/y", method: "POST"),
            Call(start: 300, duration: 5, url: "https://a.test/y", method: "POST"),
        ], total: 400))
        #expect(!findings.contains { $0.kind == .repeatedCalls }, "\(findings.map(\.title))")
    }

    @Test func recordCallKeepsNoQueryOrBodyText() throws {
        let recorder = Recorder()
        let active = recorder.begin(method: "GET", path: "/")
        active.recordCall(
            method: "GET", url: "https://user:secret@api.partner.test:8443/people/search?email=alice%40example.test#top",
            status: 200, requestBytes: 0, responseBytes: 42, from: active.startedAt, to: active.startedAt + 1,
            responseTokens: HTTPTokenSet(scanning: #"{"email":"alice@example.test"}"#.utf8)
        )
        let event = try #require(active.events.first)
        #expect(event.kind == .http)
        #expect(event.name == "GET api.partner.test:8443/people/search")
        let attributes = try #require(event.attributes)
        #expect(attributes[HTTPCallAttributes.host] == "api.partner.test:8443")
        #expect(attributes[HTTPCallAttributes.path] == "/people/search")
        #expect(attributes[HTTPCallAttributes.status] == "200")
        #expect(attributes[HTTPCallAttributes.responseBytes] == "42")
        #expect(!attributes.values.contains { $0.contains("alice") || $0.contains("secret") })
        #expect(attributes[HTTPCallAttributes.urlHash] != nil)
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

    @Test func tokenSetsAreBoundedAndRoundTrip() {
        let words = (0..<500).map { "word\($0)" }.joined(separator: " ")
        let set = HTTPTokenSet(scanning: words.utf8)
        #expect(set.hashes.count == HTTPTokenScanner.maximumTokens)
        #expect(HTTPTokenSet(encoded: set.encoded) == set)
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
            active.recordCall(method: "GET", url: url, status: 200, from: start, to: start + 100 * Self.ms)
        }
        recorder.finish(active, route: "/quote", status: 200, at: active.startedAt + 205 * Self.ms)
        let route = try #require(recorder.report().routes.first)
        #expect(route.findings.map(\.kind) == [.sequentialCalls])
    }

    @Test func sameGetAcrossRequestsIsCountedInAWindow() throws {
        var thresholds = HTTPCallThresholds()
        thresholds.acrossRequestsMinimumCount = 20
        let recorder = Recorder(configuration: .init(httpThresholds: thresholds))
        let base = MonotonicClock.now()
        // 30 requests over 15 s, each fetching the same rates once, plus one-off URLs.
        for index in 0..<30 {
            let start = base + UInt64(index) * 500 * Self.ms
            let active = ActiveRequest(method: "GET", path: "/quote", startedAt: start)
            active.recordCall(method: "GET", url: "https://api.partner.test/rates", status: 200, from: start, to: start + 20 * Self.ms)
            active.recordCall(method: "GET", url: "https://api.partner.test/users/\(index)", status: 200, from: start + 21 * Self.ms, to: start + 30 * Self.ms)
            recorder.finish(active, route: "/quote", status: 200, at: start + 40 * Self.ms)
        }
        let now = base + 15 * 1_000 * Self.ms
        let route = try #require(recorder.report(now: now).routes.first)
        let across = route.findings.filter { $0.kind == .repeatedCalls && $0.title.contains("across requests") }
        #expect(across.count == 1, "\(route.findings.map(\.title))")
        let finding = try #require(across.first)
        #expect(finding.count == 30)
        #expect(finding.title.contains("ran 30 times in the last 60 s across 30 requests (2/s)"), "\(finding.title)")
        #expect(finding.fix.contains("cache"))
        // A minute and more later the window has moved on.
        let later = try #require(recorder.report(now: now + 70 * 1_000 * Self.ms).routes.first)
        #expect(!later.findings.contains { $0.title.contains("across requests") })
    }

    @Test func acrossRequestsMemoryIsBounded() {
        var tracker = RepeatedGetTracker(capacity: 16, windowSeconds: 60)
        let now: UInt64 = 1_000_000_000_000
        for request in 0..<100 {
            tracker.add(route: 0, url: "popular", name: "GET a.test/p", callSite: nil, duration: 1, request: UInt64(request), at: now)
            tracker.add(route: 0, url: "one-off-\(request)", name: "GET a.test/o", callSite: nil, duration: 1, request: UInt64(request), at: now)
        }
        #expect(tracker.slots.count == 16)
        let popular = tracker.slots.firstIndex { $0.key.url == "popular" }
        #expect(popular.map { tracker.window($0, now: now).calls } == 100, "one-off URLs do not push out a popular one")
    }
}
