import CHotpathStacks

#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work (a symbolizer process, file reads) on a thread of its own, never on
/// Swift concurrency's cooperative pool, whose few threads serve requests: blocking one of
/// them is exactly what Hotpath's watchdog reports.
public enum BackgroundThread {
    /// - Parameter name: the thread's name. Hotpath's own threads are named `hotpath-…`, which
    ///   profiles leave out (they are the tool, not the app); give another name for app work.
    public static func run(name: String = "hotpath-symbols", _ body: @escaping @Sendable () -> Void) {
        let job = Unmanaged.passRetained(Job(body, name: name))
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let job = Unmanaged<Job>.fromOpaque(raw).takeRetainedValue()
            hotpath_set_thread_name(job.name)
            job.body()
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
        init(_ body: @escaping @Sendable () -> Void, name: String) {
            self.body = body
            self.name = name
        }
    }
}

