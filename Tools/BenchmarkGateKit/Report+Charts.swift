import Foundation

/// Writes a folder of a few SVG charts and a `summary.md` linking them.
public enum ChartReport {
  /// Charts drawn for each suite, only where the run has the data:
  /// - **ratios**: every same-run comparison metric (`a/b x1000`, `x100`,
  ///   `x AsyncStream throughput`) as bars against a dashed 1× line, green where
  ///   ours is better in the declared direction, red where worse; one chart per
  ///   suite, or one per metric when a suite has more than 60 such rows;
  /// - **worker scaling**: throughput per worker count for benchmarks named
  ///   `…/N-workers/…`, and a line over the worker count for other names
  ///   with a worker number (`workers=N`) and at least three members;
  /// - **latency percentiles**: p0…p99 of latency metrics (`one-way ns`,
  ///   `ns / round trip`, or wall-clock time where a suite has none), at most
  ///   eight benchmarks per chart.
  ///
  /// Axes turn logarithmic where values span more than a factor of 20, and
  /// zero values are left out.
  ///
  /// - Parameters:
  ///   - results: The run.
  ///   - gate: A comparison with the baselines, included in the summary when given.
  ///   - directory: Output folder (created if needed).
  /// - Returns: The files written, `summary.md` last.
  /// - Throws: ``GateError/unreadableFile(_:)`` when the folder cannot be written.
  @discardableResult
  public static func write(
    _ results: ResultSet, gate: GateResult? = nil, to directory: String
  ) throws(GateError) -> [String] {
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch { throw .unreadableFile(directory) }
    var written: [String] = []
    var summary = "# Benchmark report\n\n"
    if let machine = results.machine { summary += "Machine: \(machine.summary).\n\n" }
    func save(_ svg: String, _ name: String) throws(GateError) -> String {
      let path = (directory as NSString).appendingPathComponent(name)
      do { try svg.write(toFile: path, atomically: true, encoding: .utf8) } catch {
        throw .unreadableFile(path)
      }
      written.append(path)
      return name
    }
    for target in results.targets {
      let suite = ResultSet(results: results.results.filter { $0.key.target == target })
      summary += "## \(target)\n\n"
      summary += TextReport.figuresTable(suite) + "\n"
      for (name, svg) in ratioCharts(suite, target: target) + scalingCharts(suite, target: target)
        + latencyCharts(suite, target: target)
      {
        summary += "![\(name)](\(try save(svg, name)))\n\n"
      }
    }
    if let gate { summary += TextReport.markdown(gate) + "\n" }
    _ = try save(summary, "summary.md")
    return written
  }

  // MARK: - Ratios

  /// The divisor that turns a ratio metric's value into a plain ratio, or nil
  /// for a metric that is not a same-run comparison.
  static func ratioScale(_ metric: String) -> Double? {
    let comparison = metric.contains("/") || metric.hasPrefix("x")
    guard comparison, !metric.hasPrefix("Time("), !metric.hasSuffix("/s") else { return nil }
    if metric.hasSuffix("x1000") { return 1000 }
    if metric.hasSuffix("x100") || metric.hasSuffix("-x100") { return 100 }
    if metric.hasPrefix("x") { return 1 }
    return nil
  }

  static func ratioCharts(_ suite: ResultSet, target: String) -> [(String, String)] {
    var rows: [(metric: String, label: String, value: Double, color: String)] = []
    for id in suite.benchmarks {
      for (metric, sample) in (suite.results[id] ?? [:]).sorted(by: { $0.key < $1.key }) {
        guard let scale = ratioScale(metric), let p50 = sample.value(at: 50), p50 > 0 else {
          continue
        }
        let value = Double(p50) / scale
        let color: String
        switch sample.polarity {
        case .larger?: color = value >= 1 ? SVG.better : SVG.worse
        case .smaller?: color = value <= 1 ? SVG.better : SVG.worse
        case nil: color = SVG.neutral
        }
        rows.append((metric, "\(id.name) — \(metric)", value, color))
      }
    }
    guard !rows.isEmpty else { return [] }
    let subtitle =
      "p50 same-run ratios; dashed line 1×; green: better than the reference in the metric's declared direction, red: worse"
    let label = { (value: Double) in
      if value < 0.01 { return String(format: "%.2g×", value) }
      return value >= 10 ? String(format: "%.0f×", value) : String(format: "%.2f×", value)
    }
    if rows.count <= 60 {
      let svg = SVG.bars(
        title: "\(target): ours against the references and peers", subtitle: subtitle,
        entries: rows.map { ($0.label, $0.value, $0.color) }, reference: 1, valueLabel: label)
      return [("\(slug(target))-ratios.svg", svg)]
    }
    return Dictionary(grouping: rows, by: \.metric).sorted { $0.key < $1.key }.map {
      metric, group in
      let svg = SVG.bars(
        title: "\(target): \(metric)", subtitle: subtitle,
        entries: group.map {
          ($0.label.replacingOccurrences(of: " — \(metric)", with: ""), $0.value, $0.color)
        },
        reference: 1, valueLabel: label)
      return ("\(slug(target))-ratio-\(slug(metric)).svg", svg)
    }
  }

  // MARK: - Scaling

