import Hotpath
import Synchronization

/// `?profile=1` for a web framework's middleware: profiles one request, then either answers
/// with the HTML flamegraph (`?profile=1&format=html`) or keeps the profile in memory and
/// says where it is (`X-Hotpath-Profile: /_hotpath/profiles/3`).
///
/// Only requests that also carry the report token are profiled (see ``ReportAccess``), and
/// only one profile runs at a time: a request that asks while another is being profiled is
/// served normally and told so in the header.
///
/// A stored profile's response goes out as soon as the request is served: the profile is
/// symbolicated afterwards, off the request, and its location answers `503` with
/// `Retry-After` until it is ready. The flamegraph page waits for it, at most
/// ``Configuration/pageWaitLimit``.
///
/// Stored profiles are served, with the token, in every format:
/// `…/profiles/3` (HTML flamegraph), `3.txt` (call tree), `3.json` (`hotpath profile`'s input),
/// `3.speedscope.json`, `3.collapsed`, `3.pb` (pprof).
///
/// ```swift
/// router.add(middleware: HotpathMiddleware(recorder: recorder, reports: access, profiling: RequestProfiling()))
/// // curl -H 'X-Hotpath-Token: …' 'http://127.0.0.1:8080/orders?profile=1' -D - -o /dev/null
/// ```
public final class RequestProfiling: Sendable {
    public struct Configuration: Sendable {
        /// The sampler's settings for each profiled request.
        public var profiler = Profiler.Configuration()
        /// Profiles kept for the report routes; older ones are dropped.
        public var maximumStored = 20
        /// The query parameter that asks for a profile.
        public var parameter = "profile"
        /// How long `format=html` waits for the profile to be symbolicated before answering
        /// that it is still being prepared (and where it will be).
        public var pageWaitLimit: Duration = .seconds(20)

        public init() {}
    }

    /// What a request asked for.
    public enum Request: Sendable, Equatable {
        /// Keep the profile and name it in a header.
        case store
        /// Answer with the HTML flamegraph instead of the response.
        case html
    }

    /// What became of a profiled request.
    public enum Outcome: Sendable {
        /// Another profile was running: the request was served without one.
        case busy
        /// The profile is kept under this id (maybe still being symbolicated).
        case stored(id: Int)
        /// The flamegraph page the request asked for.
        case page(String)
        /// The page was asked for, but the profile was not ready within the wait limit; it
        /// is kept under this id.
        case pageNotReady(id: Int)
    }

    /// A stored profile as its route serves it.
    public enum Rendered: Sendable {
        case ready(contentType: String, body: [UInt8])
        /// Still being symbolicated: ask again shortly.
        case pending
    }

    /// The response header naming a stored profile (or why there is none).
    public static let headerName = "X-Hotpath-Profile"
    /// The header value for a request that asked while another profile was running.
    public static let busy = "busy: another request is being profiled"

    public let configuration: Configuration
    private let stored = Mutex(Stored())

    struct Stored {
        /// Oldest first; nil while the profile is being symbolicated.
        var profiles: [(id: Int, profile: Profile?)] = []
        var nextID = 1
    }

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Whether a request with this query string asks to be profiled.
    public func request(forQuery query: String?) -> Request? {
        guard let query, query.contains(configuration.parameter) else { return nil }
        let value = ReportAccess.queryParameter(configuration.parameter, in: query)
        guard let value, ["1", "true", "yes"].contains(value.lowercased()) else { return nil }
        return ReportAccess.queryParameter("format", in: query)?.lowercased() == "html" ? .html : .store
    }

    /// Starts profiling, or nil when another profile is running.
    public func start(label: String) -> Profiler? {
        try? Profiler.start(configuration: configuration.profiler, label: label)
    }

