import CHotpathStacks
import Hotpath
import Testing

@testable import HotpathStacks

@Suite("Stacks: demangling, symbolication, call sites")
struct StacksTests {
    @Test(arguments: [
        ("$s8SlowShop16OrdersControllerV4list7request7contextSSSi_SStYaKF", "SlowShop"),
        ("$sSa6appendyyxnF", "Swift"),
        ("$sScT5sleep11nanosecondsys6UInt64V_tYaKFZ", "_Concurrency"),
        ("_ZN5swift34runJobInEstablishedExecutorContextEPNS_3JobE", nil),
        ("main", nil),
    ] as [(String, String?)])
    func moduleOfMangledName(mangled: String, module: String?) {
        #expect(LibraryModules.module(ofMangledName: mangled) == module)
    }

    @Test(arguments: [
        ("specialized static hotpath_bench.SymbolTiming.a() -> [Swift.UInt]", "hotpath_bench", "SymbolTiming.a()"),
        (
            "hotpath_bench.SQLCaptureBenchmark.perQuery(_: SQLKit.SQLDatabase, queries: Swift.Int, inRequest: Swift.Bool) async throws -> (perQuery: Swift.Double, site: Swift.String?)",
            "hotpath_bench", "SQLCaptureBenchmark.perQuery(_:queries:inRequest:)"
        ),
        (
            "(1) await resume partial function for SlowShop.OrdersController.list(request: Hummingbird.Request, context: Hummingbird.BasicRequestContext) async throws -> Swift.String",
            "SlowShop", "OrdersController.list(request:context:)"
        ),
        (
            "closure #1 (inout Swift.UnsafeMutableBufferPointer<Swift.UInt>) -> Swift.Int in static hotpath_bench.SymbolTiming.a() -> Swift.Array<Swift.UInt>",
            "hotpath_bench", "closure #1 in SymbolTiming.a()"
        ),
        (
            "generic specialization <Swift.UInt, Swift.Int, Swift.Never> of Swift.Array.withUnsafeMutableBufferPointer<A, B where B1: Swift.Error>(_: (inout Swift.UnsafeMutableBufferPointer<A>) throws(B1) -> A1) throws(B1) -> A1",
            nil, "Array.withUnsafeMutableBufferPointer(_:)"
        ),
        ("SlowShop.Catalog.products.getter : [SlowShop.Product]", "SlowShop", "Catalog.products.getter"),
        // private and fileprivate declarations carry their file's discriminator.
        ("a.Routes.(customerName in _EFF83A1F47B777EA672D48C97C71346F)(Swift.Int) -> Swift.String", "a", "Routes.customerName(_:)"),
        (
            "(1) await resume partial function for a.Routes.(helper in _EFF83A1F47B777EA672D48C97C71346F)(label: Swift.Int) async throws -> Swift.Int",
            "a", "Routes.helper(label:)"
        ),
        (
            "closure #1 () -> Swift.Int in a.Routes.(load in _0A1B)(id: Swift.Int) -> Swift.Int", "a", "closure #1 in Routes.load(id:)"
        ),
    ] as [(String, String?, String)])
    func simplifiesDemangledNames(full: String, module: String?, expected: String) {
        #expect(SwiftDemangler.simplify(full, module: module) == expected)
    }

    @Test func demanglesThroughTheRuntime() {
        #expect(SwiftDemangler.demangle("$sSa6appendyyxnF")?.contains("Array.append") == true)
        #expect(SwiftDemangler.readableName("$sSa6appendyyxnF") == "Array.append(_:)")
        #expect(SwiftDemangler.readableName("plain_c_function") == "plain_c_function")
        #expect(SwiftDemangler.readableName("$s1a6RoutesV12customerName33_EFF83A1F47B777EA672D48C97C71346FLLySSSiF") == "Routes.customerName(_:)")
        #expect(SwiftDemangler.readableName("_ZN5swift34runJobInEstablishedExecutorContextEPNS_3JobE") == "swift::runJobInEstablishedExecutorContext")
    }

    @Test func libraryModulesAreTold() {
        let libraries = LibraryModules.default
        #expect(libraries.isLibrary(module: "NIOPosix", file: nil))
        #expect(libraries.isLibrary(module: "SQLKit", file: "/x/.build/checkouts/sql-kit/Sources/SQLKit/A.swift"))
        #expect(libraries.isLibrary(module: nil, file: nil))
        #expect(!libraries.isLibrary(module: "SlowShop", file: "/app/Sources/SlowShop/Orders.swift"))
        #expect(!libraries.isLibrary(module: "HotpathStacksTests", file: nil), "the app's tests are app code")
    }

