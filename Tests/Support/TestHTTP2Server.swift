import Atomics
import Foundation
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL

/// A real HTTP/2 server on 127.0.0.1 (swift-nio-http2): h2c with prior knowledge, or h2 over
/// TLS with ALPN, with planted behaviour for the load generator's tests.
///
/// Routes:
/// - `/` — 200 "hello"
/// - `/delay/{ms}` — 200 after that many milliseconds
/// - `/status/{code}` — that status
/// - `/reset` — the stream is reset (RST_STREAM INTERNAL_ERROR) instead of answered
///
/// With `goAwayAfter: n`, each connection answers n streams, then sends GOAWAY naming the
/// n-th as the last it processed and closes, as nginx does at `keepalive_requests`.
/// Streams above that id are not processed, and not counted.
public final class TestHTTP2Server: Sendable {
    public let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let state: HTTP2ServerState

    /// Streams answered with a status.
    public var requestCount: Int { state.requests.load(ordering: .relaxed) }
    /// Streams reset by `/reset`.
    public var resetCount: Int { state.resets.load(ordering: .relaxed) }
    /// GOAWAY frames sent.
    public var goAwayCount: Int { state.goAways.load(ordering: .relaxed) }

    public let url: String

    private init(port: Int, tls: Bool, group: MultiThreadedEventLoopGroup, serverChannel: any Channel, state: HTTP2ServerState) {
        self.port = port
        self.url = "\(tls ? "https" : "http")://127.0.0.1:\(port)"
        self.group = group
        self.serverChannel = serverChannel
        self.state = state
    }

    public static func start(tls: Bool = false, goAwayAfter: Int? = nil, maxConcurrentStreams: Int = 100) async throws -> TestHTTP2Server {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let sslContext = tls ? try TestHTTPServer.makeSelfSignedContext(applicationProtocols: ["h2"]) : nil
        let state = HTTP2ServerState(goAwayAfter: goAwayAfter)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                do {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    var connection = NIOHTTP2Handler.ConnectionConfiguration()
                    connection.initialSettings = [
                        HTTP2Setting(parameter: .maxConcurrentStreams, value: maxConcurrentStreams),
                        HTTP2Setting(parameter: .maxHeaderListSize, value: 1 << 16),
                    ]
                    var stream = NIOHTTP2Handler.StreamConfiguration()
                    stream.streamResetFrameRateLimit.maximumCount = 1 << 30
                    stream.streamErrorRateLimit.maximumCount = 1 << 30
                    let perConnection = HTTP2ConnectionCounter()
                    _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                        mode: .server, connectionConfiguration: connection, streamConfiguration: stream
                    ) { streamChannel in
                        streamChannel.eventLoop.makeCompletedFuture {
                            try streamChannel.pipeline.syncOperations.addHandler(
                                HTTP2RouteHandler(state: state, connection: perConnection)
                            )
                        }
                    }
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = channel.localAddress?.port else {
            throw TestServerError("server bound without a port")
        }
        return TestHTTP2Server(port: port, tls: tls, group: group, serverChannel: channel, state: state)
    }

    public func shutdown() async {
        try? await serverChannel.close()
        try? await group.shutdownGracefully()
    }
}

final class HTTP2ServerState: Sendable {
    let goAwayAfter: Int?
    let requests = ManagedAtomic<Int>(0)
    let resets = ManagedAtomic<Int>(0)
    let goAways = ManagedAtomic<Int>(0)

    init(goAwayAfter: Int?) {
        self.goAwayAfter = goAwayAfter
    }
}

/// Streams processed on one connection, and the last one before its GOAWAY.
final class HTTP2ConnectionCounter: Sendable {
    let processed = ManagedAtomic<Int>(0)
    /// 0 until a GOAWAY is sent; then the last stream id processed.
    let lastStreamID = ManagedAtomic<Int>(0)
}

final class HTTP2RouteHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let state: HTTP2ServerState
    private let connection: HTTP2ConnectionCounter
    private var path = "/"

    init(state: HTTP2ServerState, connection: HTTP2ConnectionCounter) {
        self.state = state
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let headers):
            path = headers.headers.first(name: ":path") ?? "/"
            if headers.endStream { respond(context: context) }
        case .data(let body):
            if body.endStream { respond(context: context) }
        default:
            break
        }
    }

    private func respond(context: ChannelHandlerContext) {
        let id = (try? context.channel.syncOptions?.getOption(HTTP2StreamChannelOptions.streamID)).map { Int(Int32($0)) } ?? 0
        let last = connection.lastStreamID.load(ordering: .relaxed)
        // After our GOAWAY, streams above its last id are not processed (RFC 9113 §6.8).
        if last > 0, id > last { return }
        let number = connection.processed.wrappingIncrementThenLoad(ordering: .relaxed)
        let parts = path.split(separator: "?").first.map { $0.split(separator: "/") } ?? []
        let first = parts.first.map(String.init) ?? ""
        let argument = parts.count > 1 ? Int(parts[1]) : nil
        switch first {
        case "reset":
            state.resets.wrappingIncrement(ordering: .relaxed)
            context.writeAndFlush(wrapOutboundOut(.rstStream(.internalError)), promise: nil)
        case "delay":
            let delay = Int64(argument ?? 0)
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(delay)) {
                guard context.channel.isActive else { return }
                self.answer(status: 200, body: "slept", context: context)
            }
        case "status":
            answer(status: argument ?? 200, body: "status", context: context)
        default:
            answer(status: 200, body: "hello", context: context)
        }
        if let after = state.goAwayAfter, number == after, let parent = context.channel.parent {
            connection.lastStreamID.store(id, ordering: .relaxed)
            state.goAways.wrappingIncrement(ordering: .relaxed)
            let goAway = HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: HTTP2StreamID(id), errorCode: .noError, opaqueData: nil))
            parent.writeAndFlush(goAway).whenComplete { _ in
                // Let the answer reach the client, then hang up, as a draining server does.
                parent.eventLoop.scheduleTask(in: .milliseconds(50)) { parent.close(promise: nil) }
            }
        }
    }

    private func answer(status: Int, body: String, context: ChannelHandlerContext) {
        state.requests.wrappingIncrement(ordering: .relaxed)
        let headers = HPACKHeaders([(":status", String(status)), ("content-length", String(body.utf8.count)), ("content-type", "text/plain")])
        context.write(wrapOutboundOut(.headers(.init(headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.data(.init(data: .byteBuffer(ByteBuffer(string: body)), endStream: true))), promise: nil)
    }
}