    /// Serves a request inside a profile. Sampling stops when `serve` returns; symbolication
    /// runs on a thread of its own, so the response never waits for it (except the page of
    /// `.html`, at most ``Configuration/pageWaitLimit``). `label` names the profile once the
    /// request was served (the route is known by then).
    public func serve<Response>(
        _ asked: Request, label: @escaping @Sendable () -> String, _ serve: () async throws -> Response
    ) async throws -> (Response, Outcome) {
        guard let session = start(label: "") else { return (try await serve(), .busy) }
        let response: Response
        do {
            response = try await serve()
        } catch {
            session.stopAndAssembleInBackground { _ in }
            throw error
        }
        let id = reserve()
        session.stopAndAssembleInBackground { [self] profile in
            var labelled = profile
            labelled.label = label()
            fill(id, with: labelled)
        }
        guard asked == .html else { return (response, .stored(id: id)) }
        guard let profile = await waitForProfile(id, upTo: configuration.pageWaitLimit) else { return (response, .pageNotReady(id: id)) }
        return (response, .page(Self.html(profile)))
    }

    /// Keeps `profile` and returns its id.
    public func store(_ profile: Profile) -> Int {
        let id = reserve()
        fill(id, with: profile)
        return id
    }

    /// A stored profile, nil when there is none or it is not symbolicated yet.
    public func profile(id: Int) -> Profile? {
        stored.withLock { stored in stored.profiles.first { $0.id == id }?.profile }
    }

    /// The profile `id` once it is symbolicated, waiting at most `limit`; nil after that (or
    /// when there is no such profile).
    public func waitForProfile(_ id: Int, upTo limit: Duration) async -> Profile? {
        let deadline = ContinuousClock.now + limit
        while true {
            let state = stored.withLock { stored -> (known: Bool, profile: Profile?) in
                guard let entry = stored.profiles.first(where: { $0.id == id }) else { return (false, nil) }
                return (true, entry.profile)
            }
            if let profile = state.profile { return profile }
            // Polling, not a continuation: this is a debugging route, and a slot dropped from
            // the store while waiting must end the wait too.
            guard state.known, ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The path of a stored profile's page under the report prefix.
    public func path(forID id: Int, access: ReportAccess) -> String {
        access.prefix + "/profiles/\(id)"
    }

    /// A rendered response body for `name` (`3`, `3.txt`, `3.json`, `3.speedscope.json`,
    /// `3.collapsed`, `3.pb`), ``Rendered/pending`` while it is being symbolicated, or nil when
    /// there is no such profile or format.
    public func rendered(_ name: String) -> Rendered? {
        let idText = name.prefix { $0.isNumber }
        guard let id = Int(idText) else { return nil }
        let entry = stored.withLock { stored in stored.profiles.first { $0.id == id } }
        guard let entry else { return nil }
        let format = name.dropFirst(idText.count)
        guard Self.formats.contains(String(format)) else { return nil }
        guard let profile = entry.profile else { return .pending }
        switch format {
        case "", ".html":
            return .ready(contentType: "text/html; charset=utf-8", body: Array(Self.html(profile).utf8))
        case ".txt":
            return .ready(contentType: "text/plain; charset=utf-8", body: Array(TextTreeRenderer().render(profile).utf8))
        case ".json":
            return (try? ProfileJSON.encode(profile)).map { .ready(contentType: "application/json", body: $0) }
        case ".speedscope.json":
            return (try? SpeedscopeRenderer().render(profile)).map { .ready(contentType: "application/json", body: $0) }
        case ".collapsed":
            return .ready(contentType: "text/plain; charset=utf-8", body: Array(CollapsedStacksRenderer().render(profile).utf8))
        case ".pb":
            return .ready(contentType: "application/octet-stream", body: PprofRenderer().render(profile))
        default:
            return nil
        }
    }

    static let formats: Set<String> = ["", ".html", ".txt", ".json", ".speedscope.json", ".collapsed", ".pb"]

    /// The HTML flamegraph of `profile`.
    public static func html(_ profile: Profile) -> String {
        HTMLFlamegraphRenderer().render(CallTree(profile, options: HTMLFlamegraphRenderer.flamegraphTreeOptions), profile: profile)
    }

    private func reserve() -> Int {
        stored.withLock { stored in
            let id = stored.nextID
            stored.nextID += 1
            stored.profiles.append((id, nil))
            if stored.profiles.count > max(configuration.maximumStored, 1) { stored.profiles.removeFirst() }
            return id
        }
    }

    private func fill(_ id: Int, with profile: Profile) {
        stored.withLock { stored in
            guard let index = stored.profiles.firstIndex(where: { $0.id == id }) else { return }
            stored.profiles[index].profile = profile
        }
    }
}
