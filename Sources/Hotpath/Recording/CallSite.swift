import Synchronization

/// Where in the app something was run from: the app's own frames, innermost first (the line
/// that ran it, then the app's functions that called it, as far as they were seen).
///
/// Either known at once (`#fileID`/`#line` given by the caller: ``init(fileID:line:function:)``)
/// or captured as a raw stack whose names come later, off the request path
/// (``pending(_:)``): then ``isPending`` is true until the capturing adapter's symbolizer fills
/// the shared ``PendingFrames``, and every copy of this value sees the names from then on.
///
/// ```swift
/// let site = CallSite(fileID: #fileID, line: #line)       // "Shop/Orders.swift:42"
/// site.frames.first?.line                                  // 42
/// ```
public struct CallSite: Sendable, Hashable, Codable, CustomStringConvertible {
    private enum Storage: Sendable, Hashable {
        case known([SourceFrame])
        /// A captured stack; `innermost`, when given, is the exact line of the direct caller
        /// (its `#fileID`/`#line`), which replaces the stack's frame in that file.
        case pending(PendingFrames, innermost: SourceFrame?)
        /// The first site, unless its stack turns out to hold no app code: then the second.
        indirect case otherwise(CallSite, fallback: CallSite)
    }

    private var storage: Storage

    /// A call site given by the caller's own `#fileID` and `#line` (exact, and free).
    public init(fileID: String, line: Int, function: String? = nil) {
        storage = .known([SourceFrame(function: function, file: fileID, line: line)])
    }

    /// The app frames of a stack already named, innermost first.
    public init(frames: [SourceFrame]) {
        storage = .known(frames.filter { !$0.isLibrary })
    }

    /// A stack being symbolicated: its names arrive in `frames` later.
    public static func pending(_ frames: PendingFrames) -> CallSite {
        var site = CallSite(frames: [])
        site.storage = .pending(frames, innermost: nil)
        return site
    }

    /// A captured stack whose direct caller's exact `#fileID` and `#line` are known: the site is
    /// that line, and the app's callers come from the stack once named (the chain of a helper
    /// that wraps a client: the helper's line, then the lines that called the helper).
    public static func pending(_ frames: PendingFrames, caller fileID: String, line: Int) -> CallSite {
        var site = CallSite(frames: [])
        site.storage = .pending(frames, innermost: SourceFrame(function: nil, file: fileID, line: line))
        return site
    }

    /// This site, or `fallback` when this one's stack turns out to hold no app code.
    ///
    /// For a query run in a task of its own (FluentKit loads `$author.get(on:)` through
    /// `makeFutureWithTask`), whose stack is library code only: the line that took the
    /// database handle (`req.db`) is then the app's line that asked for the query.
    ///
    /// ```swift
    /// let site = CallSites.shared.caller()?.otherwise(handleSite)
    /// ```
    public func otherwise(_ fallback: CallSite?) -> CallSite {
        guard let fallback else { return self }
        var site = CallSite(frames: [])
        site.storage = .otherwise(self, fallback: fallback)
        return site
    }

    /// True while the stack's names are not known yet.
    public var isPending: Bool {
        switch storage {
        case .known: return false
        case .pending(let pending, _): return pending.frames == nil
        case .otherwise(let first, let fallback): return first.isPending || (first.frames.isEmpty && fallback.isPending)
        }
    }

    /// The app's frames, innermost first; empty while pending (but for an exact caller's line),
    /// or when the stack held no app code.
    public var frames: [SourceFrame] {
        switch storage {
        case .known(let frames):
            return frames
        case .pending(let pending, let innermost):
            let named = pending.frames?.filter { !$0.isLibrary } ?? []
            guard var exact = innermost else { return named }
            // The stack's frame in the caller's file is the same call, less exactly placed.
            guard let first = named.first, Self.sameFile(first.file, exact.file) else { return [exact] + named }
            exact.function = first.function
            exact.module = first.module
            return [exact] + named.dropFirst()
        case .otherwise(let first, let fallback):
            let frames = first.frames
            return frames.isEmpty && !first.isPending ? fallback.frames : frames
        }
    }

