import Hotpath
import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL
import NIOTLS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens one connection (and TLS session) before the run, so an unreachable server or a
/// certificate problem is one clear error instead of thousands of counted failures. It
/// also resolves the host once: every later connection dials the address it found.
enum Preflight {
    struct Connection {
        var address: SocketAddress
        var tls: (context: NIOSSLContext, serverHostname: String?)?
    }

    static func check(_ configuration: LoadConfiguration, group: any EventLoopGroup) async throws(LoadRunError) -> Connection {
        let target = configuration.target
        let endpoint = "\(target.host):\(target.port)"
        var tls: (context: NIOSSLContext, serverHostname: String?)?
        if target.scheme == .https {
            var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            // A timed-out connection must be replaced at once, not after waiting 5 s for a
            // close_notify that a hung server never sends.
            tlsConfiguration.shutdownTimeout = .milliseconds(50)
            if configuration.insecure { tlsConfiguration.certificateVerification = .none }
            // ALPN: HTTP/2 over TLS is only ever negotiated, never assumed.
            tlsConfiguration.applicationProtocols = configuration.http2 ? ["h2"] : ["http/1.1"]
            do {
                let context = try NIOSSLContext(configuration: tlsConfiguration)
                // SNI must not carry an IP address.
                let isAddressLiteral = (try? SocketAddress(ipAddress: target.host, port: 0)) != nil
                tls = (context, isAddressLiteral ? nil : target.host)
            } catch {
                throw LoadRunError("cannot set up TLS: \(error)")
            }
        }

        let connectTimeout = TimeAmount.nanoseconds(Int64(max(configuration.timeout.nanosecondsValue, 1e9)))
        let handshake = group.next().makePromise(of: String?.self)
        let settings = group.next().makePromise(of: Void.self)
        let http2 = configuration.http2
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelInitializer { [tls] channel in
                do {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverHostname)
                        )
                        try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(promise: handshake))
                    }
                    if http2 {
                        try channel.pipeline.syncOperations.addHandler(HTTP2LoadSettings.makeHandler())
                        try channel.pipeline.syncOperations.addHandler(SettingsWaiter(promise: settings))
                    }
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: target.host, port: target.port).get()
        } catch {
            handshake.succeed(nil)
            settings.succeed()
            throw LoadRunError(connectMessage(error, endpoint: endpoint, target: target))
        }
        if tls != nil {
            // connectTimeout covers TCP only: a port that accepts and stays silent would
            // otherwise hang the handshake for ever.
            let handshakeTimeout = channel.eventLoop.scheduleTask(in: connectTimeout) {
                handshake.fail(LoadRunError("no TLS handshake within \(DurationText.format(configuration.timeout)); is it an https server?"))
            }
            defer { handshakeTimeout.cancel() }
            let negotiated: String?
            do {
                negotiated = try await handshake.futureResult.get()
            } catch {
                settings.succeed()
                try? await channel.close()
                throw LoadRunError(
                    "TLS handshake with \(endpoint) failed: \(error). For a self-signed certificate add --insecure."
                )
            }
            if http2, negotiated != "h2" {
                settings.succeed()
                try? await channel.close()
                throw LoadRunError(
                    "\(target.origin) did not agree to HTTP/2 over TLS (ALPN chose \(negotiated ?? "nothing")): it serves HTTP/1.1 only; drop --h2"
                )
            }
        } else {
            handshake.succeed(nil)
        }
        if http2 {
            let settingsTimeout = channel.eventLoop.scheduleTask(in: connectTimeout) {
                settings.fail(LoadRunError("no HTTP/2 SETTINGS within \(DurationText.format(configuration.timeout))"))
            }
            defer { settingsTimeout.cancel() }
            do {
                try await settings.futureResult.get()
            } catch {
                try? await channel.close()
                let how = target.scheme == .https ? "over TLS" : "with prior knowledge (h2c)"
                throw LoadRunError(
                    "\(target.origin) does not answer HTTP/2 \(how): is it an HTTP/1.1-only server? Drop --h2, or use https:// for h2 negotiated with ALPN"
                )
            }
        } else {
            settings.succeed()
        }
        guard let address = channel.remoteAddress else {
            try? await channel.close()
            throw LoadRunError("connected to \(endpoint) but the connection closed at once; is it an HTTP server?")
        }
        try? await channel.close()
        return Connection(address: address, tls: tls)
    }

    private static func connectMessage(_ error: any Error, endpoint: String, target: LoadTarget) -> String {
        let prefix = "cannot connect to \(target.scheme.rawValue)://\(endpoint)"
        if let connectionError = error as? NIOConnectionError {
            if connectionError.connectionErrors.isEmpty {
                return "cannot resolve host '\(target.host)': check the name, or use an IP address like 127.0.0.1"
            }
            if let first = connectionError.connectionErrors.first {
                return connectMessage(first.error, endpoint: endpoint, target: target)
            }
        }
        if case ChannelError.connectTimeout = error as? ChannelError ?? .ioOnClosedChannel {
            return "\(prefix): no answer within the connect timeout; is the host reachable and the port open?"
        }
        if let ioError = error as? IOError {
            switch ioError.errnoCode {
            case ECONNREFUSED:
                return "\(prefix): connection refused; is the server running and listening on port \(target.port)?"
            case EHOSTUNREACH, ENETUNREACH:
                return "\(prefix): host unreachable; check the address"
            case ETIMEDOUT:
                return "\(prefix): timed out; is the host reachable?"
            default:
                return "\(prefix): \(String(cString: strerror(ioError.errnoCode)))"
            }
        }
        return "\(prefix): \(error)"
    }
}

/// Completes a promise with the ALPN protocol when the TLS handshake finishes, or fails it
/// when the connection fails first.
private final class HandshakeWaiter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let promise: EventLoopPromise<String?>
    private var done = false

    init(promise: EventLoopPromise<String?>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = tlsEvent, !done {
            done = true
            promise.succeed(negotiated)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done {
            done = true
            promise.fail(error)
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            promise.fail(LoadRunError("the server closed the connection during the TLS handshake"))
        }
        context.fireChannelInactive()
    }
}

/// Completes a promise when the server's first HTTP/2 SETTINGS frame arrives: proof that it
/// speaks HTTP/2. An HTTP/1.1 server answers the preface with a 400 or closes.
private final class SettingsWaiter: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    private let promise: EventLoopPromise<Void>
    private var done = false

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .settings(.settings) = unwrapInboundIn(data).payload { complete(nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        complete(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        complete(LoadRunError("the server closed the connection"))
        context.fireChannelInactive()
    }

    private func complete(_ error: (any Error)?) {
        guard !done else { return }
        done = true
        if let error { promise.fail(error) } else { promise.succeed() }
    }
}
