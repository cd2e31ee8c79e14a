import Foundation
import Hotpath

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a `--json`, `--html` or `--output` file goes: standard output (`-`) or a regular file,
/// written whole through a temporary file in the same folder and a rename, so a reader never
/// sees half a report.
///
/// Only a new path or an existing regular file is written: a symbolic link, a FIFO, a device
/// or a socket at the path is refused before the run (renaming over it would replace it), as
/// is a folder that does not take new files (`/proc`, `/sys`, a read-only mount), which is
/// found by creating and removing a file there.
///
/// ```swift
/// let target = try OutputTarget(validating: "run.json", option: "--json")
/// // … the run …
/// try target.write(data)
/// ```
enum OutputTarget: Equatable, Sendable {
    case standardOutput
    case file(String)

    /// Checks `path` before any load starts, with one line that says what to give instead.
    init(validating path: String, option: String) throws(HotpathInputError) {
        if path == "-" {
            self = .standardOutput
            return
        }
        guard !path.isEmpty else {
            throw HotpathInputError("\(option) '': give a file name, or - for standard output")
        }
        var info = stat()
        if lstat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                break
            case S_IFDIR:
                throw HotpathInputError("cannot write \(option) '\(path)': it is a folder; give a file name")
            case S_IFLNK:
                throw HotpathInputError("cannot write \(option) '\(path)': it is a symbolic link; give the file it points to, or a new name")
            default:
                throw HotpathInputError("cannot write \(option) '\(path)': it is not a regular file (a device, FIFO or socket); give a file name, or - for standard output")
            }
        }
        let folder = Self.folder(of: path)
        var folderInfo = stat()
        guard stat(folder, &folderInfo) == 0, folderInfo.st_mode & S_IFMT == S_IFDIR else {
            throw HotpathInputError("cannot write \(option) '\(path)': the folder '\(folder)' does not exist")
        }
        // The only sure test of "a file can be made here" is making one.
        switch Self.makeTemporaryFile(in: folder, for: path) {
        case .success(let (descriptor, temporary)):
            close(descriptor)
            unlink(temporary)
        case .failure(let error):
            throw HotpathInputError("cannot write \(option) '\(path)': the folder '\(folder)' does not take new files (\(error.reason))")
        }
        self = .file(path)
    }

    /// Writes all of `data`: to standard output, or to a temporary file that is then renamed
    /// over the path (checked again: what was a regular file or nothing must still be one).
    func write(_ data: Data) throws(OutputError) {
        switch self {
        case .standardOutput:
            Terminal.flush()
            try Self.writeAll(data, to: STDOUT_FILENO, path: "-")
        case .file(let path):
            let (descriptor, temporary) = try Self.makeTemporaryFile(in: Self.folder(of: path), for: path).get()
            do throws(OutputError) {
                try Self.writeAll(data, to: descriptor, path: path)
                guard fsync(descriptor) == 0 || errno == EINVAL else { throw OutputError(path: path, reason: Self.lastError()) }
                close(descriptor)
                var info = stat()
                if lstat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
                    throw OutputError(path: path, reason: "it is no longer a regular file")
                }
                guard rename(temporary, path) == 0 else { throw OutputError(path: path, reason: Self.lastError()) }
            } catch {
                close(descriptor)
                unlink(temporary)
                throw error
            }
        }
    }

    /// Why a write failed, for one line.
    struct OutputError: Error, Sendable {
        var path: String
        var reason: String
    }

    /// Exactly one of the outputs may be standard output: two documents on one stream could
    /// not be told apart.
    static func checkOneStandardOutput(_ targets: [(option: String, target: OutputTarget?)]) throws(HotpathInputError) {
        let onStdout = targets.filter { $0.target == .standardOutput }.map(\.option)
        guard onStdout.count <= 1 else {
            throw HotpathInputError("\(onStdout.joined(separator: " and ")) cannot both be - (standard output); give one of them a file name")
        }
    }

    private static func folder(of path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    private static func makeTemporaryFile(in folder: String, for path: String) -> Result<(Int32, String), OutputError> {
        let name = (path as NSString).lastPathComponent
        var template = Array("\(folder)/.\(name).hotpath-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { mkstemp($0) } ?? -1
        }
        guard descriptor >= 0 else { return .failure(OutputError(path: path, reason: lastError())) }
        // mkstemp makes it 0600; a report is as readable as any file this user creates.
        let mask = umask(0)
        umask(mask)
        fchmod(descriptor, 0o666 & ~mask)
        let made = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return .success((descriptor, made))
    }

    private static func writeAll(_ data: Data, to descriptor: Int32, path: String) throws(OutputError) {
        let failure: String? = data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> String? in
            guard let start = buffer.baseAddress else { return nil }
            var offset = 0
            while offset < buffer.count {
                let written = posixWrite(descriptor, start + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return lastError()
                }
                offset += written
            }
            return nil
        }
        if let failure { throw OutputError(path: path, reason: failure) }
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}

/// `write(2)`, named apart from ``OutputTarget/write(_:)``.
private func posixWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
