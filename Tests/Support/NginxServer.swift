import Foundation

/// Debian's nginx on 127.0.0.1 serving a 6-byte file over h2c (prior knowledge) and h2 over TLS
/// (self-signed, ALPN), with an access log to count what it served. 300 requests per connection
/// (`keepalive_requests`), then GOAWAY.
public final class NginxServer: Sendable {
    public let h2cURL: String
    public let h2URL: String
    public let http1URL: String
    private let directory: String
    /// nginx in the foreground (`daemon off`), a child of the tests: a daemon would keep
    /// Foundation's exit-watch descriptor open and `waitUntilExit` would never return.
    private let process: Process

    private init(directory: String, process: Process, ports: [Int]) {
        self.directory = directory
        self.process = process
        http1URL = "http://127.0.0.1:\(ports[0])"
        h2cURL = "http://127.0.0.1:\(ports[1])"
        h2URL = "https://127.0.0.1:\(ports[2])"
    }

    /// nil when nginx is not installed.
    public static func start() throws -> NginxServer? {
        guard let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return nil
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hotpath-nginx-\(UUID().uuidString)").path
        for folder in ["www", "logs"] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(folder)", withIntermediateDirectories: true)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(directory)/www")
        try "hello\n".write(toFile: "\(directory)/www/index.html", atomically: true, encoding: .utf8)
        try run("/usr/bin/env", [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(directory)/key.pem", "-out", "\(directory)/cert.pem",
            "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        let ports = try FreePorts.take(3)
        let configuration = """
            worker_processes 1;
            daemon off;
            pid \(directory)/nginx.pid;
            error_log \(directory)/logs/error.log warn;
            events { worker_connections 1024; }
            http {
              access_log \(directory)/logs/access.log;
              keepalive_requests 300;
              server { listen 127.0.0.1:\(ports[0]); root \(directory)/www; }
              server { listen 127.0.0.1:\(ports[1]) http2; root \(directory)/www; }
              server {
                listen 127.0.0.1:\(ports[2]) ssl http2;
                ssl_certificate \(directory)/cert.pem;
                ssl_certificate_key \(directory)/key.pem;
                root \(directory)/www;
              }
            }
            """
        try configuration.write(toFile: "\(directory)/nginx.conf", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-p", directory, "-c", "\(directory)/nginx.conf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = NginxServer(directory: directory, process: process, ports: ports)
        do {
            for port in ports { try FreePorts.waitUntilListening(port) }
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    /// Access-log lines of requests served over `protocol` (e.g. "HTTP/2.0").
    public func loggedRequests(protocol name: String) throws -> Int {
        // nginx writes its log line after the response; give the last ones a moment.
        Thread.sleep(forTimeInterval: 0.3)
        let text = try String(contentsOfFile: "\(directory)/logs/access.log", encoding: .utf8)
        return text.split(separator: "\n").filter { $0.contains(" \(name)\" ") }.count
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    @discardableResult
    static func run(_ path: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestServerError("\(path) \(arguments.first ?? "") failed (\(process.terminationStatus))") }
        return process.terminationStatus
    }
}

/// Ports nobody listens on, found by binding port 0.
public enum FreePorts {
    public static func take(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { for socket in sockets { close(socket) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
            }
            guard bound else { throw TestServerError("no free port") }
            sockets.append(descriptor)
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    /// Waits up to 5 s for something to accept on 127.0.0.1:`port`.
    public static func waitUntilListening(_ port: Int) throws {
        for _ in 0..<100 {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            close(descriptor)
            if connected { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestServerError("nothing listens on port \(port)")
    }
}
