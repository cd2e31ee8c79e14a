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
    func report() async throws(DiagnoseError) -> RecorderReport {
        let url = base + prefix + "/report.json"
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

    /// The report once the stalls in it have names: the server symbolicates their stacks in
    /// the background, a moment after the load that caused them. Waits at most `patience`.
    func reportWithNames(patience: Duration = .seconds(3)) async throws(DiagnoseError) -> RecorderReport {
        let deadline = ContinuousClock.now + patience
        var report = try await self.report()
        while Self.hasUnnamedStalls(report), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(300))
            report = try await self.report()
        }
        return report
    }

    static func hasUnnamedStalls(_ report: RecorderReport) -> Bool {
        report.routes.lazy.flatMap(\.findings).contains { finding in
            (finding.kind == .cpuStall || finding.kind == .blockingCall) && (finding.callSite == nil || finding.title.contains("an unnamed function"))
        }
    }

    /// Serves `path` once inside a profile and returns it, or nil when the server has no
    /// profiling or was busy with another profile twice.
    func profile(path: String, headers: [(name: String, value: String)]) async -> (location: String, profile: Profile)? {
        let separator = path.contains("?") ? "&" : "?"
        for attempt in 0..<3 {
            guard let response = try? await HTTPFetch.get(
                base + path + separator + "profile=1", headers: headers + tokenHeader, timeout: timeout, insecure: insecure
            ) else { return nil }
            guard let location = response.header(RequestProfiling.headerName) else { return nil }
            if location == RequestProfiling.busy {
                try? await Task.sleep(for: .milliseconds(200 * (attempt + 1)))
                continue
            }
            guard let json = try? await HTTPFetch.get(base + location + ".json", headers: tokenHeader, timeout: timeout, insecure: insecure),
                json.status == 200, let profile = try? ProfileJSON.decode(json.body)
            else { return nil }
            return (location, profile)
        }
        return nil
    }
}
