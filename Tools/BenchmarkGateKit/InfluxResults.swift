import Foundation

/// Reads package-benchmark's `--format influx` export (`<run>.influx.csv`).
///
/// That export is the only one that carries every benchmark, every metric and
/// several percentiles in one plain-text file; the raw baseline JSON stores
/// encoded histograms instead. Columns are found by their header names, so a
/// reordered export still reads. Metric names are the metric's description
/// with spaces removed (`Malloc(total)`, `Time(wallclock)`, or a custom
/// metric's own name).
public enum InfluxResults {
  /// Parses the text of one export.
  /// - Parameters:
  ///   - text: The file's contents.
  ///   - path: The file name, for error messages.
  /// - Returns: The results in the file.
  /// - Throws: ``GateError/malformedResults(_:line:reason:)`` when a line does
  ///   not match the header or a value is not a number.
  public static func parse(_ text: String, path: String = "<input>") throws(GateError) -> ResultSet
  {
    var set = ResultSet()
    var columns: [String: Int] = [:]
    // `isNewline` also splits "\r\n", which Swift treats as one Character.
    for (offset, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
      .enumerated()
    {
      let lineNumber = offset + 1
      if line.isEmpty || line.hasPrefix("#") { continue }
      let fields = splitFields(line)
      if fields.contains("measurement") && fields.contains("percentile") {
        columns = Dictionary(fields.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        continue
      }
      guard !columns.isEmpty else {
        throw .malformedResults(path, line: lineNumber, reason: "data before the CSV header line")
      }
      func field(_ name: String) throws(GateError) -> String {
        guard let index = columns[name], index < fields.count else {
          throw .malformedResults(path, line: lineNumber, reason: "missing column '\(name)'")
        }
        return fields[index]
      }
      let id = BenchmarkID(target: try field("measurement"), name: try field("test"))
      let metric = try field("metric")
      let percentileText = try field("percentile")
      let valueText = try field("value")
      guard let percentile = Double(percentileText), let value = Int(valueText) else {
        throw .malformedResults(
          path, line: lineNumber,
          reason: "percentile '\(percentileText)' or value '\(valueText)' is not a number")
      }
      let unit = valueUnit(metric: metric, label: try field("unit"))
      var sample = set.results[id]?[metric] ?? MetricSample(unit: unit, percentiles: [:])
      sample.percentiles[Int(percentile.rounded())] = value
      set.set(sample, metric: metric, for: id)
      if set.machine == nil, columns["hostName"] != nil {
        set.machine = MachineInfo(
          hostName: (try? field("hostName")) ?? "",
          processorType: (try? field("processoryType")) ?? (try? field("processorType")) ?? "",
          processors: (try? field("processors")) ?? "",
          memory: (try? field("memory")) ?? "",
          kernelVersion: (try? field("kernelVersion")) ?? "")
      }
    }
    return set
  }

  /// Reads and merges export files; several runs of the same benchmarks are
  /// merged with ``ResultSet/median(of:)``. The metric declarations
  /// (`<Target>.metrics.json`) in each file's folder are applied to it.
  /// - Parameter paths: The files.
  /// - Returns: The merged results.
  /// - Throws: ``GateError`` when a file cannot be read or parsed, or when
  ///   the files hold no results at all.
  public static func load(_ paths: [String]) throws(GateError) -> ResultSet {
    var runs: [ResultSet] = []
    for path in paths {
      guard let data = FileManager.default.contents(atPath: path) else {
        throw .unreadableFile(path)
      }
      var run = try parse(String(decoding: data, as: UTF8.self), path: path)
      let folder = (path as NSString).deletingLastPathComponent
      try MetricDeclarations.load(folder: folder.isEmpty ? "." : folder).apply(to: &run)
      runs.append(run)
    }
    // Files of different targets are unions, files of the same target are runs.
    var byTargets: [[String]: [ResultSet]] = [:]
    for run in runs { byTargets[run.targets, default: []].append(run) }
    var merged = ResultSet()
    for group in byTargets.values {
      let median = ResultSet.median(of: group)
      merged.results.merge(median.results) { _, new in new }
      merged.machine = merged.machine ?? median.machine
    }
    guard !merged.results.isEmpty else { throw .noResults }
    return merged
  }

  /// The unit of the exported *values*. The `unit` column is the display
  /// scale package-benchmark would print (`μs`, `K`), but the values are the
  /// raw histogram entries: nanoseconds for time, operations per second for
  /// throughput.
  static func valueUnit(metric: String, label: String) -> String {
    if metric.hasPrefix("Time(") { return "ns" }
    if metric.hasPrefix("Throughput") { return "#/s" }
    return label.isEmpty ? "#" : label
  }

  /// Splits one CSV line, honouring double quotes (benchmark names with a comma
  /// are quoted by the exporter).
  static func splitFields(_ line: Substring) -> [String] {
    var fields: [String] = []
    var current = ""
    var quoted = false
    for character in line {
      switch character {
      case "\"": quoted.toggle()
      case "," where !quoted:
        fields.append(current)
        current = ""
      default: current.append(character)
      }
    }
    fields.append(current)
    return fields
  }
}
