import Foundation

/// Committed baselines: one JSON file per suite executable,
/// `<directory>/<Target>.json`, inside a folder per Swift version
/// (`Benchmarks/Baselines/6.3/`).
///
/// The files hold exported percentiles only (no hosts, no dates), with sorted
/// keys, so that a baseline update reads as a small diff in review.
public enum Baselines {
  struct File: Codable {
    var formatVersion: Int
    var target: String
    var benchmarks: [String: [String: Stored]]
  }

  struct Stored: Codable {
    var unit: String
    var p0: Int?
    var p25: Int?
    var p50: Int?
    var p75: Int?
    var p90: Int?
    var p99: Int?
    var p100: Int?
    /// The declared better direction of a custom metric, for the reader.
    var polarity: Polarity?

    init(_ sample: MetricSample) {
      unit = sample.unit
      polarity = sample.polarity
      p0 = sample.percentiles[0]
      p25 = sample.percentiles[25]
      p50 = sample.percentiles[50]
      p75 = sample.percentiles[75]
      p90 = sample.percentiles[90]
      p99 = sample.percentiles[99]
      p100 = sample.percentiles[100]
    }

    var sample: MetricSample {
      let pairs: [(Int, Int?)] = [
        (0, p0), (25, p25), (50, p50), (75, p75), (90, p90), (99, p99), (100, p100),
      ]
      return MetricSample(
        unit: unit,
        percentiles: Dictionary(
          uniqueKeysWithValues: pairs.compactMap { key, value in
            value.map { (key, $0) }
          }), polarity: polarity)
    }
  }

  /// Reads every `<Target>.json` in a folder. A missing folder is an empty
  /// baseline (a new Swift version or a new project), not an error.
  /// - Parameter directory: The per-Swift-version folder.
  /// - Returns: The stored results.
  /// - Throws: ``GateError/malformedBaseline(_:reason:)`` for a file that does not decode.
  public static func load(directory: String) throws(GateError) -> ResultSet {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    var set = ResultSet()
    for name in names.sorted() where name.hasSuffix(".json") {
      let path = (directory as NSString).appendingPathComponent(name)
      guard let data = FileManager.default.contents(atPath: path) else {
        throw .unreadableFile(path)
      }
      let file: File
      do { file = try JSONDecoder().decode(File.self, from: data) } catch {
        throw .malformedBaseline(path, reason: "\(error)")
      }
      guard file.formatVersion == 1 else {
        throw .malformedBaseline(path, reason: "unknown formatVersion \(file.formatVersion)")
      }
      for (benchmark, metrics) in file.benchmarks {
        for (metric, stored) in metrics {
          set.set(
            stored.sample, metric: metric, for: BenchmarkID(target: file.target, name: benchmark))
        }
      }
    }
    return set
  }

  /// Writes one file per target in `results`, replacing the stored benchmarks
  /// of those targets. Targets absent from `results` keep their files, so a
  /// filtered run updates only what it ran.
  /// - Parameters:
  ///   - results: The new baseline values.
  ///   - directory: The per-Swift-version folder (created if needed).
  /// - Returns: The paths written.
  /// - Throws: ``GateError/unreadableFile(_:)`` when a file cannot be written.
  @discardableResult
  public static func write(_ results: ResultSet, to directory: String) throws(GateError) -> [String]
  {
    do {
      try FileManager.default.createDirectory(
        atPath: directory, withIntermediateDirectories: true)
    } catch { throw .unreadableFile(directory) }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var written: [String] = []
    for target in results.targets {
      var file = File(formatVersion: 1, target: target, benchmarks: [:])
      for id in results.benchmarks where id.target == target {
        file.benchmarks[id.name] = (results.results[id] ?? [:]).mapValues(Stored.init)
      }
      let path = (directory as NSString).appendingPathComponent("\(target).json")
      do {
        var data = try encoder.encode(file)
        data.append(0x0A)
        try data.write(to: URL(fileURLWithPath: path))
      } catch { throw .unreadableFile(path) }
      written.append(path)
    }
    return written
  }
}
