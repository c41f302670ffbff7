/// What the gate concluded for one metric of one benchmark.
public enum Outcome: String, Sendable, Equatable {
  /// Within the policy's limits.
  case pass
  /// Worse than the baseline beyond the policy's limits.
  case regression
  /// Better than the baseline beyond the policy's limits: update the baseline.
  case improvement
  /// Report-only metric: shown, never gated.
  case reported
  /// No baseline value to compare with (new benchmark or metric).
  case new
}

/// The gate's verdict over a whole run, ordered by severity.
public enum Verdict: String, Sendable, Comparable {
  /// Nothing regressed and nothing improved beyond the limits.
  case pass
  /// Something improved beyond the limits and nothing regressed.
  case improvement
  /// At least one gated metric regressed.
  case regression

  private var rank: Int {
    switch self {
    case .pass: 0
    case .improvement: 1
    case .regression: 2
    }
  }

  /// Orders by severity: pass < improvement < regression.
  public static func < (lhs: Verdict, rhs: Verdict) -> Bool { lhs.rank < rhs.rank }

  /// The process exit status for this verdict.
  public var exitCode: GateExitCode {
    switch self {
    case .pass: .pass
    case .improvement: .improvement
    case .regression: .regression
    }
  }
}

/// Exit statuses of `benchmark-gate compare`, stable for CI scripts.
public enum GateExitCode: Int32, Sendable {
  /// Every gated metric is within its limits.
  case pass = 0
  /// The gate could not decide: unreadable or malformed input, bad arguments.
  case error = 1
  /// A gated metric got worse beyond its limits.
  case regression = 2
  /// A gated metric got better beyond its limits and none got worse: not a
  /// failure, but the baseline should be updated so the gain is kept.
  case improvement = 3
  /// `compare --strict`: a suite of the run has no baseline, so nothing in it
  /// was gated.
  case missingBaseline = 4
  /// `check-run`: the harness failed or measured nothing.
  case harnessFailed = 5
}

/// One compared metric.
public struct MetricComparison: Sendable, Equatable {
  /// The benchmark.
  public var id: BenchmarkID
  /// The exported metric name.
  public var metric: String
  /// The policy that applied.
  public var policy: MetricPolicy
  /// The percentile compared (50 for report-only metrics).
  public var percentile: Int
  /// Baseline value at that percentile, if any.
  public var baseline: Int?
  /// This run's value at that percentile, if any.
  public var current: Int?
  /// Unit of both values.
  public var unit: String
  /// The conclusion.
  public var outcome: Outcome

  /// Relative change from baseline to current (`0.1` is 10 % higher), or
  /// `nil` when either side is missing or the baseline is zero.
  public var relativeChange: Double? {
    guard let baseline, let current, baseline != 0 else { return nil }
    return Double(current - baseline) / Double(baseline)
  }
}

/// The result of comparing a run with the baselines.
public struct GateResult: Sendable, Equatable {
  /// Every metric of every benchmark in the run, sorted.
  public var comparisons: [MetricComparison]
  /// Baseline benchmarks of the run's targets that this run did not measure
  /// (filtered out, renamed or removed); listed, never gated.
  public var notRun: [BenchmarkID]
  /// Suites of the run with no baseline at all (for this toolchain): nothing
  /// in them was gated. `compare --strict` fails on them.
  public var suitesWithoutBaseline: [String] = []
  /// Custom metrics (`Target:metric`) that no rule names and whose polarity
  /// the suite did not declare: reported, not gated.
  public var undeclaredMetrics: [String] = []

  /// The most severe outcome over the gated metrics.
  public var verdict: Verdict {
    var verdict = Verdict.pass
    for comparison in comparisons {
      switch comparison.outcome {
      case .regression: return .regression
      case .improvement: verdict = .improvement
      default: break
      }
    }
    return verdict
  }

  /// The comparisons with a given outcome.
  /// - Parameter outcome: The outcome to select.
  /// - Returns: Matching comparisons, in order.
  public func comparisons(with outcome: Outcome) -> [MetricComparison] {
    comparisons.filter { $0.outcome == outcome }
  }
}

/// The gate's decisions.
public enum Gate {
  /// Compares a run with the baselines, metric by metric, under a policy.
  /// - Parameters:
  ///   - current: This run's results.
  ///   - baseline: The committed baselines.
  ///   - policy: How each metric is gated.
  /// - Returns: Every comparison and the overall verdict.
  /// - Throws: ``GateError/malformedPolicy(_:reason:)`` for an invalid rule.
  public static func compare(
    current: ResultSet, baseline: ResultSet, policy: GatePolicy = GatePolicy()
  ) throws(GateError) -> GateResult {
    var comparisons: [MetricComparison] = []
    var undeclared: Set<String> = []
    for id in current.benchmarks {
      let metrics = current.results[id] ?? [:]
      for metric in metrics.keys.sorted() {
        let sample = metrics[metric]!
        let stored = baseline.results[id]?[metric]
        let metricPolicy = try policy.policy(for: metric, of: id, declared: sample.polarity)
        if sample.polarity == nil, policy.isUnnamedCustomMetric(metric, of: id) {
          undeclared.insert("\(id.target):\(metric)")
        }
        comparisons.append(
          decide(id: id, metric: metric, policy: metricPolicy, current: sample, baseline: stored))
      }
    }
    let ranTargets = Set(current.targets)
    let notRun = baseline.benchmarks.filter {
      ranTargets.contains($0.target) && current.results[$0] == nil
    }
    let baselineTargets = Set(baseline.targets)
    var result = GateResult(comparisons: comparisons, notRun: notRun)
    result.suitesWithoutBaseline = current.targets.filter { !baselineTargets.contains($0) }
    result.undeclaredMetrics = undeclared.sorted()
    return result
  }

  static func decide(
    id: BenchmarkID, metric: String, policy: MetricPolicy, current: MetricSample,
    baseline: MetricSample?
  ) -> MetricComparison {
    let percentile: Int
    switch policy {
    case .exact(let p), .tolerance(_, let p, _): percentile = p
    case .report: percentile = 50
    }
    var comparison = MetricComparison(
      id: id, metric: metric, policy: policy, percentile: percentile,
      baseline: baseline?.value(at: percentile), current: current.value(at: percentile),
      unit: current.unit, outcome: .reported)
    guard case .report = policy else {
      guard let old = comparison.baseline, let new = comparison.current else {
        comparison.outcome = .new
        return comparison
      }
      comparison.outcome = outcome(policy: policy, baseline: old, current: new)
      return comparison
    }
    return comparison
  }

  /// The decision for one pair of values.
  /// - Parameters:
  ///   - policy: The metric's policy.
  ///   - baseline: The stored value.
  ///   - current: This run's value.
  /// - Returns: pass, regression or improvement (`reported` for report-only).
  public static func outcome(policy: MetricPolicy, baseline: Int, current: Int) -> Outcome {
    switch policy {
    case .report:
      return .reported
    case .exact:
      if current == baseline { return .pass }
      return current > baseline ? .regression : .improvement
    case .tolerance(let tolerance, _, let polarity):
      // Positive `worse` means the change went the wrong way.
      let worse: Double
      if baseline == 0 {
        // No scale to be relative to: any move off zero counts fully.
        worse = current == 0 ? 0 : (current > 0 ? 1 : -1) * .infinity
      } else {
        worse = Double(current - baseline) / Double(abs(baseline))
      }
      let signed = polarity == .smaller ? worse : -worse
      if signed > tolerance { return .regression }
      if signed < -tolerance { return .improvement }
      return .pass
    }
  }
}
