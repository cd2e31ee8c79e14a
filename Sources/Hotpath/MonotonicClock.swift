#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Nanoseconds on the monotonic clock, the time base of every Hotpath measurement.
///
/// A plain `UInt64` rather than `ContinuousClock.Instant` because hot paths (the load
/// generator's response loop, the recorder) subtract and store millions of them, and an
/// integer is the cheapest thing to keep in a preallocated slot.
public enum MonotonicClock {
    /// The current monotonic time in nanoseconds since an arbitrary fixed point.
    @inlinable
    public static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }
}
