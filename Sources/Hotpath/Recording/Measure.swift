/// Times a block and records it as a span on the current request.
///
/// ```swift
/// let rates = try Hotpath.measure("parse rates") { try decoder.decode(Rates.self, from: body) }
/// ```
///
/// Outside a request (a script, a test) there is nobody to record to, so it prints
/// `parse rates: 3.2ms` instead.
@discardableResult
public func measure<T, E: Error>(
    _ name: String,
    fileID: String = #fileID,
    line: Int = #line,
    _ body: () throws(E) -> T
) throws(E) -> T {
    let start = MonotonicClock.now()
    defer { finishMeasure(name, start: start, callSite: CallSite(fileID: fileID, line: line)) }
    return try body()
}

/// Times an async block and records it as a span on the current request (or prints it).
@discardableResult
public func measure<T, E: Error>(
    _ name: String,
    fileID: String = #fileID,
    line: Int = #line,
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws(E) -> T
) async throws(E) -> T {
    let start = MonotonicClock.now()
    defer { finishMeasure(name, start: start, callSite: CallSite(fileID: fileID, line: line)) }
    return try await body()
}

private func finishMeasure(_ name: String, start: UInt64, callSite: CallSite) {
    let end = MonotonicClock.now()
    if let request = ActiveRequest.current {
        request.recordSpan(name, from: start, to: end, callSite: callSite)
    } else {
        print("\(name): \(Stopwatch.format(end &- start))")
    }
}
