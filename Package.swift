// swift-tools-version:6.0
// hopscope: watch a language model answer a two-hop question, layer by layer.
import PackageDescription

/// Optimised even in debug builds: the numeric kernels would otherwise make tests crawl.
let fastC: [CSetting] = [.unsafeFlags(["-O3", "-fno-math-errno"])]

let package = Package(
    name: "hopscope",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hopscope", targets: ["hopscope"]),
        .library(name: "Analysis", targets: ["Analysis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // System libraries, found through pkg-config.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CNCursesW", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),
        // The innermost quantized kernels: SIMD behind runtime CPU dispatch, scalar fallback.
        .target(name: "CKernels", cSettings: fastC),
        // GGUF → Model → Analysis → (Explorer | CLI | Server), one way; Wire is the protocol between Server and Explorer.
        .target(name: "GGUF", dependencies: ["CKernels"]),
        .target(name: "Model", dependencies: ["GGUF", "CKernels", "COpenBLAS"]),
        .target(name: "Analysis", dependencies: ["Model"]),
        // The workshop protocol (messages, socket, client), spoken by the server and the explorer.
        .target(name: "Wire", dependencies: ["Analysis"]),
        .target(name: "Server", dependencies: ["Analysis", "Wire"]),
        .target(name: "Explorer", dependencies: ["Analysis", "Wire", "CNCursesW", "TOMLKit"]),   // imports Analysis and Wire, never Model
        .target(name: "HopscopeCLI", dependencies: [
            "GGUF", "Model", "Analysis", "Explorer", "Wire", "Server",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "hopscope", dependencies: ["HopscopeCLI"]),
        // Tests.
        .target(name: "TestSupport", dependencies: ["GGUF", "Model"], path: "Tests/TestSupport"),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF", "CKernels", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "TestSupport"]),
        .testTarget(name: "ExplorerTests", dependencies: ["Explorer", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["HopscopeCLI", "GGUF", "CKernels", "TestSupport"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "Wire", "Analysis", "Model", "GGUF", "TestSupport"]),
    ],
    // Swift 5 mode: the numeric code shares raw pointers across worker threads by design.
    swiftLanguageModes: [.v5]
)
