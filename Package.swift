// swift-tools-version: 6.0
import PackageDescription

// Heavy dependencies stay in the targets that need them: the core `Hotpath`
// module depends on HdrHistogram only, so users of the recorder do not pay for
// SwiftNIO or BoringSSL.
let package = Package(
    name: "Hotpath",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Hotpath", targets: ["Hotpath"]),
        .library(name: "HotpathLoad", targets: ["HotpathLoad"]),
        .executable(name: "hotpath", targets: ["hotpath"]),
    ],
    dependencies: [
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
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
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        .executableTarget(
            name: "hotpath",
            dependencies: [
                "Hotpath",
                "HotpathLoad",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Small HTTP servers with planted behaviour (delays, stalls, resets, TLS)
        // that the tests of several modules drive over loopback.
        .target(
            name: "HotpathTestSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            path: "Tests/Support"
        ),
        .testTarget(name: "HotpathTests", dependencies: ["Hotpath"]),
        .testTarget(
            name: "HotpathLoadTests",
            dependencies: ["HotpathLoad", "HotpathTestSupport"]
        ),
        .testTarget(
            name: "hotpathCLITests",
            dependencies: ["hotpath", "HotpathTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
