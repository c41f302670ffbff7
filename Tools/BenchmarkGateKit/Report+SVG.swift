import Foundation

/// Draws simple, dependency-free SVG charts.
///
/// Hand-written because the toolchain has no charting library and the
/// project must not add one for library users; SVG is plain text, renders on
/// GitHub, and needs no network or fonts beyond the viewer's.
enum SVG {
  static let palette = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
  ]

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }

  static func number(_ value: Double) -> String {
    let magnitude = abs(value)
    if magnitude >= 1e9 { return String(format: "%.3gG", value / 1e9) }
    if magnitude >= 1e6 { return String(format: "%.3gM", value / 1e6) }
    if magnitude >= 1e4 { return String(format: "%.3gk", value / 1e3) }
    return String(format: "%.4g", value)
  }

  /// One bar per entry: the bar ends at p50, a line spans p25–p75 and a tick marks p90.
  static func bars(
    title: String, unit: String,
    entries: [(label: String, p25: Double, p50: Double, p75: Double, p90: Double)]
  ) -> String {
    let labelWidth = min(320, 40 + 7 * (entries.map(\.label.count).max() ?? 10))
    let plotWidth = 460
    let rowHeight = 26
    let height = 60 + rowHeight * entries.count + 30
    let width = labelWidth + plotWidth + 90
    let top = entries.map { max($0.p50, $0.p75, $0.p90) }.max() ?? 1
    let scale = Double(plotWidth) / (top > 0 ? top : 1)
    var out = header(width: width, height: height, title: "\(title) (\(unit), p50; p25–p75, p90)")
    for (index, entry) in entries.enumerated() {
      let y = 50 + index * rowHeight
      let color = palette[index % palette.count]
      out +=
        "<text x=\"\(labelWidth - 8)\" y=\"\(y + 16)\" text-anchor=\"end\">\(escape(entry.label))</text>\n"
      out +=
        "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(Int(entry.p50 * scale))\" height=\"16\" fill=\"\(color)\"/>\n"
      let x25 = labelWidth + Int(entry.p25 * scale)
      let x75 = labelWidth + Int(entry.p75 * scale)
      let x90 = labelWidth + Int(entry.p90 * scale)
      out +=
        "<line x1=\"\(x25)\" x2=\"\(x75)\" y1=\"\(y + 12)\" y2=\"\(y + 12)\" stroke=\"#222\"/>\n"
      out +=
        "<line x1=\"\(x90)\" x2=\"\(x90)\" y1=\"\(y + 6)\" y2=\"\(y + 18)\" stroke=\"#222\"/>\n"
      out +=
        "<text x=\"\(max(x90, labelWidth + Int(entry.p50 * scale)) + 6)\" y=\"\(y + 16)\">\(number(entry.p50))</text>\n"
    }
    return out + "</svg>\n"
  }

  /// One polyline per series over numeric x positions (with optional x labels).
  static func lines(
    title: String, xTitle: String, yTitle: String, xLabels: [Double: String] = [:],
    series: [(name: String, points: [(x: Double, y: Double)])]
  ) -> String {
    let left = 70
    let plotWidth = 520
    let plotHeight = 260
    let legendHeight = 18 * series.count
    let width = left + plotWidth + 30
    let height = 50 + plotHeight + 50 + legendHeight
    let xs = series.flatMap { $0.points.map(\.x) }
    let ys = series.flatMap { $0.points.map(\.y) }
    let minX = xs.min() ?? 0
    let maxX = xs.max() ?? 1
    let maxY = max(ys.max() ?? 1, 1e-9)
    func px(_ x: Double) -> Int {
      left + Int((maxX > minX ? (x - minX) / (maxX - minX) : 0.5) * Double(plotWidth))
    }
    func py(_ y: Double) -> Int { 40 + plotHeight - Int(y / maxY * Double(plotHeight)) }
    var out = header(width: width, height: height, title: title)
    out +=
      "<line x1=\"\(left)\" y1=\"\(40 + plotHeight)\" x2=\"\(left + plotWidth)\" y2=\"\(40 + plotHeight)\" stroke=\"#222\"/>\n"
    out +=
      "<line x1=\"\(left)\" y1=\"40\" x2=\"\(left)\" y2=\"\(40 + plotHeight)\" stroke=\"#222\"/>\n"
    for step in 0...4 {
      let value = maxY * Double(step) / 4
      out +=
        "<text x=\"\(left - 6)\" y=\"\(py(value) + 4)\" text-anchor=\"end\">\(number(value))</text>\n"
    }
    for x in Set(xs).sorted() {
      let label = xLabels[x] ?? number(x)
      out +=
        "<text x=\"\(px(x))\" y=\"\(40 + plotHeight + 16)\" text-anchor=\"middle\">\(escape(label))</text>\n"
    }
    out +=
      "<text x=\"\(left + plotWidth / 2)\" y=\"\(40 + plotHeight + 34)\" text-anchor=\"middle\">\(escape(xTitle))</text>\n"
    out +=
      "<text x=\"14\" y=\"\(40 + plotHeight / 2)\" transform=\"rotate(-90 14 \(40 + plotHeight / 2))\" text-anchor=\"middle\">\(escape(yTitle))</text>\n"
    for (index, entry) in series.enumerated() {
      let color = palette[index % palette.count]
      let points = entry.points.sorted { $0.x < $1.x }.map { "\(px($0.x)),\(py($0.y))" }
      out +=
        "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
      let legendY = 40 + plotHeight + 50 + 18 * index
      out +=
        "<rect x=\"\(left)\" y=\"\(legendY - 10)\" width=\"12\" height=\"12\" fill=\"\(color)\"/>\n"
      out += "<text x=\"\(left + 18)\" y=\"\(legendY)\">\(escape(entry.name))</text>\n"
    }
    return out + "</svg>\n"
  }

  static func header(width: Int, height: Int, title: String) -> String {
    """
    <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" \
    viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="12">
    <rect width="100%" height="100%" fill="white"/>
    <text x="10" y="22" font-size="14" font-weight="bold">\(escape(title))</text>

    """
  }
}

