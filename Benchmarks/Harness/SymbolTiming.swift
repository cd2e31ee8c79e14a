import HotpathStacks
import Hotpath
import CHotpathStacks

enum SymbolTiming {
    @inline(never) static func a() -> [UInt] { var b = [UInt](repeating: 0, count: 16); let n = b.withUnsafeMutableBufferPointer { Int(hotpath_capture_frames($0.baseAddress, 16)) }; return Array(b.prefix(n)) }
    @inline(never) static func b() -> [UInt] { let x = a(); return x + [] }
    static func run() {
        let s1 = a(), s2 = b()
        for (label, stack) in [("first", s1), ("second", s2), ("again", s1)] {
            let t = MonotonicClock.now()
            let frames = Symbolicator.shared.frames(stack, asyncFrom: stack.count)
            print(Symbolicator.shared.backend, label, Double(MonotonicClock.now() - t) / 1e6, "ms", frames.map { "\($0.function) \($0.location ?? "-")" })
        }
        for count in [100, 1000] {
            let many = (0..<count).map { s1[0] &+ UInt($0 * 997 + count) }
            let t = MonotonicClock.now()
            let frames = Symbolicator.shared.frames(many, asyncFrom: many.count)
            print("batch", count, Double(MonotonicClock.now() - t) / 1e6, "ms", Set(frames.map(\.function)).count, "functions", frames.filter { $0.line != nil }.count, "with lines")
        }
    }
}
