import Testing

@testable import Hotpath

@Suite("Response and stall detectors")
struct ResponseAndStallDetectorTests {
    /// A finished request that answered `facts`, with these events.
    static func request(response facts: ResponseFacts?, events: [RequestEvent] = []) -> CompletedRequest {
        let recorder = Recorder()
        let active = recorder.begin(method: "GET", path: "/export")
        if let facts { active.noteResponse(facts) }
        for event in events { active.record(event) }
        return recorder.finish(active, route: "/export", status: 200, at: active.startedAt + 50_000_000)
    }

    @Test func largeUncompressedJSONIsAFinding() throws {
        let request = Self.request(response: ResponseFacts(bytes: 2_000_000, contentType: "application/json; charset=utf-8", contentEncoding: nil))
        #expect(request.response?.bytes == 2_000_000)
        let finding = try #require(ResponseDetector().findings(in: request, context: DetectionContext()).first)
        guard case .uncompressedResponse(let evidence) = finding.evidence else { Issue.record("wrong evidence"); return }
        #expect(evidence.bytes == 2_000_000 && evidence.contentType == "application/json")
        // 2,000,000 bytes at 50 Mbit/s: 320 ms on the wire, four fifths of it saved.
        #expect(evidence.transferNanoseconds == 320_000_000)
        #expect(finding.estimatedSavingNanoseconds == 256_000_000)
        #expect(finding.fix.kind == .compressResponses)
        #expect(finding.fix.variant(for: .vapor)?.snippets.first?.code.contains("responseCompression") == true)
    }

    @Test(arguments: [
        ResponseFacts(bytes: 2_000_000, contentType: "application/json", contentEncoding: "gzip"),
        ResponseFacts(bytes: 2_000_000, contentType: "image/png", contentEncoding: nil),
        ResponseFacts(bytes: 100_000, contentType: "application/json", contentEncoding: nil),
    ])
    func compressedSmallOrIncompressibleIsNot(_ facts: ResponseFacts) {
        #expect(ResponseDetector().findings(in: Self.request(response: facts), context: DetectionContext()).isEmpty)
    }

    @Test func noResponseFactsNoFinding() {
        #expect(ResponseDetector().findings(in: Self.request(response: nil), context: DetectionContext()).isEmpty)
        #expect(ByteText.format(512) == "512 B" && ByteText.format(64 * 1024) == "64.0 KB")
    }

    static let stack = [
        SourceFrame(function: "clock_nanosleep", module: "libc.so.6", file: nil, line: nil, isLibrary: true),
        SourceFrame(function: "blur", module: "libc.so.6", file: nil, line: nil, isLibrary: true),
        SourceFrame(function: "ImageFilter.blur(_:side:)", module: "Shop", file: "/src/Shop/Images.swift", line: 9),
        SourceFrame(function: "closure #1 in Routes.register()", module: "Shop", file: "/src/Shop/Routes.swift", line: 30),
    ]

    static func stall(kind: StallDetail.Kind, cpuMilliseconds: UInt64) -> RequestEvent {
        let trace = StackTrace(frames: stack)
        return RequestEvent(
            start: 0, duration: 30_000_000, callSite: trace.callSite,
            detail: .stall(StallDetail(kind: kind, thread: .cooperativePool, threadName: "oot.default-qos", cpuNanoseconds: cpuMilliseconds * 1_000_000, stack: trace))
        )
    }

    /// A thread that was runnable but barely ran was waiting for a core: not heavy work.
    @Test func cpuStallNeedsCPU() throws {
        let detector = StallDetector()
        let computing = detector.findings(in: Self.request(response: nil, events: [Self.stall(kind: .computing, cpuMilliseconds: 25)]), context: DetectionContext())
        let finding = try #require(computing.first)
        #expect(finding.kind == .cpuStall)
        #expect(finding.subject == "computing in ImageFilter.blur(_:side:)")
        #expect(finding.stall?.leaf == "blur", "the outermost library frame above the app's code")
        #expect(finding.stall?.thread == .cooperativePool)
        #expect(finding.callSite?.chain() == "Shop/Images.swift:9 (ImageFilter.blur(_:side:)) ← Shop/Routes.swift:30")
        let starved = detector.findings(in: Self.request(response: nil, events: [Self.stall(kind: .computing, cpuMilliseconds: 3)]), context: DetectionContext())
        #expect(starved.isEmpty)
        // Blocking is blocking, whatever the CPU.
        let blocked = detector.findings(in: Self.request(response: nil, events: [Self.stall(kind: .blocking, cpuMilliseconds: 0)]), context: DetectionContext())
        #expect(blocked.first?.kind == .blockingCall)
        #expect(blocked.first?.fix.kind == .offThePool)
    }

    /// Stalls of one function are one problem in a report, wherever the thread was caught.
    @Test func stallsOfOneFunctionAreOneFinding() throws {
        let recorder = Recorder()
        for leaf in ["blur", "memcpy", "pow"] {
            var frames = Self.stack
            frames[1].function = leaf
            let trace = StackTrace(frames: frames)
            let active = recorder.begin(method: "GET", path: "/thumbnail")
            active.record(RequestEvent(
                start: 0, duration: 40_000_000, callSite: trace.callSite,
                detail: .stall(StallDetail(kind: .computing, thread: .cooperativePool, threadName: "oot.default-qos", cpuNanoseconds: 40_000_000, stack: trace))
            ))
            recorder.finish(active, route: "/thumbnail", status: 200, at: active.startedAt + 50_000_000)
        }
        let findings = try #require(recorder.report().routes.first).findings
        #expect(findings.filter { $0.kind == .cpuStall }.count == 1, "\(findings.map(\.subject))")
    }
}
