/// Thresholds of the stall findings.
public struct StallThresholds: Sendable {
    /// A thread that was runnable but got less CPU than this during the stall was waiting for
    /// a core (a busy machine), not doing heavy work: not a CPU stall.
    public var minimumCPUNanoseconds: UInt64 = 10_000_000

    public init() {}
}

/// Findings for stalls: a thread of the cooperative pool or an event loop held by one request
/// for longer than the watchdog's threshold, blocked in a system call or burning CPU.
public struct StallDetector: RequestDetector {
    public init() {}

    public func findings(in request: CompletedRequest, context: DetectionContext) -> [Finding] {
        request.events.compactMap { event -> Finding? in
            guard let stall = event.stall else { return nil }
            if stall.kind == .computing, stall.cpuNanoseconds < context.stallThresholds.minimumCPUNanoseconds { return nil }
            let stack = stall.stack?.frames ?? []
            let leaf = stall.stack?.leaf?.function
            let evidence = StallEvidence(
                thread: stall.thread, threadName: stall.threadName, durationNanoseconds: event.durationNanoseconds,
                cpuNanoseconds: stall.cpuNanoseconds, leaf: leaf, stack: Array(stack.prefix(StackTrace.encodedFrames))
            )
            let site = event.callSite
            // One finding per kind and app function: the thread is caught wherever it happened
            // to be (a leaf in the hot loop, a helper it calls), which varies between requests.
            let function = site?.innermost?.function ?? leaf ?? "an unnamed function"
            if stall.kind == .blocking {
                return Finding(
                    evidence: .blockingCall(evidence), fix: FixAdvice.moveOffThePool, estimatedSavingNanoseconds: event.durationNanoseconds,
                    callSite: site, subject: "blocked in " + function, count: 1
                )
            }
            return Finding(
                // Half: a cheaper algorithm removes some of the work, moving it frees the thread.
                evidence: .cpuStall(evidence), fix: FixAdvice.makeCheaper, estimatedSavingNanoseconds: event.durationNanoseconds / 2,
                callSite: site, subject: "computing in " + function, count: 1
            )
        }
    }
}
