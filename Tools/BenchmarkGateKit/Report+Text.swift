import Foundation

/// Renders gate results and runs as terminal text and markdown.
public enum TextReport {
  /// Formats a value with thousands separators and its unit.
  static func format(_ value: Int?, unit: String) -> String {
    guard let value else { return "–" }
    var digits = String(abs(value))
    var grouped = ""
    while digits.count > 3 {
      grouped = "," + digits.suffix(3) + grouped
      digits.removeLast(3)
    }
    let number = (value < 0 ? "-" : "") + digits + grouped
    // package-benchmark exports raw counts with the display scale it would
    // have used ("K", "M", "G") in the unit column: that is not a unit.
    let isScaleLabel = ["K", "M", "G", "#"].contains(unit)
    return unit.isEmpty || isScaleLabel ? number : "\(number) \(unit)"
  }

  static func format(change: Double?) -> String {
    guard let change else { return "–" }
    return String(format: "%+.1f %%", change * 100)
  }

  static func describe(_ policy: MetricPolicy) -> String {
    switch policy {
    case .exact(let p): "exact p\(p)"
    case .tolerance(let t, let p, let polarity):
      "±\(Int((t * 100).rounded())) % p\(p) (\(polarity == .smaller ? "lower" : "higher") is better)"
    case .report: "report only"
    }
  }

  static func symbol(_ outcome: Outcome) -> String {
    switch outcome {
    case .pass: "ok"
    case .regression: "REGRESSION"
    case .improvement: "improvement"
    case .reported: "·"
    case .new: "new"
    }
  }

  /// A markdown table of a gate result, with a verdict line first.
  /// - Parameters:
  ///   - result: The comparison.
  ///   - title: Heading text.
  /// - Returns: Markdown.
  public static func markdown(_ result: GateResult, title: String = "Benchmark gate") -> String {
    var out = "## \(title): \(result.verdict.rawValue)\n\n"
    out += "| Benchmark | Metric | Policy | Baseline | Current | Change | Outcome |\n"
    out += "| --- | --- | --- | ---: | ---: | ---: | --- |\n"
    for c in result.comparisons {
      let cells = [
        c.id.description, c.metric, describe(c.policy),
        format(c.baseline, unit: c.unit), format(c.current, unit: c.unit),
        format(change: c.relativeChange),
        c.outcome == .regression ? "**REGRESSION**" : symbol(c.outcome),
      ]
      out +=
        "| "
        + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }
        .joined(separator: " | ") + " |\n"
    }
    if !result.notRun.isEmpty {
      out += "\nIn the baseline but not run: "
      out += result.notRun.map(\.description).joined(separator: ", ") + "\n"
    }
    for line in warnings(result) { out += "\n> **Warning:** \(line)\n" }
    return out
  }

  /// What the gate could not check, one sentence each: suites without a
  /// baseline and custom metrics without a declared polarity.
  /// - Parameter result: The comparison.
  /// - Returns: Warnings, empty when everything that ran was gated as configured.
  public static func warnings(_ result: GateResult) -> [String] {
    var warnings: [String] = []
    for suite in result.suitesWithoutBaseline {
      warnings.append(
        "no baseline for suite \(suite) for this toolchain: NOTHING in it was gated "
          + "(record one with `swift package benchmark gate-update --target '^\(suite)$'`; "
          + "`gate --strict` fails here)")
    }
    if !result.undeclaredMetrics.isEmpty {
      warnings.append(
        "custom metrics with no declared polarity are reported, not gated: "
          + result.undeclaredMetrics.joined(separator: ", ")
          + " (declare it in `BenchmarkMetric.custom(_:polarity:)` and register the suite "
          + "with `suite { … }`)")
    }
    return warnings
  }

  /// An aligned plain-text table of a gate result for the terminal.
  /// - Parameter result: The comparison.
  /// - Returns: Text ending in a verdict line.
  public static func text(_ result: GateResult) -> String {
    let header = ["benchmark", "metric", "policy", "baseline", "current", "change", "outcome"]
    let rows = result.comparisons.map { c in
      [
        c.id.description, c.metric, describe(c.policy), format(c.baseline, unit: c.unit),
        format(c.current, unit: c.unit), format(change: c.relativeChange), symbol(c.outcome),
      ]
    }
    var widths = header.map(\.count)
    for row in rows {
      for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { index, cell in
        let pad = String(repeating: " ", count: widths[index] - cell.count)
        return (3...5).contains(index) ? pad + cell : cell + pad
      }.joined(separator: "  ")
    }
    var out = line(header) + "\n"
    for row in rows { out += line(row) + "\n" }
    for id in result.notRun { out += "not run (in baseline): \(id)\n" }
    let warnings = warnings(result)
    if !warnings.isEmpty {
      let rule = String(repeating: "!", count: 72)
      out += rule + "\n"
      for line in warnings { out += "WARNING: \(line)\n" }
      out += rule + "\n"
    }
    out += "verdict: \(result.verdict.rawValue)\n"
    return out
  }

  /// A compact markdown table of a run's p50 values: one row per benchmark,
  /// one column per metric (the form the README's figures table takes).
  /// - Parameters:
  ///   - results: The run.
  ///   - metrics: Metrics to show, in order; `nil` shows every metric present.
  /// - Returns: Markdown, with a machine line when the run recorded one.
  public static func figuresTable(_ results: ResultSet, metrics: [String]? = nil) -> String {
    let columns =
      metrics
      ?? Array(Set(results.results.values.flatMap { $0.keys })).sorted()
    var out = "| Benchmark | " + columns.map { "\($0) p50" }.joined(separator: " | ") + " |\n"
    out += "| --- |" + String(repeating: " ---: |", count: columns.count) + "\n"
    for id in results.benchmarks {
      let cells = columns.map { metric -> String in
        guard let sample = results.results[id]?[metric] else { return "–" }
        return format(sample.value(at: 50), unit: sample.unit)
      }
      out += "| \(id) | " + cells.joined(separator: " | ") + " |\n"
    }
    if let machine = results.machine {
      out += "\nMeasured on \(machine.summary).\n"
    }
    return out
  }
}
