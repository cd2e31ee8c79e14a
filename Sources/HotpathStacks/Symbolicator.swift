import CHotpathStacks
import FoundationEssentials
import Hotpath
import Synchronization

#if canImport(Runtime)
import Runtime
#endif

/// Turns captured addresses into named frames with file and line, off the hot path.
///
/// Uses `llvm-symbolizer` from the Swift toolchain when it is there (fast: one process per
/// batch), else the Swift runtime's own symbolicator (the `Runtime` module; correct but slow on
/// large binaries). Names are demangled and shortened by ``SwiftDemangler``. Results are cached
/// per address, so a stack seen before costs a dictionary lookup per frame.
public final class Symbolicator: Sendable {
    public static let shared = Symbolicator()

    /// One captured address: a return address (the call is the instruction before it) or an
    /// async resume point (the address itself).
    public struct Address: Hashable, Sendable {
        public var value: UInt
        public var isAsyncResumePoint: Bool

        public init(_ value: UInt, isAsyncResumePoint: Bool = false) {
            self.value = value
            self.isAsyncResumePoint = isAsyncResumePoint
        }
    }

    public let libraries: LibraryModules
    private let external: ExternalSymbolizer?
    private let cache = Mutex<[Address: [StackFrame]]>([:])
    private let maximumCached = 262_144

    public init(libraries: LibraryModules = .default, useExternalSymbolizer: Bool = true) {
        self.libraries = libraries
        self.external = useExternalSymbolizer ? ExternalSymbolizer.find() : nil
    }

    /// Which tool answers: `llvm-symbolizer`'s path, or "Swift Runtime module".
    public var backend: String { external?.executable ?? "Swift Runtime module" }

    /// The frames of each address, innermost (inlined) first; never empty (an unknown address
    /// gives one frame named by its hexadecimal value).
    public func symbolicate(_ addresses: [Address]) -> [[StackFrame]] {
        var known = cache.withLock { cache in addresses.map { cache[$0] } }
        var missing: [Address] = []
        var seen: Set<Address> = []
        for (index, address) in addresses.enumerated() where known[index] == nil && seen.insert(address).inserted {
            missing.append(address)
        }
        if !missing.isEmpty {
            let resolved = resolve(missing)
            let byAddress = Dictionary(zip(missing, resolved), uniquingKeysWith: { first, _ in first })
            cache.withLock { cache in
                if cache.count + resolved.count > maximumCached { cache = [:] }
                cache.merge(byAddress) { _, new in new }
            }
            for index in addresses.indices where known[index] == nil {
                known[index] = byAddress[addresses[index]]
            }
        }
        return zip(addresses, known).map { address, frames in frames ?? [unknown(address)] }
    }

    /// `symbolicate` flattened, for a stack captured leaf first: addresses from `asyncFrom`
    /// on are async resume points.
    public func frames(_ addresses: [UInt], asyncFrom: Int) -> [StackFrame] {
        symbolicate(addresses.enumerated().map { Address($0.element, isAsyncResumePoint: $0.offset >= asyncFrom) }).flatMap { $0 }
    }

    /// Symbolicates the calling thread's own frames once, which starts the symbolizer and reads
    /// the images' debug information before a request needs it.
    public func warmUp() {
        var addresses = [UInt](repeating: 0, count: 16)
        let count = addresses.withUnsafeMutableBufferPointer { Int(hotpath_capture_frames($0.baseAddress, 16)) }
        _ = frames(Array(addresses.prefix(count)), asyncFrom: count)
    }

    private func unknown(_ address: Address) -> StackFrame {
        StackFrame(
            address: address.value, function: "0x" + String(address.value, radix: 16), module: nil, file: nil, line: nil,
            isAsync: address.isAsyncResumePoint, isLibrary: true
        )
    }

    private func resolve(_ addresses: [Address]) -> [[StackFrame]] {
        guard let external else { return resolveWithRuntime(addresses) }
        if let frames = resolveExternally(addresses, with: external) { return frames }
        // The symbolizer failed (crashed, or ran past its timeout). The runtime's symbolicator
        // takes tens of milliseconds per address on a large binary: fine for a call site or a
        // stall's stack, minutes for a profile's thousands of addresses, which then stay unnamed.
        guard addresses.count <= Self.largestRuntimeFallback else { return addresses.map { [unknown($0)] } }
        return resolveWithRuntime(addresses)
    }

    /// Batches up to this size are retried with the runtime's symbolicator when the external
    /// symbolizer fails.
    static let largestRuntimeFallback = 64

