import Synchronization

/// Call sites that an adapter captured as a raw stack while serving a request and names later,
/// off the request path (symbolication takes milliseconds; a request must not wait for it).
///
/// The adapter records a placeholder (``placeholder(for:)``) as the event's call site and
/// registers the name once it is known; detectors and reports read call sites through
/// ``resolved(_:)``, so they see the name as soon as it is there.
public enum DeferredCallSites {
    private static let names = Mutex<[UInt64: String?]>([:])
    private static let prefix = "stack#"
    private static let maximumNames = 65_536

    /// What an event carries until the stack `id` is named.
    public static func placeholder(for id: UInt64) -> String {
        prefix + String(id, radix: 16)
    }

    /// Registers the name of stack `id` (nil: it has no frame of app code).
    public static func name(_ id: UInt64, as callSite: String?) {
        names.withLock { names in
            if names.count >= maximumNames { names = [:] }
            names[id] = .some(callSite)
        }
    }

    /// `callSite` with a placeholder replaced by its name; nil for a placeholder not named yet
    /// or without app code.
    public static func resolved(_ callSite: String?) -> String? {
        guard let callSite, callSite.hasPrefix(prefix) else { return callSite }
        guard let id = UInt64(callSite.dropFirst(prefix.count), radix: 16) else { return nil }
        return names.withLock { $0[id] ?? nil }
    }
}

extension RequestEvent {
    /// This event with its call site resolved (see ``DeferredCallSites``).
    public var withResolvedCallSite: RequestEvent {
        guard let callSite, callSite.hasPrefix("stack#") else { return self }
        var copy = self
        copy.callSite = DeferredCallSites.resolved(callSite)
        return copy
    }
}
