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
        let finding = try #require(ResponseDetectors.findings(in: request).first)
        #expect(finding.kind == .uncompressedResponse)
        #expect(finding.title.contains("1.9 MB of application/json"), "\(finding.title)")
        // 2,000,000 bytes at 50 Mbit/s: 320 ms on the wire, four fifths of it saved.
        #expect(finding.estimatedSavingNanoseconds == 256_000_000)
        #expect(finding.fix.contains("Accept-Encoding"))
    }

    @Test(arguments: [
        ResponseFacts(bytes: 2_000_000, contentType: "application/json", contentEncoding: "gzip"),
        ResponseFacts(bytes: 2_000_000, contentType: "image/png", contentEncoding: nil),
        ResponseFacts(bytes: 100_000, contentType: "application/json", contentEncoding: nil),
    ])
    func compressedSmallOrIncompressibleIsNot(_ facts: ResponseFacts) {
        #expect(ResponseDetectors.findings(in: Self.request(response: facts)).isEmpty)
    }

    @Test func noResponseFactsNoFinding() {
        #expect(ResponseDetectors.findings(in: Self.request(response: nil)).isEmpty)
        #expect(ByteText.format(512) == "512 B" && ByteText.format(64 * 1024) == "64.0 KB")
    }

    static func stall(kind: String, cpuMilliseconds: Double) -> RequestEvent {
        RequestEvent(
            kind: .stall, name: "busy thread", startNanoseconds: 0, durationNanoseconds: 30_000_000, callSite: "Images.swift:9",
            attributes: [StallAttributes.kind: kind, StallAttributes.cpuMilliseconds: String(cpuMilliseconds), StallAttributes.leaf: "blur", StallAttributes.thread: "oot.default-qos"]
        )
    }

    /// A thread that was runnable but barely ran was waiting for a core: not heavy work.
    @Test func cpuStallNeedsCPU() throws {
        let computing = StallDetectors.findings(in: Self.request(response: nil, events: [Self.stall(kind: "cpu", cpuMilliseconds: 25)]))
        let finding = try #require(computing.first)
        #expect(finding.kind == .cpuStall)
        #expect(finding.fingerprint == "computing in blur")
        #expect(finding.evidence.first?.contains("a thread of Swift's cooperative pool") == true, "\(finding.evidence)")
        let starved = StallDetectors.findings(in: Self.request(response: nil, events: [Self.stall(kind: "cpu", cpuMilliseconds: 3)]))
        #expect(starved.isEmpty)
        // Blocking is blocking, whatever the CPU.
        let blocked = StallDetectors.findings(in: Self.request(response: nil, events: [Self.stall(kind: "blocking", cpuMilliseconds: 0)]))
        #expect(blocked.first?.kind == .blockingCall)
    }
}

extension ResponseAndStallDetectorTests {
    @Test(arguments: [
        ("Shop/Images.swift:75 (ImageFilter.blur(_:side:))", "ImageFilter.blur(_:side:)"),
        ("ImageFilter.blur(_:side:)", "ImageFilter.blur(_:side:)"),
        ("Shop/Images.swift:75", "Shop/Images.swift:75"),
    ])
    func stallsOfOneFunctionAreOneProblem(site: String, function: String) {
        #expect(StallDetectors.function(ofCallSite: site) == function)
    }
}
