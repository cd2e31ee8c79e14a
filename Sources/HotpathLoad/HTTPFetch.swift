import Hotpath
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP/1.1 request, its whole answer: for reading reports and profiles from a server,
/// where the load engine's counting connections are not the tool. The same one-line errors
/// as a load run (unreachable server, TLS trouble).
public enum HTTPFetch {
    public struct Response: Sendable {
        public var status: Int
        /// Names lowercased.
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            let lowered = name.lowercased()
            return headers.first { $0.name == lowered }?.value
        }
    }

    /// GETs `url` (http or https) and returns status, headers and body (up to `maximumBytes`).
    public static func get(
        _ url: String, headers: [(name: String, value: String)] = [], timeout: Duration = .seconds(10), insecure: Bool = false,
        maximumBytes: Int = 256 << 20
    ) async throws(LoadRunError) -> Response {
        let target: LoadTarget
        do {
            target = try LoadTarget(parsing: url)
        } catch {
            throw LoadRunError(error.message)
        }
        var configuration = LoadConfiguration(target: target)
        configuration.timeout = timeout
        configuration.insecure = insecure
        let group = MultiThreadedEventLoopGroup.singleton
        let connection = try await Preflight.check(configuration, group: group)
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: Response.self)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(Int64(timeout.nanosecondsValue)))
            .channelInitializer { channel in
                do {
                    if let tls = connection.tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverHostname)
                        )
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise, maximumBytes: maximumBytes))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        do {
            let channel = try await bootstrap.connect(to: connection.address).get()
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target.requestTarget)
            head.headers.add(name: "Host", value: target.hostHeader)
            head.headers.add(name: "Connection", value: "close")
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
            let timer = eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.nanosecondsValue))) {
                promise.fail(LoadRunError("no answer from \(target) within \(DurationText.format(timeout))"))
                channel.close(promise: nil)
            }
            defer { timer.cancel() }
            let response = try await promise.futureResult.get()
            try? await channel.close()
            return response
        } catch let error as LoadRunError {
            throw error
        } catch {
            promise.fail(error)
            throw LoadRunError("request to \(target) failed: \(error)")
        }
    }
}

/// Gathers one response; fails the promise if the connection ends first.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    private let promise: EventLoopPromise<HTTPFetch.Response>
    private let maximumBytes: Int
    private var response = HTTPFetch.Response(status: 0, headers: [], body: [])
    private var done = false

    init(promise: EventLoopPromise<HTTPFetch.Response>, maximumBytes: Int) {
        self.promise = promise
        self.maximumBytes = maximumBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            response.status = Int(head.status.code)
            response.headers = head.headers.map { ($0.name.lowercased(), $0.value) }
        case .body(var buffer):
            if response.body.count + buffer.readableBytes > maximumBytes {
                finish(.failure(LoadRunError("the answer is larger than \(maximumBytes) bytes")))
                context.close(promise: nil)
                return
            }
            response.body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            finish(.success(response))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(LoadRunError("reading the answer failed: \(error)")))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(LoadRunError("the server closed the connection before answering")))
        context.fireChannelInactive()
    }

    private func finish(_ result: Result<HTTPFetch.Response, LoadRunError>) {
        guard !done else { return }
        done = true
        promise.completeWith(result.mapError { $0 as any Error })
    }
}
