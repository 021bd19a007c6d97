// swift-tools-version:6.0
import PackageDescription

/// Build the engine for this machine's CPU, so the compiler may vectorize with its full SIMD width
/// (AVX2/AVX-512 and FMA instead of baseline SSE2). Quire is built where it runs.
let nativeCPU: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=native"], .when(platforms: [.linux]))]

/// The release builds of the engine (`QuireTensor`) and the `Quire` umbrella are resilient: with library
/// evolution, a client such as a notebook program never loads the C modules they import `internal`ly
/// (OpenBLAS, libpng), so `swiftc -I .build/release/Modules` is all the cell compiler needs.
/// Debug builds (the test suite) stay non-resilient.
let notebookVisible: [SwiftSetting] = [.unsafeFlags(["-enable-library-evolution", "-no-verify-emitted-module-interface"], .when(configuration: .release))]

let package = Package(
    name: "Quire",
    products: [
        .executable(name: "quire", targets: ["QuireCLI"]),
        .library(name: "QuireTensor", targets: ["QuireTensor"]),
        .library(name: "QuireNN", targets: ["QuireNN"]),
        // What a notebook program links: the `Quire` umbrella (engine + notebook helpers) as one shared library.
        .library(name: "QuireEngine", type: .dynamic, targets: ["Quire"]),
        .library(name: "QuireNotebook", targets: ["QuireNotebook"]),
        .library(name: "QuireOptim", targets: ["QuireOptim"]),
        .library(name: "QuirePlot", targets: ["QuirePlot"]),
        .library(name: "QuireMetrics", targets: ["QuireMetrics"]),
        .library(name: "QuireKernels", targets: ["QuireKernels"]),
        .library(name: "QuireData", targets: ["QuireData"]),
        .library(name: "QuireCheckpoint", targets: ["QuireCheckpoint"]),
        .library(name: "QuireTesting", targets: ["QuireTesting"]),
        .library(name: "QuireDistributions", targets: ["QuireDistributions"]),
        .library(name: "QuireDistributed", targets: ["QuireDistributed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        // Only for `quire watch`'s local server (QuireServe); the runner library and the engine never link it.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    ],
    targets: [
        // C libraries from Debian, found through pkg-config.
        .systemLibrary(name: "CCmark", pkgConfig: "libcmark", providers: [.apt(["libcmark-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),

        // The engine.
        .target(name: "QuireTensor", dependencies: ["COpenBLAS", "CQuireFused"], swiftSettings: nativeCPU + notebookVisible),

        // Flax-NNX-style modules: Module/Param reflection, state/load by path, layers, valueAndGrad(of:).
        .target(name: "QuireNN", dependencies: ["QuireTensor", "QuireOptim", "QuireKernels"], swiftSettings: notebookVisible),

        // The umbrella a notebook imports: the engine re-exported, plus display/table/markdown/image and the
        // event channel to the runner. Built as the dynamic product `QuireEngine`.
        .target(name: "Quire", dependencies: ["QuireTensor", "QuireOptim", "QuireNN", "QuireData", "QuirePlot", "QuireMetrics", "QuireKernels", "QuireCheckpoint",
                                              "QuireTesting", "QuireDistributions", "QuireDistributed",
                                              .product(name: "Crypto", package: "swift-crypto")], swiftSettings: notebookVisible),

        // Optax-style optimizers: gradient transformations over path-keyed tensors, schedules, losses.
        .target(name: "QuireOptim", dependencies: ["QuireTensor", "CQuireFused"], swiftSettings: nativeCPU + notebookVisible),

        // Fused loops in C that Swift will not vectorize well: vector square roots (Swift's sqrt is a libm
        // call LLVM will not widen) and the transformer's exp/tanh row loops, 16 lanes wide where the CPU
        // has AVX-512. No FMA contraction, so they round exactly as the Swift formulas.
        .target(name: "CQuireFused", cSettings: [.unsafeFlags(["-O3", "-march=native", "-mprefer-vector-width=512",
                                                               "-fno-math-errno", "-ffp-contract=off"])]),

        // Charts drawn with Cairo (DejaVu Sans text) into RGBA and encoded as PNG with libpng; both C modules internal.
        .target(name: "QuirePlot", dependencies: ["QuireTensor", "CCairo", "CPNG"], swiftSettings: notebookVisible),

        // clu/wandb-style metrics: accumulators, the run log (JSON Lines, CSV, TensorBoard events), progress.
        .target(name: "QuireMetrics", dependencies: ["QuireTensor"], swiftSettings: notebookVisible),

        // Pallas-style kernels: traced to a small IR, run by a reference interpreter or compiled to C with clang.
        .target(name: "QuireKernels", dependencies: ["QuireTensor"], swiftSettings: notebookVisible),

        // Grain-style data pipeline: sources (arrays, CSV, JSON Lines, IDX, PNG folders, safetensors), random-access
        // `MapDataset` with a lazy global shuffle, streaming `IterDataset`, prefetch threads, checkpointable
        // iterators, sharding. PNG through libpng, imported internally.
        .target(name: "QuireData", dependencies: ["QuireTensor", "QuireCheckpoint", "CPNG"], swiftSettings: nativeCPU + notebookVisible),
        // Orbax-style checkpoints: safetensors files, step directories committed atomically, CheckpointManager.
        .target(name: "QuireCheckpoint", dependencies: ["QuireTensor", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: notebookVisible),

        // chex-style asserts (shapes, dtypes, trees of tensors, finiteness), a finite-difference gradient
        // checker and test variants; they throw typed errors, so they work in XCTest and in notebook cells.
        .target(name: "QuireTesting", dependencies: ["QuireTensor", "QuireNN"], swiftSettings: notebookVisible),

        // distrax-style distributions (sample, logProb, entropy, moments, KL) and bijectors over Tensor ops,
        // so reparameterized samples carry gradients.
        .target(name: "QuireDistributions", dependencies: ["QuireTensor"], swiftSettings: notebookVisible),
        // Data-parallel training over Open MPI: world, collectives, gradient all-reduce, cross-rank checkpoints.
        // CMPI is imported `internal`ly, so notebooks compile with `-I Modules` alone.
        .target(name: "QuireDistributed", dependencies: ["QuireTensor", "QuireOptim", "QuireNN", "QuireData", "QuireCheckpoint", "CMPI"],
                swiftSettings: notebookVisible),

        // The notebook runner: parse, generate, build, run, render. It never imports the engine.
        .target(
            name: "QuireNotebook",
            dependencies: [
                "CCmark",
                "CPNG",   // internal: scales the figures `quire publish` shows as thumbnails
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),

        // `quire watch`'s local server: serves one report folder, live reload over server-sent events.
        // Kept apart so QuireNotebook and the engine stay free of server dependencies.
        .target(name: "QuireServe", dependencies: [.product(name: "Hummingbird", package: "hummingbird")]),

        // The command-line tool.
        .executableTarget(
            name: "QuireCLI",
            dependencies: [
                "QuireTensor",
                "QuireNN",
                "QuireOptim",
                "QuireKernels",
                "QuireData",
                "QuireCheckpoint",
                "QuireDistributed",
                "QuireNotebook",
                "QuireServe",
                "COpenBLAS",   // benchmarks time OpenBLAS's own threaded sgemm as the baseline
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // What every test target shares (assertClose, TestRNG, temporaryDirectory, assertSnapshot): one copy,
        // as swift-argument-parser's ArgumentParserTestHelpers. See Tests/QuireTestSupport/Closeness.swift.
        .target(name: "QuireTestSupport", dependencies: ["QuireTensor"], path: "Tests/QuireTestSupport"),

        .testTarget(name: "QuireTensorTests", dependencies: ["QuireTensor", "QuireTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "QuireNNTests", dependencies: ["QuireNN", "QuireOptim", "QuireData", "QuireCheckpoint", "QuireTestSupport"], exclude: ["Snapshots", "Fixtures"]),
        .testTarget(name: "QuireDataTests", dependencies: ["QuireData", "QuireCheckpoint", "QuireTensor", "CPNG", "QuireTestSupport"]),
        .testTarget(name: "QuireTests", dependencies: ["Quire", "QuireTestSupport"]),
        .testTarget(name: "QuireOptimTests", dependencies: ["QuireOptim", "QuireTensor", "QuireTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "QuireNotebookTests", dependencies: ["QuireNotebook", "QuireTestSupport"], exclude: ["Fixtures", "Snapshots"]),
        .testTarget(name: "QuireServeTests", dependencies: ["QuireServe"]),
        .testTarget(name: "QuirePlotTests", dependencies: ["QuirePlot", "QuireTensor", "QuireTestSupport"], exclude: ["Golden"]),
        .testTarget(name: "QuireMetricsTests", dependencies: ["QuireMetrics", "QuireTensor"]),
        .testTarget(name: "QuireKernelsTests", dependencies: ["QuireKernels", "QuireTensor", "QuireTestSupport"], exclude: ["Snapshots"]),
        .testTarget(name: "QuireCheckpointTests",
                    dependencies: ["QuireCheckpoint", "QuireNN", "QuireOptim", "QuireTensor", "QuireTestSupport"]),
        .testTarget(name: "QuireTestingTests", dependencies: ["QuireTesting", "QuireTensor", "QuireNN"]),
        .testTarget(name: "QuireDistributionsTests", dependencies: ["QuireDistributions", "QuireTesting", "QuireTensor"], exclude: ["Fixtures"]),
        .testTarget(name: "QuireDistributedTests", dependencies: ["QuireDistributed", "QuireNN", "QuireOptim", "QuireData", "QuireCheckpoint", "QuireTensor", "QuireTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CCmark", "CPNG", "CCairo", "COpenBLAS"]),
    ]
)
