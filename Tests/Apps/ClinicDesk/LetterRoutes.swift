import Hummingbird
import NIOPosix
import SQLKit

#if canImport(Glibc)
import Glibc
#endif

/// Referral letters, kept in the document archive: the letter is read through the archive
/// vendor's synchronous client.
struct LetterRoutes: Sendable {
    let store: ClinicStore
    let archive: LegacyArchiveClient
    /// Threads meant for blocking work.
    let offloadPool: NIOThreadPool

    struct Referral: Decodable {
        var archive_key: String
        var patient_id: Int
    }

    struct Letter: ResponseEncodable, Sendable {
        var referral: Int
        var patient: Int
        var archiveKey: String
        var bytes: Int
        /// The document's first line (`%PDF-1.4 …`): what the desk shows before it is opened.
        var header: String
    }

    func register(on router: Router<BasicRequestContext>) {
        // Planted: the synchronous read holds a thread of Swift's cooperative pool while the
        // archive takes its time (about 90 ms): every other request waits for a thread.
        router.get("/referrals/{referral}/letter") { _, context in
            let (id, referral) = try await lookUpReferral(context)
            let letter = try archive.letter(referral.archive_key)
            return Letter(referral: id, referral, letter)
        }
        // Its twin: the same client, on a thread that is meant to block.
        router.get("/referrals/{referral}/letter/offloaded") { _, context in
            let (id, referral) = try await lookUpReferral(context)
            let archive = self.archive
            let key = referral.archive_key
            let letter = try await offloadPool.runIfActive { try archive.letter(key) }
            return Letter(referral: id, referral, letter)
        }
    }

    private func lookUpReferral(_ context: BasicRequestContext) async throws -> (Int, Referral) {
        let id = try context.parameters.require("referral", as: Int.self)
        guard let referral = try await store.db.raw("SELECT archive_key, patient_id FROM referrals WHERE id = \(bind: id)")
            .first(decoding: Referral.self)
        else { throw HTTPError(.notFound) }
        return (id, referral)
    }
}

extension LetterRoutes.Letter {
    init(referral id: Int, _ referral: LetterRoutes.Referral, _ letter: [UInt8]) {
        // Only the first line is read: work per byte of a 200 KB letter would cost tens of
        // milliseconds of CPU in a debug build, on the request's thread, in the twin as well.
        let firstLine = letter.prefix(80).prefix { $0 != 10 }
        self.init(
            referral: id, patient: referral.patient_id, archiveKey: referral.archive_key, bytes: letter.count,
            header: String(decoding: firstLine, as: UTF8.self)
        )
    }
}

/// The archive vendor's client, as such SDKs often are: plain blocking sockets, one
/// connection per document, the calling thread waiting in `recv` until the archive answers.
struct LegacyArchiveClient: Sendable {
    let port: Int

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The letter's bytes (the body of `GET /archive/letters/<key>`).
    func letter(_ key: String) throws -> [UInt8] {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        defer { Glibc.close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect to the archive: errno \(errno)") }
        let request = Array("GET /archive/letters/\(key) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        var sent = 0
        while sent < request.count {
            let written = request[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw Failure(description: "send to the archive: errno \(errno)") }
            sent += written
        }
        // The archive closes the connection after the letter: read until it does.
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let received = chunk.withUnsafeMutableBytes { Glibc.recv(socket, $0.baseAddress, $0.count, 0) }
            if received == 0 { break }
            guard received > 0 else {
                if errno == EINTR { continue }
                throw Failure(description: "recv from the archive: errno \(errno)")
            }
            answer += chunk[..<received]
        }
        return try Self.body(of: answer)
    }

    /// The body of an HTTP/1.1 answer read whole, when its status is 200.
    static func body(of answer: [UInt8]) throws -> [UInt8] {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = answer.indices.dropLast(3).first(where: { Array(answer[$0..<$0 + 4]) == separator }) else {
            throw Failure(description: "the archive's answer has no header end")
        }
        let statusLine = String(decoding: answer[..<(answer.firstIndex(of: 13) ?? end)], as: UTF8.self)
        guard statusLine.hasPrefix("HTTP/1.1 200") || statusLine.hasPrefix("HTTP/1.0 200") else {
            throw Failure(description: "the archive answered \(statusLine)")
        }
        return Array(answer[(end + 4)...])
    }
}
