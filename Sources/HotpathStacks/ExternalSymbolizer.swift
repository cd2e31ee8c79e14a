import CHotpathStacks
import Hotpath

#if canImport(Glibc)
import Glibc
#endif

/// Symbolication by LLVM's `llvm-symbolizer`, which ships with every Swift toolchain on Linux:
/// one process per batch reads each image's DWARF once and answers thousands of addresses in
/// a fraction of a second (the `Runtime` module's symbolicator takes tens of milliseconds per
/// address on a large server binary).
struct ExternalSymbolizer: Sendable {
    let executable: String
    /// A run that takes longer is killed and counts as failed: a profile or a call site must
    /// never wait without bound on a symbolizer (a huge debug binary on a loaded machine, a
    /// wrapper script that hangs).
    var timeout: Duration = Self.defaultTimeout

    /// 30 s, or `HOTPATH_SYMBOLIZER_TIMEOUT` (seconds) when set.
    static var defaultTimeout: Duration {
        if let text = getenv("HOTPATH_SYMBOLIZER_TIMEOUT"), let seconds = Double(String(cString: text)), seconds > 0 {
            return .milliseconds(Int64(seconds * 1000))
        }
        return .seconds(30)
    }

    /// One answer per address: the inline chain, innermost first.
    struct Location: Sendable {
        var mangledName: String
        var file: String?
        var line: Int?
    }

    /// `HOTPATH_SYMBOLIZER`, then `llvm-symbolizer` next to the running Swift toolchain, on
    /// `PATH`, or in the usual places.
    static func find() -> ExternalSymbolizer? {
        var candidates: [String] = []
        if let configured = getenv("HOTPATH_SYMBOLIZER") { candidates.append(String(cString: configured)) }
        if let path = getenv("PATH") {
            for directory in String(cString: path).split(separator: ":") {
                candidates.append(directory + "/llvm-symbolizer")
            }
        }
        candidates += ["/opt/swift/usr/bin/llvm-symbolizer", "/usr/bin/llvm-symbolizer", "/usr/local/bin/llvm-symbolizer"]
        for version in stride(from: 20, through: 14, by: -1) {
            candidates.append("/usr/bin/llvm-symbolizer-\(version)")
        }
        return candidates.first { access($0, X_OK) == 0 }.map { ExternalSymbolizer(executable: $0) }
    }

    /// Symbolicates `(image path, image-relative address)` pairs; nil when the process could
    /// not be run.
    func symbolicate(_ requests: [(image: String, offset: UInt)]) -> [[Location]]? {
        guard !requests.isEmpty else { return [] }
        var input = ""
        for request in requests {
            input += "\"\(request.image)\" 0x\(String(request.offset, radix: 16))\n"
        }
        guard let output = run(input: input) else { return nil }
        // One block per address, separated by an empty line: pairs of function / file:line:col.
        var answers: [[Location]] = []
        var current: [Location] = []
        var pendingName: String?
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                if pendingName != nil || !current.isEmpty {
                    answers.append(current)
                    current = []
                    pendingName = nil
                }
                continue
            }
            if let name = pendingName {
                current.append(Self.location(name: name, position: String(line)))
                pendingName = nil
            } else {
                pendingName = String(line)
            }
        }
        if !current.isEmpty { answers.append(current) }
        return answers.count == requests.count ? answers : nil
    }

    private static func location(name: String, position: String) -> Location {
        // "path:line:column"; "??:0:0" or "/<compiler-generated>:0:0" when unknown.
        let parts = position.split(separator: ":", omittingEmptySubsequences: false)
        var file: String?
        var line: Int?
        if parts.count >= 3, let number = Int(parts[parts.count - 2]), number > 0 {
            file = parts.dropLast(2).joined(separator: ":")
            line = number
        }
        return Location(mangledName: name == "??" ? "" : name, file: file, line: line)
    }

    private func run(input: String) -> String? {
        var template = Array("/tmp/hotpath-symbols-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { return nil }
        let path = String(nulTerminated: template)
        defer { unlink(path) }
        let written = input.utf8CString.withUnsafeBufferPointer { buffer -> Bool in
            var offset = 0
            let total = buffer.count - 1
            while offset < total {
                let result = write(descriptor, buffer.baseAddress! + offset, total - offset)
                if result <= 0 { return false }
                offset += result
            }
            return true
        }
        close(descriptor)
        guard written else { return nil }

        let arguments = [executable, "--functions=linkage", "--inlines", "--no-demangle"]
        var stdoutDescriptor: Int32 = -1
        let pid = withCStrings(arguments) { argv in hotpath_spawn_reading(argv, path, &stdoutDescriptor) }
        guard pid > 0 else { return nil }
        let deadline = MonotonicClock.now() &+ UInt64(max(timeout.nanosecondsValue, 0))
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var finished = false
        while true {
            let now = MonotonicClock.now()
            guard now < deadline else { break }
            var descriptor = pollfd(fd: stdoutDescriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min((deadline - now) / 1_000_000 + 1, 1_000)))
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(stdoutDescriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes += buffer[0..<count]
            } else if count < 0, errno == EINTR {
                continue
            } else {
                finished = count == 0
                break
            }
        }
        close(stdoutDescriptor)
        // Past the deadline (or after a read error) the run is abandoned: killed, not waited for.
        if !finished { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return finished ? String(decoding: bytes, as: UTF8.self) : nil
    }

    private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer<CChar>($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
