// swift-tools-version:6.0
import PackageDescription

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
        .target(name: "QuireTensor", dependencies: ["COpenBLAS"]),

        // The command-line tool.
        .executableTarget(
            name: "QuireCLI",
            dependencies: [
                "QuireTensor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "QuireTensorTests", dependencies: ["QuireTensor"]),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CCmark", "CPNG", "CCairo", "COpenBLAS"]),
    ]
)
