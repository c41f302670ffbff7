// swift-tools-version: 6.2
//
// The benchmark suites, kept in a nested package so that the library and a
// plain `swift test` at the root never build ordo-one/benchmark.
// Run from the root with `swift package benchmark` (the root's command plugin
// forwards here), or directly: `swift package --package-path Benchmarks benchmark`.

import PackageDescription

/// One executable per suite, at `Benchmarks/<Suite>/`, named after what it measures.
/// Only suites live there: the harness runs every executable in that folder.
/// Everything else (shared workloads, plain executables) is under `Support/`.
func suite(_ name: String, _ modules: [String], extra: [Target.Dependency] = []) -> Target {
  .executableTarget(
    name: name,
    dependencies: modules.map { .product(name: $0, package: "swift-shared-nothing") } + extra + [
      "BenchmarkSupport", .product(name: "Benchmark", package: "benchmark"),
    ],
    path: "Benchmarks/\(name)",
    swiftSettings: [.swiftLanguageMode(.v6)],
    plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
  )
}

let package = Package(
  name: "benchmarks",
  platforms: [.macOS(.v15)],
  // `Jemalloc` (on by default) turns on the root package's `Jemalloc` trait, so
  // that `swift package benchmark` measures SNMemory's jemalloc arenas too. It
  // needs libjemalloc-dev (Linux). Only the Memory suite links SNMemory, so only
  // its process switches to jemalloc as `malloc` (Debian's build is unprefixed);
  // Memory calls glibc's allocator by its own names for the glibc figures.
  // Without jemalloc installed: `swift package --package-path Benchmarks
  // --disable-default-traits benchmark` (Memory then measures glibc alone).
  traits: [
    .trait(
      name: "Jemalloc",
      description:
        "Build SNMemory with its Jemalloc trait (needs libjemalloc-dev): the Memory suite "
        + "then measures JemallocArena, and jemalloc is that process's malloc."),
    .default(enabledTraits: ["Jemalloc"]),
  ],
  dependencies: [
    // Named explicitly: a bare path dependency takes the checkout folder's name.
    .package(
      name: "swift-shared-nothing", path: "../",
      traits: [.trait(name: "Jemalloc", condition: .when(traits: ["Jemalloc"]))]),
    .package(
      url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    // Only for the AsyncChannel comparison in message_passing; the library never depends on it.
    .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
  ],
  targets: [
    // Quick mode and metric declarations, shared by every suite (`suite { ... }`).
    .target(
      name: "BenchmarkSupport",
      dependencies: [.product(name: "Benchmark", package: "benchmark")],
      path: "Support/BenchmarkSupport",
      swiftSettings: [.swiftLanguageMode(.v6)]),
    // MARK: - message_passing (SNChannels)
    .target(
      name: "MessagePassingWorkloads",
      dependencies: [
        .product(name: "SNChannels", package: "swift-shared-nothing"),
        .product(name: "SNAtomics", package: "swift-shared-nothing"),
      ],
      path: "Support/MessagePassingWorkloads",
      swiftSettings: [.swiftLanguageMode(.v6)]),
    suite(
      "MessagePassing", ["SNChannels", "SNAtomics"],
      extra: [
        "MessagePassingWorkloads",
        .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
      ]),
    // The same workloads as plain lines beside ../shared/peers (C++ queues), for ratios.
    .executableTarget(
      name: "ChannelPeers",
      dependencies: ["MessagePassingWorkloads"],
      path: "Support/ChannelPeers",
      swiftSettings: [.swiftLanguageMode(.v6)]),
    // One channel hot path on one thread, for callgrind's instruction counts
    // (Tools/ci/instruction-gate.sh). A plain executable, so not under Benchmarks/.
    .executableTarget(
      name: "InstructionCounts",
      dependencies: [
        .product(name: "SNChannels", package: "swift-shared-nothing"),
        .product(name: "SNPool", package: "swift-shared-nothing"),
      ],
      path: "Support/InstructionCounts",
      swiftSettings: [.swiftLanguageMode(.v6)]),
    // MARK: - partition (SNPartition)
    suite("Partition", ["SNPartition"]),
    // MARK: - simd (SNSimd)
    suite("Simd", ["SNSimd"]),
    // MARK: - memory (SNMemory)
    suite("Memory", ["SNMemory"]),
    // MARK: - worker_pool (SNPool)
    suite("WorkerPool", ["SNPool", "SNChannels", "SNPartition", "SNAtomics"]),
    // MARK: - gate self-test (no library module: exercises the regression gate)
    suite("GateSelfTest", []),
  ]
)
