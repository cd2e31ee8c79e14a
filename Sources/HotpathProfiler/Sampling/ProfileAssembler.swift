import CHotpathSampler
import Hotpath
import HotpathStacks

#if canImport(Glibc)
import Glibc
#endif

/// Turns raw samples (addresses) into a ``Profile``: every distinct address symbolicated once
/// in one batch, inlined frames expanded, stacks turned root first.
struct ProfileAssembler {
    let symbolicator: Symbolicator
    let keepsIdleSamples: Bool

    func assemble(
        _ samples: [Profiler.RawSample], startedAt: UInt64, startedAtWallClock: Double, end: UInt64,
        intervalNanoseconds: UInt64, dropped: Int, label: String?
    ) -> Profile {
        var unique: [Symbolicator.Address: Int] = [:]
        var addresses: [Symbolicator.Address] = []
        for sample in samples {
            for (index, value) in sample.addresses.enumerated() {
                let address = Symbolicator.Address(value, isAsyncResumePoint: index >= sample.asyncFrom && index > 0)
                if unique[address] == nil {
                    unique[address] = addresses.count
                    addresses.append(address)
                }
            }
        }
        var resolved = symbolicator.symbolicate(addresses)
        // A function seen without a file (an address the line table leaves unnamed) takes the
        // file it has elsewhere, so the call tree keeps it as one node.
        var files: [String: String] = [:]
        for frames in resolved {
            for frame in frames {
                let key = frame.function + "|" + (frame.module ?? "")
                if files[key] == nil, let file = frame.file { files[key] = file }
            }
        }
        for index in resolved.indices {
            for position in resolved[index].indices where resolved[index][position].file == nil {
                let frame = resolved[index][position]
                if let file = files[frame.function + "|" + (frame.module ?? "")] {
                    resolved[index][position].file = file
                    resolved[index][position].isLibrary = symbolicator.libraries.isLibrary(module: frame.module, file: file)
                }
            }
        }
        var builder = ProfileBuilder(intervalNanoseconds: intervalNanoseconds, startedAt: startedAtWallClock, label: label)
        var names: [Int32: String] = [:]
        for thread in Set(samples.map(\.thread)) { names[thread] = Self.threadName(thread) }
        var threads: Set<Int32> = []
        for sample in samples {
            var stack: [ProfileFrame] = []
            stack.reserveCapacity(sample.addresses.count * 2)
            // Leaf first in the sample; within an address, innermost inlined frame first.
            for (index, value) in sample.addresses.enumerated() {
                let address = Symbolicator.Address(value, isAsyncResumePoint: index >= sample.asyncFrom && index > 0)
                guard let position = unique[address] else { continue }
                for frame in resolved[position] {
                    // A thunk and the specialization it calls read as the same function: one
                    // frame, the one that knows its line.
                    if let last = stack.last, last.function == frame.function, last.module == frame.module {
                        if last.line == nil, frame.line != nil { stack[stack.count - 1].line = frame.line }
                        continue
                    }
                    stack.append(ProfileFrame(
                        function: frame.function, module: frame.module, file: frame.file, line: frame.line,
                        isLibrary: frame.isLibrary, isAsync: frame.isAsync
                    ))
                }
            }
            if !sample.onCPU, !keepsIdleSamples, !stack.contains(where: { !$0.isLibrary }) {
                continue
            }
            threads.insert(sample.thread)
            builder.addSample(
                Array(stack.reversed()), thread: sample.thread, onCPU: sample.onCPU,
                weightNanoseconds: sample.weight, timestampNanoseconds: sample.timestamp &- min(sample.timestamp, startedAt)
            )
        }
        for thread in threads {
            if let name = names[thread] { builder.setThreadName(name, for: thread) }
        }
        builder.addDroppedSamples(dropped)
        builder.setDuration(nanoseconds: end &- startedAt)
        return builder.build()
    }

    static func threadName(_ tid: Int32) -> String? {
        let descriptor = open("/proc/self/task/\(tid)/comm", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        var name = buffer.prefix(count)
        while name.last == UInt8(ascii: "\n") { name = name.dropLast() }
        return String(decoding: name, as: UTF8.self)
    }
}
