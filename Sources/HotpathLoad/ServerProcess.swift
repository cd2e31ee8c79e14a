#if canImport(Glibc)
import Glibc
#endif

/// A server process on this machine, found by the port it listens on, whose CPU time the load
/// generator can read: a server whose throughput stops growing while its CPU stays low is
/// waiting on something (blocking calls in async code, a lock, a small pool).
public struct ServerProcess: Sendable, Equatable {
    public let pid: Int32
    /// The process's name (`comm`).
    public let name: String

    public init?(pid: Int32) {
        guard let name = Self.read("/proc/\(pid)/comm") else { return nil }
        self.pid = pid
        self.name = name.split(separator: "\n").first.map(String.init) ?? name
    }

    /// The process listening on TCP `port` (IPv4 or IPv6), when it is on this machine and
    /// readable by this user.
    public static func listening(onPort port: Int) -> ServerProcess? {
        var inodes: Set<String> = []
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = read(table) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                // local_address is "ADDR:PORT" in hex; st 0A is LISTEN; the inode is field 9.
                guard fields.count > 9, fields[3] == "0A",
                    let portText = fields[1].split(separator: ":").last, Int(portText, radix: 16) == port
                else { continue }
                inodes.insert(String(fields[9]))
            }
        }
        guard !inodes.isEmpty, let proc = opendir("/proc") else { return nil }
        defer { closedir(proc) }
        // Children can inherit the listening socket: the process that started first owns it.
        var holders: [(pid: Int32, started: UInt64)] = []
        while let entry = readdir(proc) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(name) else { continue }
            guard let fds = opendir("/proc/\(pid)/fd") else { continue }
            defer { closedir(fds) }
            while let fd = readdir(fds) {
                let fdName = withUnsafeBytes(of: fd.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard Int(fdName) != nil else { continue }
                var buffer = [CChar](repeating: 0, count: 128)
                let length = readlink("/proc/\(pid)/fd/\(fdName)", &buffer, buffer.count - 1)
                guard length > 0 else { continue }
                let target = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if target.hasPrefix("socket:["), inodes.contains(String(target.dropFirst(8).dropLast())) {
                    holders.append((pid, startTime(of: pid) ?? UInt64.max))
                    break
                }
            }
        }
        return holders.min { $0.started < $1.started || ($0.started == $1.started && $0.pid < $1.pid) }
            .flatMap { ServerProcess(pid: $0.pid) }
    }

    /// When the process started, in clock ticks since boot (`/proc/PID/stat` field 22).
    static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    /// CPU time the process has used (user + system), seconds; nil when it is gone.
    public func cpuSeconds() -> Double? {
        guard let stat = Self.read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the name: state is the 3rd field overall; utime and stime are 14th and 15th.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Cores this machine can run on.
    public static var cores: Int { max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1) }

    static func read(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
