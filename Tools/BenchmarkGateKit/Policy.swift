import Foundation

/// Which direction of change is better for a metric.
public enum Polarity: String, Sendable, Codable {
  /// Lower values are better (time, counts, ratios of candidate over reference).
  case smaller
  /// Higher values are better (throughput, GB/s).
  case larger
}

/// How the gate treats one metric.
public enum MetricPolicy: Sendable, Equatable {
  /// A deterministic count (allocations, instructions): any change at the
  /// percentile is a regression or an improvement.
  case exact(percentile: Int)
  /// A noisy but self-normalising value (a same-run ratio): a relative change
  /// beyond `tolerance` (0.2 means 20 %) in the worse direction is a regression.
  case tolerance(Double, percentile: Int, polarity: Polarity)
  /// Shown in reports, never gated (wall clock, throughput on a shared machine).
  case report
}

/// One rule of a policy: which metrics (and optionally benchmarks) it covers,
/// and how they are gated.
///
/// `metric` and `benchmark` are glob patterns where `*` matches any run of
/// characters; metric names are the exported ones, spaces removed
/// (`Malloc(total)`, `Time(wallclock)`, a custom metric's name). `benchmark`
/// matches `Target:Name`.
public struct PolicyRule: Sendable, Equatable, Codable {
  /// Glob over the metric name.
  public var metric: String
  /// Glob over `Target:Name`; `nil` matches every benchmark.
  public var benchmark: String?
  /// `exact`, `tolerance` or `report`.
  public var kind: String
  /// Relative tolerance for `tolerance` (default 0.2).
  public var tolerance: Double?
  /// The percentile compared (default 50).
  public var percentile: Int?
  /// Better direction for `tolerance`; without it, the direction the suite
  /// declared for the metric, else `smaller`.
  public var polarity: Polarity?

  /// Creates a rule.
  public init(
    metric: String, benchmark: String? = nil, kind: String, tolerance: Double? = nil,
    percentile: Int? = nil, polarity: Polarity? = nil
  ) {
    self.metric = metric
    self.benchmark = benchmark
    self.kind = kind
    self.tolerance = tolerance
    self.percentile = percentile
    self.polarity = polarity
  }

  func matches(metric name: String, benchmark id: BenchmarkID) -> Bool {
    guard Glob.matches(metric, name) else { return false }
    guard let benchmark else { return true }
    return Glob.matches(benchmark, id.description)
  }

  func resolved(source: String, declared: Polarity? = nil) throws(GateError) -> MetricPolicy {
    let percentile = percentile ?? 50
    guard [0, 25, 50, 75, 90, 99, 100].contains(percentile) else {
      throw .malformedPolicy(source, reason: "percentile \(percentile) is not exported")
    }
    switch kind {
    case "exact": return .exact(percentile: percentile)
    case "report": return .report
    case "tolerance":
      let tolerance = tolerance ?? 0.2
      guard tolerance >= 0, tolerance.isFinite else {
        throw .malformedPolicy(source, reason: "tolerance \(tolerance) must be >= 0")
      }
      return .tolerance(
        tolerance, percentile: percentile, polarity: polarity ?? declared ?? .smaller)
    default:
      throw .malformedPolicy(source, reason: "unknown kind '\(kind)' (exact, tolerance, report)")
    }
  }
}

/// The gate's rules: the project's own (from a policy file) first, then the
/// built-in defaults. The first matching rule decides.
///
/// Defaults, chosen from what was measured on a 2-core shared VM:
/// - allocation counts (`Malloc(total|small|large)`, `Free(total)`): exact at p50
///   (constant across runs; p99/max carry harness noise);
/// - `Instructions*` (perf or callgrind): 2 % at p50;
/// - wall and CPU time, throughput, memory, syscalls, threads, ARC counters:
///   report only (wall-clock p50 spread 1.66x over identical runs);
/// - every other metric is a custom one: 20 % at p50 in the direction its suite
///   declared (`BenchmarkMetric.custom(_:polarity:)`, see ``MetricDeclarations``);
///   a custom metric whose direction was not declared is reported, never
///   gated, and the gate lists it (guessing "lower is better" would gate
///   throughput backwards).
public struct GatePolicy: Sendable {
  /// The project's rules, consulted before the defaults.
  public var rules: [PolicyRule]

  /// Creates a policy with the project's rules ahead of the defaults.
  /// - Parameter rules: Rules that override the defaults.
  public init(rules: [PolicyRule] = []) { self.rules = rules }

