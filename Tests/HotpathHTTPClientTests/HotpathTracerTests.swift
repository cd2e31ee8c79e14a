import Hotpath
import Testing
import Tracing

@testable import HotpathHTTPClient

/// The tracer without a network: spans started inside and outside a request, attributes as
/// AsyncHTTPClient and other libraries set them.
@Suite("Tracer spans")
struct HotpathTracerTests {
    @Test func clientSpanBecomesACallOnTheRequestItStartedIn() throws {
        let request = ActiveRequest(method: "GET", path: "/quote")
        let tracer = HotpathTracer()
        let span = ActiveRequest.$current.withValue(request) {
            tracer.startSpan("GET", context: .topLevel, ofKind: .client)
        }
        // Ended outside the task-local scope, as an event-loop callback would.
        span.attributes["http.request.method"] = "GET"
        span.attributes["url.scheme"] = "https"
        span.attributes["server.address"] = "api.partner.test"
        span.attributes["server.port"] = 8443
        span.attributes["url.path"] = "/rates"
        span.attributes["url.query"] = "currency=EUR"
        span.attributes["http.status_code"] = SpanAttribute.int64(503)
        span.setStatus(SpanStatus(code: .error))
        span.end()
        span.end()
        let events = request.events
        #expect(events.count == 1, "ended twice, recorded once")
        let event = try #require(events.first)
        #expect(event.kind == .call)
        #expect(event.label == "GET api.partner.test:8443/rates")
        #expect(event.call?.status == 503)
        #expect(event.call?.failed == true)
    }

    @Test func otherSpansAndSpansOutsideRequestsAreNotRecorded() {
        let request = ActiveRequest(method: "GET", path: "/")
        let tracer = HotpathTracer()
        let outside = tracer.startSpan("GET", context: .topLevel, ofKind: .client)
        #expect(!outside.isRecording)
        outside.end()
        let internalSpan = ActiveRequest.$current.withValue(request) {
            tracer.startSpan("render", context: .topLevel, ofKind: .internal)
        }
        internalSpan.end()
        #expect(request.events.isEmpty)
    }
}