    private func resolveExternally(_ addresses: [Address], with symbolizer: ExternalSymbolizer) -> [[StackFrame]]? {
        var requests: [(image: String, offset: UInt)] = []
        var requestIndex: [Int?] = []
        var path = [CChar](repeating: 0, count: 1_024)
        for address in addresses {
            var bias: UInt = 0
            let found = path.withUnsafeMutableBufferPointer { hotpath_image_of(address.value, &bias, $0.baseAddress, Int32($0.count)) }
            guard found == 1 else {
                requestIndex.append(nil)
                continue
            }
            // A return address points after the call; the call's line is one byte earlier.
            let adjusted = address.isAsyncResumePoint ? address.value : address.value &- 1
            requestIndex.append(requests.count)
            requests.append((String(nulTerminated: path), adjusted &- bias))
        }
        guard let answers = symbolizer.symbolicate(requests) else { return nil }
        return zip(addresses, requestIndex).map { address, index in
            guard let index, !answers[index].isEmpty else { return [unknown(address)] }
            let image = requests[index].image
            // An image with no file (the kernel's vDSO): name the frame after the image.
            if !image.contains("/") {
                return [StackFrame(
                    address: address.value, function: "[\(image)]", module: image, file: nil, line: nil,
                    isAsync: address.isAsyncResumePoint, isLibrary: true
                )]
            }
            let frames = answers[index].compactMap { location -> StackFrame? in
                guard !location.mangledName.isEmpty else { return nil }
                return frame(address: address, rawName: location.mangledName, image: image, file: location.file, line: location.line)
            }
            return frames.isEmpty ? [unknown(address)] : frames
        }
    }

    private func frame(address: Address, rawName: String, image: String, file: String?, line: Int?) -> StackFrame {
        let swiftModule = LibraryModules.module(ofMangledName: rawName)
        let imageName = image.split(separator: "/").last.map(String.init) ?? image
        return StackFrame(
            address: address.value,
            function: SwiftDemangler.readableName(rawName),
            module: swiftModule ?? imageName,
            file: file,
            line: line,
            isAsync: address.isAsyncResumePoint,
            isLibrary: libraries.isLibrary(module: swiftModule, file: file)
        )
    }

    private func resolveWithRuntime(_ addresses: [Address]) -> [[StackFrame]] {
        #if canImport(Runtime) && os(Linux)
        guard let backtrace = Self.backtrace(addresses),
            let symbolicated = backtrace.symbolicated(with: Self.images(), options: [.showSourceLocations, .useSymbolCache])
        else { return addresses.map { [unknown($0)] } }
        // Inlined frames are dropped here: one frame per captured address keeps them aligned.
        let frames = symbolicated.frames.filter { !$0.inlined }
        guard frames.count == addresses.count else { return addresses.map { [unknown($0)] } }
        return zip(addresses, frames).map { address, captured in
            guard let symbol = captured.symbol else { return [unknown(address)] }
            return [frame(
                address: address, rawName: symbol.rawName, image: symbol.imageName,
                file: symbol.sourceLocation?.path, line: symbol.sourceLocation?.line
            )]
        }
        #else
        return addresses.map { [unknown($0)] }
        #endif
    }

    #if canImport(Runtime) && os(Linux)
    private static let imageMap = Mutex<(map: ImageMap, capturedAt: UInt64)?>(nil)

    /// The loaded images, captured once and again at most every 10 s (libraries loaded later).
    private static func images() -> ImageMap {
        let now = MonotonicClock.now()
        return imageMap.withLock { cached in
            if let cached, now &- cached.capturedAt < 10_000_000_000 { return cached.map }
            let map = ImageMap.capture()
            cached = (map, now)
            return map
        }
    }

    /// A `Backtrace` holding our own addresses: built through its Codable form, whose payload
    /// is the documented Compact Backtrace Format (version 0, 64-bit; `ra` and `async`
    /// instructions with absolute 8-byte addresses).
    private static func backtrace(_ addresses: [Address]) -> Backtrace? {
        var bytes: [UInt8] = [0x02]
        bytes.reserveCapacity(1 + addresses.count * 9 + 1)
        for address in addresses {
            bytes.append(address.isAsyncResumePoint ? 0x3F : 0x2F)
            let value = UInt64(address.value)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        bytes.append(0x00)
        let json = #"{"architecture":"x86_64","backtrace":"\#(Data(bytes).base64EncodedString())"}"#
        return try? JSONDecoder().decode(Backtrace.self, from: Data(json.utf8))
    }
    #endif
}
