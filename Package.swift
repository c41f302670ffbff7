// swift-tools-version: 6.2
//
// swift-shared-nothing: one package, one library product per module.
//
// Every target is declared once below, through `target(_:_:)` (which picks its
// folder from its `Kind`); one library product is derived for each name in
// `publicModules`, so a user depends on exactly the module they need:
//
//     .product(name: "SNChannels", package: "swift-shared-nothing")
//
// Targets whose name starts with `C` (C shims, system libraries) or `_`
// (test support) get no product: they are not public API.
//
// swift-tools-version 6.2 is the minimum the code needs: the sources use
// `nonisolated(nonsending)` (SNChannels) and `Span`/`MutableSpan` (SNMemory,
// SNSimd), both Swift 6.2.

import PackageDescription

/// What a target is, which decides its folder and whether it gets a product.
enum Kind {
  /// A public module under `Modules/<Name>` with its own library product.
  case module
  /// A C shim or system-library target under `Modules/<Name>`, no product.
  case shim
  /// A helper target under `Tests/<Name>`, no product.
  case testSupport
  /// A test target under `Tests/<Name>`.
  case test
}

let swiftSettings: [SwiftSetting] = [
  .swiftLanguageMode(.v6),
  .enableUpcomingFeature("MemberImportVisibility"),
]

func target(
  _ name: String,
  _ kind: Kind,
  dependencies: [Target.Dependency] = [],
  exclude: [String] = [],
  cSettings: [CSetting] = [],
  linkerSettings: [LinkerSetting] = []
) -> Target {
  switch kind {
  case .module:
    return .target(
      name: name, dependencies: dependencies, path: "Modules/\(name)", exclude: exclude,
      cSettings: nil, swiftSettings: swiftSettings, linkerSettings: linkerSettings)
  case .shim:
    return .target(
      name: name, dependencies: dependencies, path: "Modules/\(name)", exclude: exclude,
      cSettings: cSettings, linkerSettings: linkerSettings)
  case .testSupport:
    return .target(
      name: name, dependencies: dependencies, path: "Tests/\(name)", exclude: exclude,
      swiftSettings: swiftSettings)
  case .test:
    return .testTarget(
      name: name, dependencies: dependencies, path: "Tests/\(name)", exclude: exclude,
      swiftSettings: swiftSettings)
  }
}

// MARK: - Shims

let shims: [Target] = [
  // futex, membarrier, CPU pause, affinity, gettid: what Swift cannot call directly.
  target("CSNShim", .shim)
]

// MARK: - SNAtomics and SNChannels

let channelModules: [Target] = [
  target("SNAtomics", .module, dependencies: ["CSNShim"]),
  target("SNChannels", .module, dependencies: ["SNAtomics"]),
  target("_SNTestSupport", .testSupport, dependencies: ["SNAtomics"]),
  target("SNAtomicsTests", .test, dependencies: ["SNAtomics", "_SNTestSupport"]),
  target("SNChannelsTests", .test, dependencies: ["SNChannels", "SNAtomics", "_SNTestSupport"]),
]

// MARK: - SNPartition

let partitionModules: [Target] = [
  target("SNPartition", .module),
  target("SNPartitionTests", .test, dependencies: ["SNPartition"]),
]

// MARK: - SNPool

let poolModules: [Target] = [
  // Only SNPool uses the server-ecosystem packages below: latency histograms,
  // swift-metrics export, swift-log warnings and swift-service-lifecycle `Service`.
  target(
    "SNPool", .module,
    dependencies: [
      "SNAtomics", "SNChannels", "SNPartition", "CSNShim",
      .product(name: "Histogram", package: "hdrhistogram-swift"),
      .product(name: "Logging", package: "swift-log"),
      .product(name: "Metrics", package: "swift-metrics"),
      .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
    ]),
  target(
    "SNPoolTests", .test,
    dependencies: [
      "SNPool", "SNPartition", "_SNTestSupport",
      .product(name: "MetricsTestKit", package: "swift-metrics"),
    ]),
]

// MARK: - SNMemory

