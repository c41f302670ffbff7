import Foundation

/// The better direction of each custom metric, as the suites declare it.
///
/// package-benchmark's exports carry a metric's name but not the polarity
/// given to `BenchmarkMetric.custom(_:polarity:)`. Every suite registers
/// through `suite { … }` (Benchmarks/Support/BenchmarkSupport), which writes
/// `<Target>.metrics.json` into the folder named by `SN_BENCHMARK_METRICS_OUT`:
///
///     {"formatVersion": 1, "target": "WorkerPool", "polarity": {"Kmsg/s": "larger"}}
///
/// The plugin points that variable at the export folder, so the declarations
/// sit beside the results they describe.
public struct MetricDeclarations: Sendable, Equatable {
  /// Declared polarity by target, then by exported metric name (spaces removed).
  public var polarity: [String: [String: Polarity]]

  /// Creates declarations.
  /// - Parameter polarity: Declared polarity by target, then by metric name.
  public init(polarity: [String: [String: Polarity]] = [:]) { self.polarity = polarity }

  struct File: Codable {
    var formatVersion: Int
    var target: String
    var polarity: [String: Polarity]
  }

  /// Reads every `*.metrics.json` in a folder; none is an empty set.
  /// - Parameter folder: The folder holding the export.
  /// - Returns: The declarations found.
  /// - Throws: ``GateError/malformedResults(_:line:reason:)`` for a file that does not decode.
  public static func load(folder: String) throws(GateError) -> MetricDeclarations {
    var declarations = MetricDeclarations()
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    for name in names.sorted() where name.hasSuffix(".metrics.json") {
      let path = (folder as NSString).appendingPathComponent(name)
      guard let data = FileManager.default.contents(atPath: path) else {
        throw .unreadableFile(path)
      }
      do {
        let file = try JSONDecoder().decode(File.self, from: data)
        declarations.polarity[file.target, default: [:]].merge(file.polarity) { _, new in new }
      } catch {
        throw .malformedResults(path, line: 1, reason: "not a metric declaration file: \(error)")
      }
    }
    return declarations
  }

  /// Sets the declared polarity on the matching samples of `results`.
  /// - Parameter results: The results to annotate.
  public func apply(to results: inout ResultSet) {
    for (id, metrics) in results.results {
      guard let declared = polarity[id.target] else { continue }
      for (metric, sample) in metrics {
        guard let direction = declared[metric] else { continue }
        var annotated = sample
        annotated.polarity = direction
        results.set(annotated, metric: metric, for: id)
      }
    }
  }
}
