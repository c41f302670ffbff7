// What every suite in Benchmarks/Benchmarks shares: the quick mode and the
// declaration of its custom metrics' polarity for the gate. Each suite defines
//
//     let benchmarks: @Sendable () -> Void = suite { ... register benchmarks ... }
//
// so both apply to every benchmark it registers, whatever configuration each
// one was given.

// `Benchmark.benchmarks` (the registry) is a plain static var; the harness
// registers and reads it on one thread, before any benchmark runs.
@preconcurrency import Benchmark
import Foundation

/// Wraps a suite's registration closure: registers the benchmarks, then caps
/// them in quick mode and writes their metric declarations when asked to.
///
/// - Parameter register: The suite's own registration (sets
///   `Benchmark.defaultConfiguration`, creates `Benchmark`s).
/// - Returns: The closure the harness calls as `benchmarks`.
public func suite(_ register: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
  {
    register()
    QuickMode.apply(to: Benchmark.benchmarks)
    MetricDeclarations.writeIfRequested(Benchmark.benchmarks)
  }
}

/// A short run of every benchmark, for CI and for checking that the suites
/// work: `SN_BENCHMARK_QUICK=1 swift package benchmark` (or the plugin's
/// `--quick`). Each benchmark keeps its metrics but runs at most
/// ``maxIterations`` measured iterations (after at most one warm-up) and stops
/// after ``maxDuration``, so figures from a quick run are not for comparison.
public enum QuickMode {
  /// The environment variable that turns quick mode on (`1`).
  public static let variable = "SN_BENCHMARK_QUICK"
  /// Measured iterations per benchmark in quick mode.
  public static let maxIterations = 3
  /// Wall-clock cap per benchmark in quick mode.
  public static let maxDuration = Duration.milliseconds(300)

  /// Whether the environment asks for quick mode.
  public static var isEnabled: Bool {
    ProcessInfo.processInfo.environment[variable] == "1"
  }

  /// The work per iteration for a suite whose iterations are long: `count` in
  /// a full run, a tenth of it (at least 1) in quick mode, where an iteration
  /// of two spinning threads can take seconds on a loaded 2-core machine.
  /// - Parameter count: Messages, rounds or elements per iteration in a full run.
  /// - Returns: The count to use in this run.
  public static func scaled(_ count: Int) -> Int { isEnabled ? max(1, count / 10) : count }

  /// Caps each benchmark's iterations, warm-ups and duration when quick mode is on.
  /// - Parameter benchmarks: The registered benchmarks.
  public static func apply(to benchmarks: [Benchmark]) {
    guard isEnabled else { return }
    for benchmark in benchmarks {
      benchmark.configuration.maxIterations = min(
        benchmark.configuration.maxIterations, maxIterations)
      benchmark.configuration.maxDuration = min(benchmark.configuration.maxDuration, maxDuration)
      benchmark.configuration.warmupIterations = min(benchmark.configuration.warmupIterations, 1)
    }
  }
}

/// Writes `<Target>.metrics.json` into the folder named by
/// `SN_BENCHMARK_METRICS_OUT`: each custom metric's exported name (spaces
/// removed, as package-benchmark's influx export spells it) and whether a
/// larger value is better. The gate (Tools/BenchmarkGateKit) reads it, so a
/// metric's direction is stated once, where `BenchmarkMetric.custom(_:polarity:)`
/// defines it.
public enum MetricDeclarations {
  /// The environment variable naming the output folder.
  public static let variable = "SN_BENCHMARK_METRICS_OUT"

  /// Writes the declarations of `benchmarks`' custom metrics when asked to.
  /// - Parameter benchmarks: The registered benchmarks.
  public static func writeIfRequested(_ benchmarks: [Benchmark]) {
    guard let folder = ProcessInfo.processInfo.environment[variable], !folder.isEmpty else {
      return
    }
    var polarity: [String: String] = [:]
    for benchmark in benchmarks {
      for metric in benchmark.configuration.metrics {
        guard case .custom(let name, let direction, _) = metric else { continue }
        let key = name.replacingOccurrences(of: " ", with: "")
        polarity[key] = direction == .prefersLarger ? "larger" : "smaller"
      }
    }
    let target = URL(fileURLWithPath: CommandLine.arguments[0]).lastPathComponent
    let file = ["formatVersion": 1, "target": target, "polarity": polarity] as [String: Any]
    let path = URL(fileURLWithPath: folder).appending(path: "\(target).metrics.json")
    do {
      let data = try JSONSerialization.data(
        withJSONObject: file, options: [.prettyPrinted, .sortedKeys])
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      try data.write(to: path)
    } catch {
      // The gate then treats these metrics as report-only and says so.
      FileHandle.standardError.write(Data("warning: cannot write \(path.path): \(error)\n".utf8))
    }
  }
}
