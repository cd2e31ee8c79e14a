import Hotpath

#if canImport(Glibc)
import Glibc
#endif

/// Every connection is a file descriptor: `-c 20000` under a soft limit of 1,024 would fail
/// most connects with EMFILE and measure nothing. Before a run, the soft limit is raised to
/// what the connections need (up to the hard limit, as any process may); when even the hard
/// limit is too low, the run is refused with one line that says how to raise it.
enum FileLimit {
    /// Descriptors the process keeps besides the connections (stdio, event loops, the JSON
    /// file, a symbolizer's pipes), with room to spare.
    static let reserve: UInt64 = 64

    static func ensure(connections: Int) throws(HotpathInputError) {
        #if os(Linux)
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let needed = UInt64(max(connections, 0)) + reserve
        guard needed > UInt64(limit.rlim_cur) else { return }
        if needed <= UInt64(limit.rlim_max) {
            var raised = limit
            raised.rlim_cur = rlim_t(needed)
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { return }
        }
        throw HotpathInputError(
            "-c \(connections) needs about \(needed) open files, but this process may open only \(min(limit.rlim_cur, limit.rlim_max)) (ulimit -n); lower -c or raise the limit (ulimit -n \(needed))"
        )
        #endif
    }
}