    /// `Shop/Routes.swift` (a `#fileID`) and `/src/Sources/Shop/Routes.swift` (debug info).
    static func sameFile(_ a: String?, _ b: String?) -> Bool {
        guard let a, let b else { return false }
        let lastA = a.split(separator: "/").last
        let lastB = b.split(separator: "/").last
        return lastA != nil && lastA == lastB
    }

    /// The app frame that ran it, if known.
    public var innermost: SourceFrame? { frames.first }

    /// True when a name is known (not pending, and the stack had app code).
    public var isKnown: Bool { !frames.isEmpty }

    /// `Shop/Orders.swift:42 (OrdersController.list())`, or "an unnamed place" while pending.
    public var description: String {
        innermost?.description ?? (isPending ? "a place not named yet" : "an unknown place")
    }

    /// `get(_:) Shop/Routes.swift:87 ← Shop/Routes.swift:53 ← …`: the frame that ran it, then its
    /// callers in the app (at most `limit` frames).
    public func chain(limit: Int = 4) -> String {
        let shown = frames.prefix(limit)
        guard let first = shown.first else { return description }
        var parts = [first.description]
        parts += shown.dropFirst().map { $0.location ?? $0.description }
        return parts.joined(separator: " ← ")
    }

    /// Same app frames (or the same pending stack): the key findings are grouped by.
    public static func == (lhs: CallSite, rhs: CallSite) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.pending(let a, let x), .pending(let b, let y)) where a === b && x == y: true
        // Not named yet: the same only if made of the same stacks.
        case (.otherwise(let a, let x), .otherwise(let b, let y)) where lhs.isPending || rhs.isPending:
            sameStacks(a, b) && sameStacks(x, y)
        default: lhs.frames == rhs.frames && lhs.isPending == rhs.isPending
        }
    }

    /// The same captured stack (by identity), or the same site for anything else.
    private static func sameStacks(_ a: CallSite, _ b: CallSite) -> Bool {
        if case .pending(let p, let x) = a.storage, case .pending(let q, let y) = b.storage { return p === q && x == y }
        return a == b
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(frames)
        hasher.combine(isPending)
    }

    // As data: the app frames, and whether names were still pending when encoded.
    private enum CodingKeys: String, CodingKey { case frames, pending }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let frames = try container.decodeIfPresent([SourceFrame].self, forKey: .frames) ?? []
        let pending = try container.decodeIfPresent(Bool.self, forKey: .pending) ?? false
        storage = pending ? .pending(PendingFrames(id: 0, frames: nil), innermost: frames.first) : .known(frames)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Array(frames.prefix(Self.encodedFrames)), forKey: .frames)
        if isPending { try container.encode(true, forKey: .pending) }
    }

    /// App frames kept when encoded: the line and its nearest callers.
    public static let encodedFrames = 8
}

/// The names of one captured stack, filled once by whoever symbolicates it and read by every
/// event that captured the same stack. All frames, innermost first, library ones included (a
/// stall's evidence shows them; a call site shows only the app's).
public final class PendingFrames: Sendable, Hashable {
    /// The stack's identity (a hash of its addresses).
    public let id: UInt64
    private let names: Mutex<[SourceFrame]?>

    public init(id: UInt64, frames: [SourceFrame]? = nil) {
        self.id = id
        self.names = Mutex(frames)
    }

    /// All frames once named; nil while pending.
    public var frames: [SourceFrame]? { names.withLock { $0 } }

    /// Fills the names (the first call wins).
    public func resolve(_ frames: [SourceFrame]) {
        names.withLock { names in
            if names == nil { names = frames }
        }
    }

    public static func == (lhs: PendingFrames, rhs: PendingFrames) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
