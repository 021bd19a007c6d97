// swift-tools-version:6.0
import PackageDescription

/// Build the engine for this machine's CPU, so the compiler may vectorize with its full SIMD width
/// (AVX2/AVX-512 and FMA instead of baseline SSE2). Quire is built where it runs.
let nativeCPU: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=native"], .when(platforms: [.linux]))]

let package = Package(
    name: "Quire",
    products: [
        .executable(name: "quire", targets: ["QuireCLI"]),
        .library(name: "QuireTensor", targets: ["QuireTensor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries from Debian, found through pkg-config.
        .systemLibrary(name: "CCmark", pkgConfig: "libcmark", providers: [.apt(["libcmark-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),

        // The engine.
        .target(name: "QuireTensor", dependencies: ["COpenBLAS"], swiftSettings: nativeCPU),

        // The command-line tool.
        .executableTarget(
            name: "QuireCLI",
            dependencies: [
                "QuireTensor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "QuireTensorTests", dependencies: ["QuireTensor"], exclude: ["Fixtures"]),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CCmark", "CPNG", "CCairo", "COpenBLAS"]),
    ]
)