    @Test func symbolicatesThisFunctionWithFileAndLine() {
        let site = Self.synchronousCaller()
        let frames = Symbolicator.shared.frames(site, asyncFrom: site.count)
        let mine = frames.first { $0.function.contains("synchronousCaller") }
        #expect(mine?.file?.hasSuffix("StacksTests.swift") == true, "frames: \(frames.map(\.function))")
        #expect(mine?.module == "HotpathStacksTests")
        #expect(mine?.isLibrary == false)
    }

    @inline(never)
    static func synchronousCaller() -> [UInt] {
        var addresses = [UInt](repeating: 0, count: 16)
        let count = addresses.withUnsafeMutableBufferPointer { Int(hotpath_capture_frames($0.baseAddress, 16)) }
        return Array(addresses.prefix(count))
    }

    /// Three async functions deep, each suspending first: the chain of async callers names
    /// the outermost app function too, once symbolicated in the background.
    @Test func asyncCallerIsFoundThroughSuspensions() async throws {
        var sites: [CallSite?] = []
        for _ in 0..<2 {
            sites.append(await Self.outer())
            await CallSites.shared.idle()
        }
        let site = try #require(sites[0])
        #expect(!site.isPending, "named once the symbolizer is idle")
        let first = try #require(site.innermost)
        #expect(first.location?.hasPrefix("HotpathStacksTests/StacksTests.swift:") == true, "\(site)")
        #expect(site.frames.contains { $0.function?.contains("middle") == true } && site.frames.contains { $0.function?.contains("outer") == true }, "the chain of app callers: \(site.chain(limit: 8))")
        // The same stack again: named at once, from the table.
        #expect(sites[1]?.isPending == false)
        #expect(sites[1] == site)
    }

    @inline(never) static func outer() async -> CallSite? {
        try? await Task.sleep(for: .milliseconds(1))
        return await middle()
    }

    @inline(never) static func middle() async -> CallSite? {
        try? await Task.sleep(for: .milliseconds(1))
        return await LibraryLikeCapture.capture()
    }

    /// Synchronous library code run by an async app function (an EventLoopFuture chain started
    /// by an await, as FluentKit's relations do): the walk goes on through the async callers.
    @Test func synchronousCaptureInATaskReachesTheAsyncCallers() async throws {
        let site = try #require(await Self.asyncOuter())
        await CallSites.shared.idle()
        #expect(!site.isPending)
        #expect(site.frames.contains { $0.function?.contains("asyncMiddle") == true }, "\(site.chain(limit: 8))")
        #expect(site.frames.contains { $0.function?.contains("asyncOuter") == true }, "\(site.chain(limit: 8))")
    }

    @inline(never) static func asyncOuter() async -> CallSite? {
        try? await Task.sleep(for: .milliseconds(1))
        return await asyncMiddle()
    }

    @inline(never) static func asyncMiddle() async -> CallSite? {
        try? await Task.sleep(for: .milliseconds(1))
        return syncLibraryWork()
    }

    @inline(never) static func syncLibraryWork() -> CallSite? {
        CallSites.shared.caller()
    }

    /// A pending call site names itself in every copy once its stack is named; the exact line
    /// of the direct caller stays first.
    @Test func pendingCallSitesResolveInPlace() {
        let frames = PendingFrames(id: 0xfeed)
        let site = CallSite.pending(frames, caller: "App/Routes.swift", line: 87)
        let copy = site
        #expect(site.isPending && site.frames.map(\.line) == [87])
        frames.resolve([
            SourceFrame(function: "HTTPClient.execute()", module: "AsyncHTTPClient", file: nil, line: nil, isLibrary: true),
            SourceFrame(function: "Routes.get(_:)", module: "App", file: "/src/App/Routes.swift", line: 86),
            SourceFrame(function: "Routes.quote()", module: "App", file: "/src/App/Routes.swift", line: 53),
        ])
        #expect(!copy.isPending)
        #expect(copy.frames.map(\.line) == [87, 53])
        #expect(copy.innermost?.function == "Routes.get(_:)")
        #expect(copy.chain() == "App/Routes.swift:87 (Routes.get(_:)) ← App/Routes.swift:53")
    }

    @Test func manyConcurrentCapturesNeverCrash() async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask { _ = await Self.outer() }
            }
        }
        await CallSites.shared.idle()
    }
}

/// Stands in for a database adapter: an async function whose own frame is not the answer.
enum LibraryLikeCapture {
    @inline(never) static func capture() async -> CallSite? {
        try? await Task.sleep(for: .milliseconds(1))
        return CallSites.shared.asyncCaller()
    }
}
