/// What one run of the benchmark harness (ordo-one/package-benchmark) printed,
/// and whether it counts as a successful run.
///
/// The harness can exit 0 although nothing was measured: when a suite
/// executable fails while the harness lists its benchmarks, it prints
/// `Process failed: …` and carries on. So the driver decides from the exit
/// status *and* the output: a run passes only if the harness exited 0, printed
/// none of its failure messages and, when results were expected, printed at
/// least one result table.
public struct HarnessRun: Sendable, Equatable {
  /// Result tables printed (one per benchmark in the default text or markdown output).
  public var resultTables: Int
  /// Lines that report a failure, in order.
  public var failureLines: [String]

  /// Lines the harness (or SwiftPM building it) prints when something failed.
  static let failureMarkers = [
    "Process failed:",
    "Failed to run '",
    "Likely your benchmark crashed",
    "One or more benchmark suites crashed",
    "benchmark job(s) failed",
    "One or more benchmarks returned an unexpected return code",
    "Benchmark failed to run due to build error",
    "Failed to run BenchmarkTool",
    "Fatal error:",
  ]

  /// Scans the harness's combined standard output and standard error.
  /// - Parameter output: Everything the harness printed.
  /// - Returns: The tables and failure lines found.
  public static func scan(_ output: String) -> HarnessRun {
    var run = HarnessRun(resultTables: 0, failureLines: [])
    for line in output.split(whereSeparator: \.isNewline) {
      // A result table's header row: `Metric` (or `Test` when grouped by
      // metric), the percentiles p0…p100 and `Samples`.
      if line.contains("p50"), line.contains("p100"), line.contains("Samples") {
        run.resultTables += 1
      }
      if failureMarkers.contains(where: { line.contains($0) }) {
        run.failureLines.append(String(line.trimmingPrefix(while: \.isWhitespace)))
      }
    }
    return run
  }

  /// Why a run failed, or an empty list when it passed.
  /// - Parameters:
  ///   - exitStatus: The harness's exit status.
  ///   - expectsResults: Whether this run should have printed result tables
  ///     (a plain run without a benchmark filter; not `list`, `baseline`,
  ///     exports or `--quiet`).
  /// - Returns: One sentence per problem.
  public func problems(exitStatus: Int32, expectsResults: Bool) -> [String] {
    var problems: [String] = []
    if exitStatus != 0 { problems.append("the harness exited with status \(exitStatus)") }
    for line in failureLines { problems.append("the harness reported: \(line)") }
    if expectsResults && resultTables == 0 {
      problems.append("no benchmark ran (the harness printed no result table)")
    }
    return problems
  }
}