let memoryModules: [Target] = [
  // mbind / move_pages via syscall, MADV_POPULATE_WRITE and MAP_HUGE_2MB values.
  target("CSNMemoryShim", .shim),
  // Opt-in system libraries, Linux only, behind the `Jemalloc` and `NUMA` traits.
  // Debian's libjemalloc is unprefixed: linking it replaces malloc for the whole process.
  .systemLibrary(
    name: "CJemalloc", path: "Modules/CJemalloc", pkgConfig: "jemalloc",
    providers: [.apt(["libjemalloc-dev"])]),
  .systemLibrary(
    name: "CNuma", path: "Modules/CNuma", pkgConfig: "numa", providers: [.apt(["libnuma-dev"])]),
  // SNAtomics: the one sysfs/procfs reader (NUMA nodes, huge pages), `SystemFiles`.
  target(
    "SNMemory", .module,
    dependencies: [
      "SNAtomics", "CSNMemoryShim",
      .target(name: "CJemalloc", condition: .when(platforms: [.linux], traits: ["Jemalloc"])),
      .target(name: "CNuma", condition: .when(platforms: [.linux], traits: ["NUMA"])),
    ]),
  // LeakSuppressions.txt: LSAN_OPTIONS for the AddressSanitizer pass in .ci/run.
  target(
    "SNMemoryTests", .test, dependencies: ["SNMemory", "_SNTestSupport"],
    exclude: ["LeakSuppressions.txt"]),
]

// MARK: - SNSimd

let simdModules: [Target] = [
  // AVX2/FMA kernels behind `__attribute__((target))`, picked at load time: no unsafe flags.
  target("CSNSimd", .shim),
  target("SNSimd", .module, dependencies: ["CSNSimd"]),
  target("SNSimdTests", .test, dependencies: ["SNSimd", "CSNSimd"]),
]

// MARK: - Tools: sn