/// Writes a folder of SVG charts and a `summary.md` linking them, from a run.
public enum ChartReport {
  /// Charts drawn for each suite:
  /// - per metric, a bar chart of every benchmark's p50 (p25–p75 and p90 marked);
  /// - for time metrics, a latency-percentile curve per benchmark (p0 to p99);
  /// - for benchmarks whose names differ only by a trailing number (`workers 1`,
  ///   `workers 2`, …), a scaling curve of each metric's p50 over that number.
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
      let ids = results.benchmarks.filter { $0.target == target }
      summary += "## \(target)\n\n"
      summary += TextReport.figuresTable(
        ResultSet(results: results.results.filter { $0.key.target == target }))
      summary += "\n"
      let metrics = Set(ids.flatMap { results.results[$0]?.keys.map { $0 } ?? [] }).sorted()
      for metric in metrics {
        let rows = ids.compactMap { id -> (String, Double, Double, Double, Double)? in
          guard let s = results.results[id]?[metric], let p50 = s.value(at: 50) else { return nil }
          let p = { (k: Int) in Double(s.value(at: k) ?? p50) }
          return (id.name, p(25), Double(p50), p(75), p(90))
        }
        guard !rows.isEmpty else { continue }
        let unit = results.results[ids.first { results.results[$0]?[metric] != nil }!]![metric]!
          .unit
        let name = try save(
          SVG.bars(
            title: "\(target): \(metric)", unit: unit,
            entries: rows.map { ($0.0, $0.1, $0.2, $0.3, $0.4) }),
          "\(slug(target))-\(slug(metric)).svg")
        summary += "![\(target) \(metric)](\(name))\n\n"
        if metric.hasPrefix("Time(") {
          let order = [0, 25, 50, 75, 90, 99]
          let series = ids.compactMap { id -> (name: String, points: [(x: Double, y: Double)])? in
            guard let s = results.results[id]?[metric] else { return nil }
            let points = order.enumerated().compactMap { index, p in
              s.value(at: p).map { (x: Double(index), y: Double($0)) }
            }
            return (id.name, points)
          }
          let labels = Dictionary(
            uniqueKeysWithValues: order.enumerated().map { (Double($0), "p\($1)") })
          let file = try save(
            SVG.lines(
              title: "\(target): \(metric) percentiles", xTitle: "percentile", yTitle: unit,
              xLabels: labels, series: series),
            "\(slug(target))-\(slug(metric))-percentiles.svg")
          summary += "![\(target) \(metric) percentiles](\(file))\n\n"
        }
      }
      for (group, members) in scalingGroups(ids.map(\.name)) {
        for metric in metrics {
          let points = members.compactMap { member -> (x: Double, y: Double)? in
            guard
              let value = results.results[BenchmarkID(target: target, name: member.name)]?[metric]?
                .value(at: 50)
            else { return nil }
            return (member.parameter, Double(value))
          }
          guard points.count >= 2 else { continue }
          let file = try save(
            SVG.lines(
              title: "\(target): \(group) — \(metric) p50", xTitle: group, yTitle: metric,
              series: [(name: metric, points: points)]),
            "\(slug(target))-scaling-\(slug(group))-\(slug(metric)).svg")
          summary += "![\(group) scaling, \(metric)](\(file))\n\n"
        }
      }
    }
    if let gate {
      summary += TextReport.markdown(gate) + "\n"
    }
    let summaryName = try save(summary, "summary.md")
    _ = summaryName
    return written
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

  static func slug(_ text: String) -> String {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
    let mapped = String(text.map { allowed.contains($0) ? $0 : "_" })
    return mapped.split(separator: "_", omittingEmptySubsequences: true).joined(separator: "_")
  }
}
