import CHotpathStacks

#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work (a symbolizer process, file reads) on a thread of its own, never on
/// Swift concurrency's cooperative pool, whose few threads serve requests: blocking one of
/// them is exactly what Hotpath's watchdog reports.
public enum BackgroundThread {
    public static func run(_ body: @escaping @Sendable () -> Void) {
        let job = Unmanaged.passRetained(Job(body))
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            hotpath_set_thread_name("hotpath-symbols")
            Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().body()
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
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}