// `sn topology | advise | demo`: the user-facing command-line tool. SNToolKit holds
// the logic (so tests drive it), `sn` is the entry point; neither is a library
// product. Only these targets use swift-argument-parser.
let snTool: [Target] = [
  .target(
    name: "SNToolKit",
    dependencies: [
      "SNAtomics", "SNChannels", "SNPartition", "SNPool", "SNMemory", "SNSimd",
      .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ],
    path: "Tools/SNTool", swiftSettings: swiftSettings),
  .executableTarget(
    name: "sn", dependencies: ["SNToolKit"], path: "Tools/sn", swiftSettings: swiftSettings),
  .testTarget(
    name: "SNToolTests",
    dependencies: [
      "SNToolKit", "SNPool", "_SNTestSupport",
      .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ],
    path: "Tests/SNToolTests", resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
]

// MARK: - SNCluster

// key → node → worker across processes, over grpc-swift-2 (HTTP/2 bidirectional
// streams). Only this module, its tests and its node helper use gRPC, and only
// with the `Cluster` trait (on by default): a package that uses SNChannels alone
// never builds gRPC, and CI's sanitizer/trait/stress passes turn the trait off
// (`--disable-default-traits`) so gRPC is built once per configuration that needs it.
let grpcCore = Target.Dependency.product(
  name: "GRPCCore", package: "grpc-swift-2", condition: .when(traits: ["Cluster"]))
let grpcTransport = Target.Dependency.product(
  name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport",
  condition: .when(traits: ["Cluster"]))
let clusterModules: [Target] = [
  target("SNCluster", .module, dependencies: ["SNPartition", "SNPool", grpcCore, grpcTransport]),
  target(
    "_SNClusterTestSupport", .testSupport, dependencies: ["SNCluster", "SNPool", "SNPartition"]),
  // A node as a separate process, for the three-process and kill tests.
  .executableTarget(
    name: "SNClusterNode", dependencies: ["SNCluster", "SNPool", "_SNClusterTestSupport"],
    path: "Tests/SNClusterNode", swiftSettings: swiftSettings),
  // Messages/s against bare grpc-swift in the same run, and hop latency:
  // `swift run -c release SNClusterBenchmark` (a plain executable: the harness
  // in Benchmarks/ would build gRPC a second time in release for every CI run).
  .executableTarget(
    name: "SNClusterBenchmark",
    dependencies: ["SNCluster", "SNPool", "SNAtomics", grpcCore, grpcTransport],
    path: "Tools/SNClusterBenchmark", swiftSettings: swiftSettings),
  // `sn demo`'s aggregation across N local node processes, checked against one thread.
  .executableTarget(
    name: "SNClusterDemo", dependencies: ["SNCluster", "SNPool", "SNToolKit"],
    path: "Tools/SNClusterDemo", swiftSettings: swiftSettings),
  target(
    "SNClusterTests", .test,
    dependencies: [
      "SNCluster", "SNPool", "SNPartition", "_SNClusterTestSupport", "SNClusterNode",
    ]),
]

// MARK: - Umbrella

let umbrella: [Target] = [
  target(
    "SharedNothing", .module,
    dependencies: ["SNAtomics", "SNChannels", "SNPartition", "SNPool", "SNMemory", "SNSimd"])
]

// MARK: - Plugins

// `swift package benchmark` at the root: the command plugin drives the nested
// Benchmarks/ package (ordo-one/benchmark lives only there, so `swift test` and
// library users never build it) and gates the results with `BenchmarkGate`, a
// dependency-free tool under Tools/. Not a product: a plugin product with the
// verb `benchmark` would clash with the harness's own plugin ("2 plugins found").
let plugins: [Target] = [
  .target(name: "BenchmarkGateKit", path: "Tools/BenchmarkGateKit", swiftSettings: swiftSettings),
  .executableTarget(
    name: "BenchmarkGate", dependencies: ["BenchmarkGateKit"], path: "Tools/BenchmarkGate",
    swiftSettings: swiftSettings),
  .testTarget(
    name: "BenchmarkGateTests", dependencies: ["BenchmarkGateKit"],
    path: "Tests/BenchmarkGateTests", resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
  .plugin(
    name: "BenchmarkCommand",
    capability: .command(
      intent: .custom(
        verb: "benchmark",
        description: "Run the suites in Benchmarks/, gate them on the baselines, chart them")
    ),
    dependencies: ["BenchmarkGate"],
    path: "Plugins/BenchmarkCommand"),
]

let allTargets =
  plugins + shims + channelModules + partitionModules + poolModules + memoryModules
  + simdModules + clusterModules + umbrella + snTool

let publicModules = [
  "SNAtomics", "SNChannels", "SNPartition", "SNPool", "SNMemory", "SNSimd", "SNCluster",
  "SharedNothing",
]

let package = Package(
  name: "swift-shared-nothing",
  platforms: [.macOS(.v15)],
  products: publicModules.map { .library(name: $0, targets: [$0]) },
  traits: [
    .trait(
      name: "Jemalloc",
      description:
        "SNMemory.JemallocArena over the system libjemalloc (Linux; needs libjemalloc-dev). "
        + "Debian's jemalloc is unprefixed: linking it replaces malloc for the whole process."),
    .trait(
      name: "NUMA",
      description:
        "SNMemory NUMA placement through the system libnuma (Linux; needs libnuma-dev). "
        + "Without it the same API uses sysfs and the mbind/move_pages system calls."),
    .trait(
      name: "Cluster",
      description:
        "SNCluster over grpc-swift-2 (on by default). Only SNCluster's users build gRPC; "
        + "`--disable-default-traits` compiles SNCluster empty and builds no gRPC at all."),
    .default(enabledTraits: ["Cluster"]),
  ],
  // The first four are used by SNPool alone and swift-argument-parser by the `sn`
  // tool alone; SNAtomics, SNChannels, SNPartition, SNMemory and SNSimd build with
  // the toolchain only (SwiftPM still resolves these packages for every user).
  dependencies: [
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),  // sn only
    // SNCluster only (trait `Cluster`): HTTP/2 streams between nodes.
    .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
    // `swift package generate-documentation` (CI builds every DocC catalog with it).
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
  ],
  targets: allTargets
)
