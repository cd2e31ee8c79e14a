import Hotpath
import HotpathLoad
import HotpathProfiler

/// Reads what the server's Hotpath middleware knows: its report, and profiles of single
/// requests (`?profile=1`).
struct ReportReader: Sendable {
    let base: String
    let token: String
    let prefix: String
    let timeout: Duration
    let insecure: Bool

    var tokenHeader: [(name: String, value: String)] { [(ReportAccess.tokenHeader, token)] }

    /// The report; an error line that says what to do when it cannot be read.
    /// - Parameter run: a diagnose run whose measured windows the report should hold.
    func report(run: String? = nil) async throws(DiagnoseError) -> RecorderReport {
        let url = base + prefix + "/report.json" + (run.map { "?run=" + $0 } ?? "")
        let response: HTTPFetch.Response
        do {
            response = try await HTTPFetch.get(url, headers: tokenHeader, timeout: timeout, insecure: insecure)
        } catch {
            throw DiagnoseError(error.message)
        }
        guard response.status == 200 else {
            if response.status == 404 {
                throw DiagnoseError(
                    "\(url) answered 404: the token is wrong, or the server has no Hotpath middleware with a token (or its report is under another --report-prefix); run without --token to measure from the outside",
                    isInputError: true
                )
            }
            throw DiagnoseError("\(url) answered \(response.status): cannot read the server's Hotpath report")
        }
        do {
            return try ReportJSON.decode(response.body)
        } catch {
            throw DiagnoseError("\(url) is not a Hotpath report (\(RecorderReport.schemaName)); is the middleware the same version as this hotpath?")
        }
    }

    /// The report once the call sites and stacks in it have names: the server symbolicates
    /// them in the background, a moment after the load that made them. Waits at most
    /// `patience` for the report's ``RecorderReport/pendingNames`` to reach 0.
    func reportWithNames(run: String? = nil, patience: Duration = .seconds(3)) async throws(DiagnoseError) -> RecorderReport {
        let deadline = ContinuousClock.now + patience
        var report = try await self.report(run: run)
        while report.pendingNames > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(200))
            report = try await self.report(run: run)
        }
        return report
    }

    /// A profile of one request, or why there is none.
    enum ProfileAttempt {
        case taken(location: String, profile: Profile)
        case notTaken(reason: String)
    }

    /// Serves `path` once inside a profile and returns it. Every step is bounded: the whole
    /// attempt takes at most `limit` (the profiled request itself, the server's symbolication,
    /// a busy profiler), and on expiry the reason says what it was waiting for.
    func profile(path: String, headers: [(name: String, value: String)], limit: Duration) async -> ProfileAttempt {
        let deadline = ContinuousClock.now + limit
        func remaining() -> Duration { max(deadline - ContinuousClock.now, .milliseconds(1)) }
        let separator = path.contains("?") ? "&" : "?"
        var location: String?
        for attempt in 0..<3 {
            let response: HTTPFetch.Response
            do {
                response = try await HTTPFetch.get(
                    base + path + separator + "profile=1", headers: headers + tokenHeader, timeout: min(timeout, remaining()),
                    insecure: insecure, maximumBytes: Self.largestProfiledBody
                )
            } catch {
                return .notTaken(reason: "the profiled request failed: \(error.message)")
            }
            guard let named = response.header(RequestProfiling.headerName) else {
                return .notTaken(reason: "the server does not profile (no RequestProfiling given to its Hotpath middleware)")
            }
            if named == RequestProfiling.busy {
                guard attempt < 2, ContinuousClock.now + .milliseconds(200 * (attempt + 1)) < deadline else {
                    return .notTaken(reason: "the server's profiler stayed busy with another profile")
                }
                try? await Task.sleep(for: .milliseconds(200 * (attempt + 1)))
                continue
            }
            location = named
            break
        }
        guard let location else { return .notTaken(reason: "the server's profiler stayed busy with another profile") }
        // The server symbolicates after answering: its profile answers 503 until it is ready.
        let symbolicating = "the server was still symbolicating the profile after \(DurationText.format(limit))"
        var sawSymbolicating = false
        while true {
            let response: HTTPFetch.Response
            do {
                response = try await HTTPFetch.get(base + location + ".json", headers: tokenHeader, timeout: min(timeout, remaining()), insecure: insecure)
            } catch {
                // The last look ran out of time while the server was still at it: that is the reason.
                if sawSymbolicating, ContinuousClock.now >= deadline - .milliseconds(50) { return .notTaken(reason: symbolicating) }
                return .notTaken(reason: "reading the profile at \(location) failed: \(error.message)")
            }
            if response.status == 503 { sawSymbolicating = true }
            // Another look only if it leaves that look time to be answered (a busy server).
            if response.status == 503, ContinuousClock.now + .milliseconds(500) < deadline {
                try? await Task.sleep(for: .milliseconds(250))
                continue
            }
            if response.status == 503 { return .notTaken(reason: symbolicating) }
            guard response.status == 200 else { return .notTaken(reason: "\(location).json answered \(response.status)") }
            guard let profile = try? ProfileJSON.decode(response.body) else {
                return .notTaken(reason: "\(location).json is not a Hotpath profile")
            }
            return .taken(location: location, profile: profile)
        }
    }

    /// The profiled request's own body is read and dropped; a larger one ends the attempt.
    static let largestProfiledBody = 64 << 20
}
