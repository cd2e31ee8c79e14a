// swift-tools-version: 6.0
import PackageDescription

// Heavy dependencies stay in the targets that need them: the core `Hotpath`
// module depends on HdrHistogram only, so users of the recorder do not pay for
// SwiftNIO or BoringSSL.
let package = Package(
    name: "Hotpath",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Hotpath", targets: ["Hotpath"]),
        .library(name: "HotpathLoad", targets: ["HotpathLoad"]),
        .library(name: "HotpathServing", targets: ["HotpathServing"]),
        .library(name: "HotpathHummingbird", targets: ["HotpathHummingbird"]),
        .library(name: "HotpathVapor", targets: ["HotpathVapor"]),
        .library(name: "HotpathStacks", targets: ["HotpathStacks"]),
        .library(name: "HotpathWatchdog", targets: ["HotpathWatchdog"]),
        .library(name: "HotpathSQL", targets: ["HotpathSQL"]),
        .library(name: "HotpathPostgres", targets: ["HotpathPostgres"]),
        .library(name: "HotpathFluent", targets: ["HotpathFluent"]),
        .library(name: "HotpathProfiler", targets: ["HotpathProfiler"]),
        .library(name: "HotpathHTTPClient", targets: ["HotpathHTTPClient"]),
        .library(name: "HotpathDiagnose", targets: ["HotpathDiagnose"]),
        .executable(name: "hotpath", targets: ["hotpath"]),
    ],
    dependencies: [
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/vapor", from: "4.122.3"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/vapor/fluent-kit", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver", from: "2.14.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-service-context", from: "1.5.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "Hotpath",
            dependencies: [
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .target(
            name: "HotpathLoad",
            dependencies: [
                "Hotpath",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        // What every framework's middleware does (report routes, token, recording, ?profile=1),
        // written once; the adapters below translate their framework's types.
        .target(name: "HotpathServing", dependencies: ["Hotpath", "HotpathProfiler"]),
        // Framework adapters: each in its own target, so an app pays only for its framework.
        .target(
            name: "HotpathHummingbird",
            dependencies: [
                "Hotpath",
                "HotpathProfiler",
                "HotpathServing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "HotpathVapor",
            dependencies: [
                "Hotpath",
                "HotpathProfiler",
                "HotpathServing",
                .product(name: "Vapor", package: "vapor"),
            ]
        ),
        // Stack capture (async callers, frame-pointer walks) and symbolication, for call sites,
        // the watchdog and the profiler.
        .target(name: "CHotpathStacks", linkerSettings: [.linkedLibrary("stdc++", .when(platforms: [.linux]))]),
        .target(name: "HotpathStacks", dependencies: ["Hotpath", "CHotpathStacks"]),
        // Signal-safe stack capture, in two parts: the profiler's sampler (a pacing thread, the
        // SIGPROF handler's walks into a preallocated ring: hotpath_sampler.h) and the
        // watchdog's look at threads (one-off captures, CPU clocks, /proc state: hotpath_threads.h).
        .target(name: "CHotpathSampler", dependencies: ["CHotpathStacks"]),
        // The blocking watchdog: worker threads held past a threshold, attributed to requests.
        .target(name: "HotpathWatchdog", dependencies: ["Hotpath", "HotpathStacks", "CHotpathSampler"]),
        // Database capture: wraps any SQLKit database (SQLiteKit, PostgresKit, Fluent's SQL drivers).
        .target(
            name: "HotpathSQL",
            dependencies: [
                "Hotpath",
                "HotpathStacks",
                .product(name: "SQLKit", package: "sql-kit"),
            ]
        ),
        // PostgreSQL: PostgresClient capture and the EXPLAIN / hypopg advisor.
        .target(
            name: "HotpathPostgres",
            dependencies: [
                "Hotpath",
                "HotpathSQL",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Fluent capture: one line wraps any Fluent database configuration. Its own target, so
        // only Fluent apps build FluentKit.
        .target(
            name: "HotpathFluent",
            dependencies: [
                "Hotpath",
                "HotpathSQL",
                "HotpathStacks",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQL", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Sampling profiles: the model, the call tree and its renderers (text, HTML,
        // speedscope, collapsed stacks, pprof), and the sampler's Swift side. No NIO.
        .target(
            name: "HotpathProfiler",
            dependencies: ["Hotpath", "HotpathStacks", "CHotpathSampler"]
        ),
        // Outbound HTTP capture: an AsyncHTTPClient wrapper and a swift-distributed-tracing tracer.
        .target(
            name: "HotpathHTTPClient",
            dependencies: [
                "Hotpath",
                "HotpathStacks",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceContextModule", package: "swift-service-context"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The diagnosis: its model, the engine that measures a server endpoint by endpoint, and
        // its renderers (text, HTML). Load and profiles come in as data; no server framework.
        .target(
            name: "HotpathDiagnose",
            dependencies: ["Hotpath", "HotpathLoad", "HotpathProfiler"]
        ),
        // The example app the demo and the tests diagnose: every suspect of the method planted
        // in its own endpoint, each with a fixed twin, on SQLite and a local partner API.
        .target(
            name: "SlowShop",
            dependencies: [
                "Hotpath",
                "HotpathHummingbird",
                "HotpathSQL",
                "HotpathHTTPClient",
                "HotpathWatchdog",
                "HotpathProfiler",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "hotpath",
            dependencies: [
                "Hotpath",
                "HotpathLoad",
                "HotpathProfiler",
                "HotpathDiagnose",
                "HotpathStacks",
                "SlowShop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Small HTTP servers with planted behaviour (delays, stalls, resets, TLS)
        // that the tests of several modules drive over loopback.
        .target(
            name: "HotpathTestSupport",
            dependencies: [
                "HotpathStacks",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            path: "Tests/Support"
        ),
        .testTarget(name: "HotpathTests", dependencies: ["Hotpath"]),
        .testTarget(name: "HotpathStacksTests", dependencies: ["HotpathStacks"]),
        .testTarget(
            name: "HotpathWatchdogTests",
            dependencies: [
                "HotpathWatchdog",
                "HotpathHummingbird",
                "HotpathTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "HotpathProfilerTests",
            dependencies: ["HotpathProfiler", "HotpathStacks", "CHotpathSampler", "HotpathTestSupport"],
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "HotpathHummingbirdTests",
            dependencies: [
                "HotpathHummingbird",
                "HotpathProfiler",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "HotpathSQLTests",
            dependencies: [
                "HotpathSQL",
                "HotpathStacks",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
            ]
        ),
        // A Vapor + Fluent app Hotpath was not written for (a library's catalogue on SQLite), with
        // Fluent-shaped problems planted and clean twins.
        .testTarget(
            name: "HotpathFluentTests",
            dependencies: [
                "HotpathFluent",
                "HotpathVapor",
                "HotpathLoad",
                "HotpathTestSupport",
                "HotpathStacks",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
            ]
        ),
        .testTarget(
            name: "HotpathPostgresTests",
            dependencies: ["HotpathPostgres", "HotpathTestSupport"]
        ),
        .testTarget(
            name: "HotpathHTTPClientTests",
            dependencies: [
                "HotpathHTTPClient",
                "HotpathHummingbird",
                "HotpathTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        // The middlewares' shared behaviour, once per framework.
        .testTarget(
            name: "HotpathServingTests",
            dependencies: [
                "HotpathHummingbird",
                "HotpathVapor",
                "HotpathProfiler",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // A hello-world Hummingbird server with and without the middleware, for
        // Benchmarks/middleware-overhead.sh, and the recorder micro-benchmark.
        .executableTarget(
            name: "hotpath-bench",
            dependencies: [
                "CHotpathSampler",
                "HotpathHummingbird",
                "HotpathProfiler",
                "HotpathWatchdog",
                "HotpathSQL",
                "HotpathFluent",
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
            ],
            path: "Benchmarks/Harness"
        ),
        .testTarget(
            name: "HotpathLoadTests",
            dependencies: ["HotpathLoad", "HotpathTestSupport"]
        ),
        // A second example app for the diagnosis tests, written apart from SlowShop (a clinic's
        // booking desk): planted problems in other shapes, each with a clean twin, and traps.
        .executableTarget(
            name: "ClinicDesk",
            dependencies: [
                "Hotpath",
                "HotpathHummingbird",
                "HotpathSQL",
                "HotpathHTTPClient",
                "HotpathWatchdog",
                "HotpathProfiler",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Apps/ClinicDesk"
        ),
        .testTarget(
            name: "HotpathDiagnoseTests",
            dependencies: [
                "HotpathDiagnose", "HotpathTestSupport", "SlowShop", "hotpath", "ClinicDesk",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "hotpathCLITests",
            dependencies: ["hotpath", "hotpath-bench", "HotpathLoad", "HotpathStacks", "HotpathTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
