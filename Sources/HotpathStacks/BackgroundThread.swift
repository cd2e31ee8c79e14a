import CHotpathStacks

#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work (a symbolizer process, file reads) on a thread of its own, never on
/// Swift concurrency's cooperative pool, whose few threads serve requests: blocking one of
/// them is exactly what Hotpath's watchdog reports.
public enum BackgroundThread {
    /// - Parameters:
    ///   - name: the thread's name.
    ///   - isHotpathWork: the thread is Hotpath's own (symbolication, bookkeeping): profiles and
    ///     the watchdog leave it out. Pass false for work of the app or a test.
    public static func run(name: String = "hotpath-symbols", isHotpathWork: Bool = true, _ body: @escaping @Sendable () -> Void) {
        let job = Unmanaged.passRetained(Job(body, name: name, isHotpathWork: isHotpathWork))
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let job = Unmanaged<Job>.fromOpaque(raw).takeRetainedValue()
            hotpath_set_thread_name(job.name)
            if job.isHotpathWork { hotpath_mark_own_thread() }
            job.body()
            if job.isHotpathWork { hotpath_unmark_own_thread() }
            return nil
        }, job.toOpaque())
        if status == 0 {
            pthread_detach(thread)
        } else {
            // No thread to be had: run it here rather than lose it.
            job.takeRetainedValue().body()
        }
    }

    final class Job: Sendable {
        let body: @Sendable () -> Void
        let name: String
        let isHotpathWork: Bool
        init(_ body: @escaping @Sendable () -> Void, name: String, isHotpathWork: Bool) {
            self.body = body
            self.name = name
            self.isHotpathWork = isHotpathWork
        }
    }
}

