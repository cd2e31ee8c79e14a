#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time for display (when a request happened); never for measuring durations.
public enum WallClock {
    /// One reading of both clocks, so a monotonic time converts to wall time without a
    /// second clock read per request.
    static let anchor = (monotonic: MonotonicClock.now(), wall: nowSeconds())

    /// Wall-clock seconds at a ``MonotonicClock`` time.
    public static func seconds(atMonotonic time: UInt64) -> Double {
        let anchor = Self.anchor
        return time >= anchor.monotonic
            ? anchor.wall + Double(time &- anchor.monotonic) / 1e9
            : anchor.wall - Double(anchor.monotonic &- time) / 1e9
    }

    static func nowSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