  static func scalingCharts(_ suite: ResultSet, target: String) -> [(String, String)] {
    var charts: [(String, String)] = []
    // Worker counts: `…/N-workers/…` (or `N-worker`).
    var groups: [String: [(workers: Int, id: BenchmarkID)]] = [:]
    for id in suite.benchmarks {
      guard let match = id.name.firstMatch(of: /(\d+)-workers?/), let count = Int(match.1) else {
        continue
      }
      var key = id.name
      key.replaceSubrange(match.range, with: "N-workers")
      groups[key, default: []].append((count, id))
    }
    var rows: [(label: String, value: Double, color: String)] = []
    var unit = ""
    for (key, members) in groups.sorted(by: { $0.key < $1.key })
    where Set(members.map(\.workers)).count >= 2 {
      let metric = ["Kmsg/s", "Mmsg/s"].first { name in
        members.allSatisfy { suite.results[$0.id]?[name]?.value(at: 50) != nil }
      }
      guard let metric else { continue }
      unit = metric
      for (index, member) in members.sorted(by: { $0.workers < $1.workers }).enumerated() {
        let value = Double(suite.results[member.id]![metric]!.value(at: 50)!)
        guard value > 0 else { continue }
        rows.append(
          (
            "\(key.replacingOccurrences(of: "N-workers", with: "\(member.workers)-workers"))",
            value,
            SVG.palette[index % SVG.palette.count]
          ))
      }
    }
    if !rows.isEmpty {
      charts.append(
        (
          "\(slug(target))-worker-scaling.svg",
          SVG.bars(
            title: "\(target): throughput by worker count", subtitle: "p50, \(unit)",
            entries: rows)
        ))
    }
    // Other names that differ only by a number, with three points or more.
    let metrics = Set(suite.results.values.flatMap(\.keys)).sorted()
    for (group, members) in scalingGroups(suite.benchmarks.map(\.name))
    where members.count >= 3 && group.lowercased().contains("worker") {
      for metric in metrics {
        let points = members.compactMap { member -> (x: Double, y: Double)? in
          guard
            let value = suite.results[BenchmarkID(target: target, name: member.name)]?[metric]?
              .value(at: 50), value > 0
          else { return nil }
          return (member.parameter, Double(value))
        }
        guard points.count >= 3 else { continue }
        charts.append(
          (
            "\(slug(target))-scaling-\(slug(group))-\(slug(metric)).svg",
            SVG.lines(
              title: "\(target): \(group) — \(metric) p50", xTitle: group, yTitle: metric,
              series: [(name: metric, points: points)])
          ))
      }
    }
    return charts
  }

  /// Groups names that differ only by their last number, for scaling curves:
  /// `Pool workers=1`, `Pool workers=2`, `Pool workers=4` form the group
  /// `Pool workers=N` with parameters 1, 2, 4. Groups of one are dropped.
  static func scalingGroups(_ names: [String]) -> [(String, [(name: String, parameter: Double)])] {
    var groups: [String: [(name: String, parameter: Double)]] = [:]
    for name in names {
      guard let match = name.ranges(of: /\d+/).last else { continue }
      let parameter = Double(name[match])!
      var key = name
      key.replaceSubrange(match, with: "N")
      groups[key, default: []].append((name, parameter))
    }
    return groups.filter { $0.value.count >= 2 }.sorted { $0.key < $1.key }.map {
      ($0.key, $0.value)
    }
  }

  // MARK: - Latency

  static let latencyMetrics = ["one-wayns", "ns/roundtrip"]

  static func latencyCharts(_ suite: ResultSet, target: String) -> [(String, String)] {
    let present = Set(suite.results.values.flatMap(\.keys))
    var metrics = latencyMetrics.filter(present.contains)
    if metrics.isEmpty, present.contains("Time(wallclock)") { metrics = ["Time(wallclock)"] }
    let order = [0, 25, 50, 75, 90, 99]
    let labels = Dictionary(uniqueKeysWithValues: order.enumerated().map { (Double($0), "p\($1)") })
    var charts: [(String, String)] = []
    for metric in metrics {
      let series = suite.benchmarks.compactMap {
        id -> (name: String, points: [(x: Double, y: Double)])? in
        guard let sample = suite.results[id]?[metric] else { return nil }
        let points = order.enumerated().compactMap { index, p -> (x: Double, y: Double)? in
          guard let value = sample.value(at: p), value > 0 else { return nil }
          return (Double(index), Double(value))
        }
        return points.isEmpty ? nil : (id.name, points)
      }
      let unit = metric == "Time(wallclock)" ? "ns per iteration" : metric
      for start in stride(from: 0, to: series.count, by: 8) {
        let part = Array(series[start..<min(start + 8, series.count)])
        let suffix = series.count > 8 ? "-\(start / 8 + 1)" : ""
        charts.append(
          (
            "\(slug(target))-\(slug(metric))-percentiles\(suffix).svg",
            SVG.lines(
              title: "\(target): \(metric) percentiles", xTitle: "percentile", yTitle: unit,
              xLabels: labels, series: part)
          ))
      }
    }
    return charts
  }

  static func slug(_ text: String) -> String {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
    let mapped = String(text.map { allowed.contains($0) ? $0 : "_" })
    return mapped.split(separator: "_", omittingEmptySubsequences: true).joined(separator: "_")
  }
}