  /// The built-in rules.
  public static let defaultRules: [PolicyRule] = [
    PolicyRule(metric: "Malloc(total)", kind: "exact"),
    PolicyRule(metric: "Malloc(small)", kind: "exact"),
    PolicyRule(metric: "Malloc(large)", kind: "exact"),
    PolicyRule(metric: "Free(total)", kind: "exact"),
    PolicyRule(metric: "Instructions*", kind: "tolerance", tolerance: 0.02),
    PolicyRule(metric: "Time(*", kind: "report"),
    PolicyRule(metric: "Throughput*", kind: "report"),
    PolicyRule(metric: "Memory*", kind: "report"),
    PolicyRule(metric: "Malloc*", kind: "report"),
    PolicyRule(metric: "Syscalls*", kind: "report"),
    PolicyRule(metric: "Bytes(*", kind: "report"),
    PolicyRule(metric: "Threads*", kind: "report"),
    PolicyRule(metric: "Contextswitches", kind: "report"),
    PolicyRule(metric: "Objectallocs", kind: "report"),
    PolicyRule(metric: "Retains", kind: "report"),
    PolicyRule(metric: "Releases", kind: "report"),
    PolicyRule(metric: "(Alloc+Retain)*", kind: "report"),
    PolicyRule(metric: "Δ*", kind: "report"),
  ]

  /// The rule for every other (custom) metric, used only when the metric's
  /// polarity was declared.
  public static let customMetricRule = PolicyRule(metric: "*", kind: "tolerance", tolerance: 0.2)

  /// The policy for one metric of one benchmark.
  /// - Parameters:
  ///   - metric: The exported metric name.
  ///   - id: The benchmark.
  ///   - declared: The polarity the suite declared for the metric, if known.
  /// - Returns: The first matching rule's policy; for a custom metric no rule
  ///   names, a 20 % tolerance in the declared direction, or report-only when
  ///   no direction was declared.
  /// - Throws: ``GateError/malformedPolicy(_:reason:)`` when the matching rule is invalid.
  public func policy(for metric: String, of id: BenchmarkID, declared: Polarity? = nil)
    throws(GateError) -> MetricPolicy
  {
    for rule in rules where rule.matches(metric: metric, benchmark: id) {
      return try rule.resolved(source: "policy file", declared: declared)
    }
    for rule in Self.defaultRules where rule.matches(metric: metric, benchmark: id) {
      return try rule.resolved(source: "defaults", declared: declared)
    }
    guard let declared else { return .report }
    return try Self.customMetricRule.resolved(source: "defaults", declared: declared)
  }

  /// Whether `metric` falls to the custom-metric rule, so that it can only be
  /// gated once its polarity is declared.
  /// - Parameters:
  ///   - metric: The exported metric name.
  ///   - id: The benchmark.
  /// - Returns: `true` when neither the project's rules nor the built-in rules name it.
  public func isUnnamedCustomMetric(_ metric: String, of id: BenchmarkID) -> Bool {
    !rules.contains { $0.matches(metric: metric, benchmark: id) }
      && !Self.defaultRules.contains { $0.matches(metric: metric, benchmark: id) }
  }

  /// Reads a policy file: `{"rules": [{"metric": "...", "kind": "...", ...}]}`.
  /// - Parameter path: The file.
  /// - Returns: The policy, its rules ahead of the defaults.
  /// - Throws: ``GateError`` when the file cannot be read or decoded, or a rule is invalid.
  public static func load(path: String) throws(GateError) -> GatePolicy {
    struct File: Codable { var rules: [PolicyRule] }
    guard let data = FileManager.default.contents(atPath: path) else { throw .unreadableFile(path) }
    let file: File
    do { file = try JSONDecoder().decode(File.self, from: data) } catch {
      throw .malformedPolicy(path, reason: "\(error)")
    }
    for rule in file.rules { _ = try rule.resolved(source: path) }
    return GatePolicy(rules: file.rules)
  }
}

/// `*`-only glob matching; enough for metric and benchmark names, and avoids
/// depending on `fnmatch`, whose bracket syntax would misread `Malloc(total)`.
enum Glob {
  static func matches(_ pattern: String, _ text: String) -> Bool {
    let parts = pattern.split(separator: "*", omittingEmptySubsequences: false)
    if parts.count == 1 { return pattern == text }
    var rest = Substring(text)
    guard rest.hasPrefix(parts[0]) else { return false }
    rest = rest.dropFirst(parts[0].count)
    for part in parts.dropFirst().dropLast() where !part.isEmpty {
      guard let range = rest.range(of: part) else { return false }
      rest = rest[range.upperBound...]
    }
    let last = parts[parts.count - 1]
    return rest.count >= last.count && rest.hasSuffix(last)
  }
}
