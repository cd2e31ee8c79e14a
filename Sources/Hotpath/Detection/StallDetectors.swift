/// Attribute keys of `.stall` events, written by the watchdog.
public enum StallAttributes {
    /// "blocking" (the thread waited in the kernel) or "cpu" (it was running).
    public static let kind = "kind"
    /// The function the thread was in (a placeholder until symbolicated, see ``DeferredCallSites``).
    public static let leaf = "leaf"
    /// The thread's name (`NIO-ELT-0-#1`, a pool thread…).
    public static let thread = "thread"
    /// CPU time the thread used during the stall, milliseconds.
    public static let cpuMilliseconds = "cpu_ms"
    /// The top of the captured stack, leaf first, ` < `-separated (a placeholder until symbolicated).
    public static let stack = "stack"
}

/// Findings for stalls: a thread of the cooperative pool or an event loop held by one request
/// for longer than the watchdog's threshold, blocked in a system call or burning CPU.
public enum StallDetectors {
    /// A thread that was runnable but got less CPU than this was waiting for a core (a busy
    /// machine), not doing heavy work: not a CPU stall.
    public static let minimumCPUMilliseconds = 10.0

    public static func findings(in request: CompletedRequest) -> [Finding] {
        request.events.filter { event in
            guard event.kind == .stall else { return false }
            guard event.attributes?[StallAttributes.kind] == "cpu" else { return true }
            let cpu = event.attributes?[StallAttributes.cpuMilliseconds].flatMap(Double.init) ?? 0
            return cpu >= minimumCPUMilliseconds
        }.map { event in
            let blocking = event.attributes?[StallAttributes.kind] != "cpu"
            let site = DeferredCallSites.resolved(event.callSite)
            let leaf = DeferredCallSites.resolved(event.attributes?[StallAttributes.leaf]) ?? "an unnamed function"
            let duration = DurationText.format(nanoseconds: Double(event.durationNanoseconds))
            let cpu = event.attributes?[StallAttributes.cpuMilliseconds].flatMap(Double.init) ?? 0
            let wall = Double(event.durationNanoseconds) / 1e6
            let thread = threadDescription(event.attributes?[StallAttributes.thread])
            var evidence = [
                "\(thread) was held for \(duration) (at least; the watchdog checks every few milliseconds)",
                "CPU used meanwhile: \(Int(cpu.rounded())) ms (\(wall > 0 ? Int((cpu / wall * 100).rounded()) : 0)% of the time)"
                    + (blocking ? ": waiting in the kernel, not computing" : ": computing"),
            ]
            if let stack = DeferredCallSites.resolved(event.attributes?[StallAttributes.stack]) {
                evidence.append("stack: \(stack)")
            }
            let from = site.map { " from \($0)" } ?? ""
            if blocking {
                return Finding(
                    kind: .blockingCall,
                    title: "Blocking call in async code: \(leaf) held a thread for \(duration)\(from)",
                    evidence: evidence,
                    fix: "Do not block the cooperative pool or an event loop: use the async form (`try await Task.sleep`, "
                        + "an async client, NIOFileSystem for files), or run the blocking call on `NIOThreadPool.singleton` "
                        + "(`try await pool.runIfActive { … }`) or a thread of its own. Every request waiting for this thread waits too.",
                    estimatedSavingNanoseconds: event.durationNanoseconds,
                    callSite: site,
                    fingerprint: "blocked in " + leaf,
                    count: 1
                )
            }
            return Finding(
                kind: .cpuStall,
                title: "CPU-heavy work held a thread for \(duration) in \(leaf)\(from)",
                evidence: evidence,
                fix: "Make it cheaper first: profile the request (`?profile=1`) and look at the hottest functions; cache "
                    + "the result if it repeats. If it must run, move it off the cooperative pool and the event loops "
                    + "(`NIOThreadPool`, a dedicated thread) so other requests keep flowing, and use every core.",
                estimatedSavingNanoseconds: event.durationNanoseconds / 2,
                callSite: site,
                fingerprint: "computing in " + leaf,
                count: 1
            )
        }
    }

    /// The function of a call site: `ImageFilter.blur(_:)` of both
    /// "Shop/Images.swift:75 (ImageFilter.blur(_:))" and "ImageFilter.blur(_:)".
    static func function(ofCallSite site: String) -> String {
        guard site.hasSuffix(")"), let open = site.firstRange(of: " (") else { return site }
        let head = site[..<open.lowerBound]
        // "file.swift:12 (function)": the function is in the parentheses.
        guard head.contains(".swift:") || head.contains(":") else { return site }
        return String(site[open.upperBound...].dropLast())
    }

    /// Thread names are cut to 15 characters by the kernel ("oot.default-qos"): say what the thread is.
    static func threadDescription(_ name: String?) -> String {
        guard let name else { return "a worker thread" }
        if name.hasSuffix("default-qos") || name.hasSuffix("initiated-qos") { return "a thread of Swift's cooperative pool (\(name))" }
        if name.hasPrefix("NIO-ELT") || name.hasPrefix("NIO-SGLTN") { return "the event loop \(name)" }
        return "thread \(name)"
    }
}
