import NIOCore
import NIOHTTP1
import NIOPosix

/// The clinic's upstreams, in one small HTTP server on a loopback port of its own: the
/// insurance registry (eligibility, deductible, prior authorisations, membership), the
/// insurer's claims API, and the document archive that keeps referral letters.
///
/// Written on SwiftNIO alone, answering from its event loop after each API's latency, so it
/// never needs a thread of Swift's cooperative pool (see ``ClinicServer``).
struct RegistryUpstream: Sendable {
    let channel: any Channel
    let port: Int

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Binds to `127.0.0.1` on a free port: the archive's legacy client speaks IPv4 only.
    static func start(group: any EventLoopGroup) async throws -> RegistryUpstream {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return RegistryUpstream(channel: channel, port: channel.localAddress?.port ?? 0)
    }

    func close() async {
        try? await channel.close()
    }

    /// What one request gets: after how long, which status, which body.
    struct Answer {
        var latency: TimeAmount
        var status: HTTPResponseStatus = .ok
        var contentType = "application/json"
        var body: [UInt8]
    }

    /// The APIs, by path. Ids in answers are derived from the ids asked about, so the same
    /// question always gets the same answer.
    static func answer(_ path: String) -> Answer {
        let parts = path.split(separator: "/").map(String.init)
        switch parts.count {
        case 3 where parts[0] == "registry":
            let patient = parts[2]
            switch parts[1] {
            case "eligibility":
                return json(35, #"{"patient":"\#(patient)","eligible":"yes","tier":"silver"}"#)
            case "deductible":
                return json(35, #"{"patient":"\#(patient)","remaining_cents":12000,"year":2026}"#)
            case "authorizations":
                return json(35, #"{"patient":"\#(patient)","open":2,"pending":1}"#)
            case "members":
                return json(25, #"{"patient":"\#(patient)","member":"MBR\#(code(patient, 7))"}"#)
            default: break
            }
        case 5 where parts[0] == "insurer" && parts[1] == "members" && parts[3] == "claims" && parts[4] == "latest":
            let member = parts[2]
            return json(25, #"{"member":"\#(member)","claim":"CLM\#(code(member, 11))"}"#)
        case 3 where parts[0] == "insurer" && parts[1] == "claims":
            return json(25, #"{"claim":"\#(parts[2])","state":"approved","paid_cents":8450}"#)
        case 3 where parts[0] == "archive" && parts[1] == "letters":
            // A scanned letter of about 200 KB, found on a slow archive.
            var letter = Array("%PDF-1.4 referral \(parts[2])\n".utf8)
            letter += [UInt8](repeating: 0x2e, count: 200_000)
            return Answer(latency: .milliseconds(90), contentType: "application/pdf", body: letter)
        default: break
        }
        return Answer(latency: .zero, status: .notFound, body: Array(#"{"error":"no such resource"}"#.utf8))
    }

    static func json(_ milliseconds: Int64, _ text: String) -> Answer {
        Answer(latency: .milliseconds(milliseconds), body: Array(text.utf8))
    }

    /// A short code for an id: letters and digits, stable for the same id.
    static func code(_ text: String, _ salt: UInt64) -> String {
        var hash: UInt64 = 1_469_598_103_934_665_603 &+ salt
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        return String(hash % 2_176_782_336, radix: 36, uppercase: true)
    }
}

/// Answers each request once its API's latency has passed, on the channel's event loop.
final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var head: HTTPRequestHead?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            head = request
        case .body:
            break
        case .end:
            guard let request = head else { return }
            head = nil
            let path = String(request.uri.split(separator: "?", maxSplits: 1).first ?? "")
            let answer = RegistryUpstream.answer(path)
            let keepAlive = request.isKeepAlive
            let version = request.version
            _ = context.eventLoop.assumeIsolated().scheduleTask(in: answer.latency) {
                self.respond(answer, context: context, version: version, keepAlive: keepAlive)
            }
        }
    }

    private func respond(_ answer: RegistryUpstream.Answer, context: ChannelHandlerContext, version: HTTPVersion, keepAlive: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: answer.contentType)
        headers.add(name: "Content-Length", value: String(answer.body.count))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: answer.status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: answer.body)))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
