/// Identifies one benchmark: the suite executable (target) and the name given
/// to `Benchmark(...)` in it.
public struct BenchmarkID: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// The suite executable, for example `MessagePassing`.
  public var target: String
  /// The benchmark's name inside the suite.
  public var name: String

  /// Creates an identifier.
  /// - Parameters:
  ///   - target: The suite executable.
  ///   - name: The benchmark's name inside the suite.
  public init(target: String, name: String) {
    self.target = target
    self.name = name
  }

  /// `Target:Name`, the spelling package-benchmark prints.
  public var description: String { "\(target):\(name)" }

  /// Orders by target, then by name.
  public static func < (lhs: BenchmarkID, rhs: BenchmarkID) -> Bool {
    (lhs.target, lhs.name) < (rhs.target, rhs.name)
  }
}

/// The percentiles package-benchmark exports for one metric of one benchmark.
public struct MetricSample: Sendable, Equatable, Codable {
  /// The unit label from the export (for example `ns`, `#`, `μs`).
  public var unit: String
  /// Value at each exported percentile (0, 25, 50, 75, 90, 99, 100), keyed by percentile.
  public var percentiles: [Int: Int]
  /// The better direction the suite declared for this metric
  /// (`BenchmarkMetric.custom(_:polarity:)`), when it was declared; see
  /// ``MetricDeclarations``.
  public var polarity: Polarity?

  /// Creates a sample.
  /// - Parameters:
  ///   - unit: The unit label.
  ///   - percentiles: Value at each percentile.
  ///   - polarity: The declared better direction, if known.
  public init(unit: String, percentiles: [Int: Int], polarity: Polarity? = nil) {
    self.unit = unit
    self.percentiles = percentiles
    self.polarity = polarity
  }

  /// The value at `percentile`, or `nil` when that percentile was not exported.
  public func value(at percentile: Int) -> Int? { percentiles[percentile] }
}

/// The machine a result set was measured on, as the export describes it.
public struct MachineInfo: Sendable, Equatable, Codable {
  /// Host name.
  public var hostName: String
  /// Processor model.
  public var processorType: String
  /// Number of logical processors.
  public var processors: String
  /// Memory size in GB, as exported.
  public var memory: String
  /// Kernel version string.
  public var kernelVersion: String

  /// Creates a machine description.
  public init(
    hostName: String, processorType: String, processors: String, memory: String,
    kernelVersion: String
  ) {
    self.hostName = hostName
    self.processorType = processorType
    self.processors = processors
    self.memory = memory
    self.kernelVersion = kernelVersion
  }

  /// One line for report footers: `4 × AMD-EPYC, 24 GB, kernel 6.1`.
  public var summary: String {
    "\(processors) × \(processorType), \(memory) GB, kernel \(kernelVersion)"
  }
}

/// Every metric of every benchmark from one or more runs.
public struct ResultSet: Sendable, Equatable {
  /// Metric name (as exported, spaces removed) to sample, per benchmark.
  public var results: [BenchmarkID: [String: MetricSample]]
  /// The machine the results came from, when the export said.
  public var machine: MachineInfo?

  /// Creates a result set.
  public init(results: [BenchmarkID: [String: MetricSample]] = [:], machine: MachineInfo? = nil) {
    self.results = results
    self.machine = machine
  }

  /// The benchmarks, sorted.
  public var benchmarks: [BenchmarkID] { results.keys.sorted() }

  /// The suite executables present, sorted.
  public var targets: [String] { Set(results.keys.map(\.target)).sorted() }

  /// Adds or replaces one metric of one benchmark.
  public mutating func set(_ sample: MetricSample, metric: String, for id: BenchmarkID) {
    results[id, default: [:]][metric] = sample
  }

  /// Merges results of several runs of the same benchmarks: each percentile
  /// becomes the median over the runs that have it (the lower middle value for
  /// an even count, so a merged value is always one that was measured).
  ///
  /// - Parameter runs: The runs to merge; a benchmark or metric missing from
  ///   some runs is merged over the runs that have it.
  /// - Returns: The merged set; its machine is the first run's.
  public static func median(of runs: [ResultSet]) -> ResultSet {
    guard runs.count > 1 else { return runs.first ?? ResultSet() }
    var merged = ResultSet(machine: runs.first?.machine)
    let ids = Set(runs.flatMap { $0.results.keys })
    for id in ids {
      let metrics = Set(runs.flatMap { $0.results[id]?.keys.map { $0 } ?? [] })
      for metric in metrics {
        let samples = runs.compactMap { $0.results[id]?[metric] }
        var percentiles: [Int: Int] = [:]
        for percentile in Set(samples.flatMap { $0.percentiles.keys }) {
          let values = samples.compactMap { $0.percentiles[percentile] }.sorted()
          percentiles[percentile] = values[(values.count - 1) / 2]
        }
        merged.set(
          MetricSample(
            unit: samples[0].unit, percentiles: percentiles,
            polarity: samples.lazy.compactMap(\.polarity).first),
          metric: metric, for: id)
      }
    }
    return merged
  }
}
