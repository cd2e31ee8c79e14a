import Hummingbird
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Work done in the handler itself: a legacy synchronous renderer that blocks the thread it
/// runs on (`/reports/daily`), and an image filter that is genuinely CPU-heavy
/// (`/images/thumbnail`).
struct WorkEndpoints {
    let fixed: Bool
    let imageSide: Int
    let blurRadius: Int
    /// Where blocking work belongs: threads of its own, not the cooperative pool.
    let blockingPool: NIOThreadPool

    struct Rendered: ResponseEncodable, Sendable {
        var report: String
        var bytes: Int
    }

    struct Thumbnail: ResponseEncodable, Sendable {
        var side: Int
        var checksum: Int
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/reports/daily") { _, _ -> Rendered in
            if fixed {
                return try await blockingPool.runIfActive { LegacyReportRenderer.render() }
            }
            // Blocks a thread of Swift's cooperative pool for the whole render.
            return LegacyReportRenderer.render()
        }
        router.get("/images/thumbnail") { _, _ -> Thumbnail in
            let image = ImageFilter.testImage(side: imageSide)
            let blurred = fixed
                ? ImageFilter.boxBlurSeparable(image, side: imageSide, radius: blurRadius)
                : ImageFilter.boxBlurNaive(image, side: imageSide, radius: blurRadius)
            return Thumbnail(side: imageSide, checksum: blurred.reduce(0) { $0 &+ Int($1) })
        }
    }
}

/// Stands for a synchronous library (a PDF or spreadsheet writer, a legacy SDK) that waits
/// on I/O inside: 120 ms with the thread held.
enum LegacyReportRenderer {
    static func render() -> WorkEndpoints.Rendered {
        usleep(120_000)
        return WorkEndpoints.Rendered(report: "daily", bytes: 48_213)
    }
}

/// A grayscale box blur, the slow way and the fast way.
enum ImageFilter {
    static func testImage(side: Int) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: side * side)
        for y in 0..<side {
            for x in 0..<side { pixels[y * side + x] = UInt8(truncatingIfNeeded: (x &* 7) ^ (y &* 13)) }
        }
        return pixels
    }

    /// Every output pixel sums its whole (2r+1)² window: O(n·r²).
    static func boxBlurNaive(_ pixels: [UInt8], side: Int, radius: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<side {
            for x in 0..<side {
                var sum = 0
                var count = 0
                for dy in -radius...radius {
                    let row = y + dy
                    guard row >= 0, row < side else { continue }
                    for dx in -radius...radius {
                        let column = x + dx
                        guard column >= 0, column < side else { continue }
                        sum += Int(pixels[row * side + column])
                        count += 1
                    }
                }
                output[y * side + x] = UInt8(sum / max(count, 1))
            }
        }
        return output
    }

    /// The same result from running sums, rows then columns: O(n) whatever the radius.
    static func boxBlurSeparable(_ pixels: [UInt8], side: Int, radius: Int) -> [UInt8] {
        // Horizontal pass: window sums and counts per pixel.
        var sums = [Int](repeating: 0, count: pixels.count)
        var counts = [Int](repeating: 0, count: pixels.count)
        for y in 0..<side {
            var sum = 0
            var low = 0
            var high = -1
            for x in 0..<side {
                while high < min(x + radius, side - 1) { high += 1; sum += Int(pixels[y * side + high]) }
                while low < x - radius { sum -= Int(pixels[y * side + low]); low += 1 }
                sums[y * side + x] = sum
                counts[y * side + x] = high - low + 1
            }
        }
        // Vertical pass over the row sums gives the window's total and its pixel count.
        var output = [UInt8](repeating: 0, count: pixels.count)
        for x in 0..<side {
            var sum = 0
            var count = 0
            var low = 0
            var high = -1
            for y in 0..<side {
                while high < min(y + radius, side - 1) { high += 1; sum += sums[high * side + x]; count += counts[high * side + x] }
                while low < y - radius { sum -= sums[low * side + x]; count -= counts[low * side + x]; low += 1 }
                output[y * side + x] = UInt8(sum / max(count, 1))
            }
        }
        return output
    }
}
