import Atomics
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A real HTTP/1.1 server on 127.0.0.1 with planted behaviour, for tests that need a peer.
///
/// Routes:
/// - `/` — 200 "hello"
/// - `/delay/{ms}` — 200 after that many milliseconds (timer, the loop stays free)
/// - `/status/{code}` — that status
/// - `/chunked` — a chunked body in three chunks
/// - `/close` — 200 with `Connection: close`, then closes
/// - `/reset-every/{n}` — every n-th request (server-wide) drops the connection with a TCP reset
/// - `/hang` — never answers
/// - `/echo` — 200 with the received body length as text
/// - `/json-id/{n}[/{ms}]` — 200 `{"id":"item-{n}-7f3k","ok":true}` (JSON), after `ms` milliseconds
/// Any route is held back while a stall is active (`stall(for:)` or `stallOnce(after:for:)`),
/// like a process paused by a long GC or a blocked event loop.
public final class TestHTTPServer: Sendable {
    public let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let state: ServerState

    /// Requests that reached a handler.
    public var requestCount: Int { state.requests.load(ordering: .relaxed) }

    public var url: String { "\(state.tls == nil ? "http" : "https")://127.0.0.1:\(port)" }

    private init(port: Int, group: MultiThreadedEventLoopGroup, serverChannel: any Channel, state: ServerState) {
        self.port = port
        self.group = group
        self.serverChannel = serverChannel
        self.state = state
    }

    /// Starts a server on a free loopback port. With `tls`, serves HTTPS with a fresh
    /// self-signed certificate (made with the `openssl` command).
    public static func start(threads: Int = 1, tls: Bool = false) async throws -> TestHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let sslContext = tls ? try makeSelfSignedContext() : nil
        let state = ServerState(tls: sslContext)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                state.connections.withLockedValue { $0.append(channel) }
                do {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(TestRouteHandler(state: state))
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
        return TestHTTPServer(port: port, group: group, serverChannel: channel, state: state)
    }

    /// Holds every answer until `duration` from now.
    public func stall(for duration: Duration) {
        let nanoseconds = UInt64(duration.components.seconds) * 1_000_000_000 + UInt64(duration.components.attoseconds / 1_000_000_000)
        state.stallUntil.store(NIODeadline.now().uptimeNanoseconds + nanoseconds, ordering: .relaxed)
    }

    /// Closes every connection abruptly, as a crashing server would; keeps listening.
    public func dropAllConnections() {
        let channels = state.connections.withLockedValue { channels in
            defer { channels.removeAll() }
            return channels
        }
        for channel in channels { channel.close(promise: nil) }
    }

    /// Stops listening and closes every connection: the server is gone.
    public func shutdown() async {
        try? await serverChannel.close()
        dropAllConnections()
        try? await group.shutdownGracefully()
    }

    /// A fresh self-signed certificate for 127.0.0.1 and localhost; `applicationProtocols`
    /// are offered in ALPN (the HTTP/2 test server offers h2).
    static func makeSelfSignedContext(applicationProtocols: [String] = []) throws -> NIOSSLContext {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.pem").path
        let certificate = directory.appendingPathComponent("cert.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
            "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestServerError("openssl could not make a certificate") }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        )
        configuration.applicationProtocols = applicationProtocols
        return try NIOSSLContext(configuration: configuration)
    }
}

public struct TestServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

final class ServerState: Sendable {
    let tls: NIOSSLContext?
    let requests = ManagedAtomic<Int>(0)
    let stallUntil = ManagedAtomic<UInt64>(0)
    let connections = NIOLockedValueBox<[any Channel]>([])

    init(tls: NIOSSLContext?) {
        self.tls = tls
    }
}

final class TestRouteHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: ServerState
    private var head: HTTPRequestHead?
    private var bodyLength = 0

    init(state: ServerState) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            bodyLength = 0
        case .body(let buffer):
            bodyLength += buffer.readableBytes
        case .end:
            guard let head else { return }
            self.head = nil
            let number = state.requests.wrappingIncrementThenLoad(ordering: .relaxed)
            route(head, number: number, context: context)
        }
    }

    private func route(_ head: HTTPRequestHead, number: Int, context: ChannelHandlerContext) {
        let parts = head.uri.split(separator: "?").first.map { $0.split(separator: "/") } ?? []
        let first = parts.first.map(String.init) ?? ""
        let argument = parts.count > 1 ? Int(parts[1]) : nil
        var delay: Int64 = 0
        let now = NIODeadline.now().uptimeNanoseconds
        let stallUntil = state.stallUntil.load(ordering: .relaxed)
        if stallUntil > now { delay = Int64(stallUntil - now) }

        switch first {
        case "delay":
            delay = max(delay, Int64(argument ?? 0) * 1_000_000)
            respond(head, status: .ok, body: "slept", after: delay, context: context)
        case "status":
            respond(head, status: HTTPResponseStatus(statusCode: argument ?? 200), body: "status", after: delay, context: context)
        case "chunked":
            respondChunked(head, context: context)
        case "close":
            respond(head, status: .ok, body: "bye", after: delay, close: true, context: context)
        case "reset-every":
            if let every = argument, every > 0, number % every == 0 {
                // SO_LINGER 0 turns close into a TCP reset.
                if let provider = context.channel as? any SocketOptionProvider {
                    provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                } else {
                    context.close(promise: nil)
                }
            } else {
                respond(head, status: .ok, body: "ok", after: delay, context: context)
            }
        case "hang":
            break
        case "echo":
            respond(head, status: .ok, body: "\(bodyLength)", after: delay, context: context)
        case "json-id":
            let wait = parts.count > 2 ? Int64(parts[2]) ?? 0 : 0
            let body = #"{"id":"item-\#(argument ?? 0)-7f3k","ok":true}"#
            respond(head, status: .ok, body: body, contentType: "application/json", after: max(delay, wait * 1_000_000), context: context)
        default:
            respond(head, status: .ok, body: "hello", after: delay, context: context)
        }
    }

    private func respond(
        _ head: HTTPRequestHead,
        status: HTTPResponseStatus,
        body: String,
        contentType: String = "text/plain",
        after delay: Int64,
        close: Bool = false,
        context: ChannelHandlerContext
    ) {
        let write = {
            var headers = HTTPHeaders([("Content-Length", "\(body.utf8.count)"), ("Content-Type", contentType)])
            if close { headers.add(name: "Connection", value: "close") }
            context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            if head.method != .HEAD {
                context.write(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            }
            let done = context.writeAndFlush(self.wrapOutboundOut(.end(nil)))
            if close { done.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
        }
        if delay > 0 {
            context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(delay)) {
                guard context.channel.isActive else { return }
                write()
            }
        } else {
            write()
        }
    }

    private func respondChunked(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let headers = HTTPHeaders([("Transfer-Encoding", "chunked")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
        for piece in ["first chunk;", "second;", String(repeating: "x", count: 3000)] {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: piece)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
