import Hotpath

/// What recording an outbound call costs the app, without the network: `recordCall` (URL
/// split, URL hash, URL words, attributes, the event) and the response-body word scan
/// (a 2 KB JSON body), per call, plus the recorder's finish for a request of such calls
/// (detectors are not run at finish; they run when a report is read).
enum HTTPCaptureBenchmark {
    static func run() {
        let body = Array(sampleBody.utf8)
        let urls = (0..<10).map { "https://api.partner.test/v2/accounts/acct-\($0)81f3/rates?currency=EUR&amount=\($0 * 100)" }
        let recorder = Recorder()
        let callsPerRequest = 10
        let requests = 10_000
        var sink = 0
        var recordNanoseconds: UInt64 = 0
        var scanNanoseconds: UInt64 = 0
        var finishNanoseconds: UInt64 = 0
        for round in 0..<requests {
            let request = recorder.begin(method: "GET", path: "/quote")
            for call in 0..<callsPerRequest {
                let scanStart = MonotonicClock.now()
                let tokens = HTTPTokenSet(scanning: body)
                let recordStart = MonotonicClock.now()
                request.recordCall(
                    CallDetail(method: "GET", url: urls[call], status: 200, responseBytes: body.count, responseTokens: tokens),
                    from: recordStart &- 1_000, to: recordStart, callSite: CallSite(fileID: "Bench/Quote.swift", line: 12)
                )
                let end = MonotonicClock.now()
                scanNanoseconds &+= recordStart &- scanStart
                recordNanoseconds &+= end &- recordStart
                sink &+= tokens.hashes.count
            }
            let finishStart = MonotonicClock.now()
            sink &+= Int(recorder.finish(request, route: "/quote", status: 200).id) &+ round
            finishNanoseconds &+= MonotonicClock.now() &- finishStart
        }
        let calls = Double(requests * callsPerRequest)
        let perScan = Double(scanNanoseconds) / calls
        let perRecord = Double(recordNanoseconds) / calls
        let perFinish = Double(finishNanoseconds) / Double(requests)
        print("http: \(Int(calls)) calls on \(requests) requests (\(callsPerRequest) each), \(body.count)-byte JSON bodies")
        print("RESULT per-call-record-ns \(RecorderBenchmark.String(format: perRecord)) per-call-body-scan-ns \(RecorderBenchmark.String(format: perScan)) per-call-total-ns \(RecorderBenchmark.String(format: perRecord + perScan)) per-request-finish-ns \(RecorderBenchmark.String(format: perFinish)) (sink \(sink % 10))")
    }

    /// A partner API's answer of about 2 KB: ids, amounts, nested objects.
    static let sampleBody: String = {
        let rates = (0..<24).map { index in
            #"{"currency":"C\#(index)X","rate":1.\#(index)834,"updated":"2026-11-27T03:\#(10 + index):00Z","source":"ecb-\#(index)a9"}"#
        }
        return #"{"account":"acct-081f3","base":"EUR","rates":["# + rates.joined(separator: ",") + #"],"next":"cursor-8f1k2"}"#
    }()
}
