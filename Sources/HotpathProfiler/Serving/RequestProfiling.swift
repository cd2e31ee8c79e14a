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
/// Stored profiles are served, with the token, in every format:
/// `…/profiles/3` (HTML flamegraph), `3.txt` (call tree), `3.json` (`hotpath profile`'s input),
/// `3.speedscope.json`, `3.collapsed`, `3.pb` (pprof).
public final class RequestProfiling: Sendable {
    public struct Configuration: Sendable {
        /// The sampler's settings for each profiled request.
        public var profiler = Profiler.Configuration()
        /// Profiles kept for the report routes; older ones are dropped.
        public var maximumStored = 20
        /// The query parameter that asks for a profile.
        public var parameter = "profile"

        public init() {}
    }

    /// What a request asked for.
    public enum Request: Sendable, Equatable {
        /// Keep the profile and name it in a header.
        case store
        /// Answer with the HTML flamegraph instead of the response.
        case html
    }

    /// The response header naming a stored profile (or why there is none).
    public static let headerName = "X-Hotpath-Profile"

    public let configuration: Configuration
    private let stored = Mutex(Stored())

    struct Stored {
        var profiles: [(id: Int, profile: Profile)] = []
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

    /// The header value for a request that asked while another profile was running.
    public static let busy = "busy: another request is being profiled"

    /// Serves a request inside a profile: the response, and the profile (symbolicated off the
    /// cooperative pool), or nil when another profile was running and it was served unprofiled.
    public func serve<Response>(label: String, _ serve: () async throws -> Response) async throws -> (Response, Profile?) {
        guard let session = start(label: label) else { return (try await serve(), nil) }
        let response: Response
        do {
            response = try await serve()
        } catch {
            _ = await session.stopInBackground()
            throw error
        }
        return (response, await session.stopInBackground())
    }

    /// Keeps `profile` and returns its id.
    public func store(_ profile: Profile) -> Int {
        stored.withLock { stored in
            let id = stored.nextID
            stored.nextID += 1
            stored.profiles.append((id, profile))
            if stored.profiles.count > max(configuration.maximumStored, 1) { stored.profiles.removeFirst() }
            return id
        }
    }

    /// A stored profile.
    public func profile(id: Int) -> Profile? {
        stored.withLock { stored in stored.profiles.first { $0.id == id }?.profile }
    }

    /// The path of a stored profile's page under the report prefix.
    public func path(forID id: Int, access: ReportAccess) -> String {
        access.prefix + "/profiles/\(id)"
    }

    /// A rendered response body for `name` (`3`, `3.txt`, `3.json`, `3.speedscope.json`,
    /// `3.collapsed`, `3.pb`), or nil when there is no such profile or format.
    public func rendered(_ name: String) -> (contentType: String, body: [UInt8])? {
        let idText = name.prefix { $0.isNumber }
        guard let id = Int(idText), let profile = profile(id: id) else { return nil }
        switch name.dropFirst(idText.count) {
        case "", ".html":
            return ("text/html; charset=utf-8", Array(Self.html(profile).utf8))
        case ".txt":
            return ("text/plain; charset=utf-8", Array(TextTreeRenderer().render(profile).utf8))
        case ".json":
            return (try? ProfileJSON.encode(profile)).map { ("application/json", $0) }
        case ".speedscope.json":
            return (try? SpeedscopeRenderer().render(profile)).map { ("application/json", $0) }
        case ".collapsed":
            return ("text/plain; charset=utf-8", Array(CollapsedStacksRenderer().render(profile).utf8))
        case ".pb":
            return ("application/octet-stream", PprofRenderer().render(profile))
        default:
            return nil
        }
    }

    /// The HTML flamegraph of `profile`.
    public static func html(_ profile: Profile) -> String {
        HTMLFlamegraphRenderer().render(CallTree(profile, options: HTMLFlamegraphRenderer.flamegraphTreeOptions), profile: profile)
    }
}
