import BenchmarkGateKit
import Foundation
import Testing

/// What `swift package benchmark` decides from a harness run (`check-run`),
/// and what `gate` says about suites and metrics it cannot check.
@Suite("Harness runs, missing baselines and declared polarity")
struct HarnessRunTests {
  /// The header row package-benchmark prints above each benchmark's table.
  static let tableHeader =
    "│ Metric                   │      p0 │     p25 │     p50 │     p75 │     p90 │     p99 │    p100 │ Samples │"

  /// A suite that measured two benchmarks.
  static let goodRun = """
    Building benchmark targets in release mode for benchmark run...
    Build complete!

    ==================================================================
    Threshold violations
    ==================================================================

    GateSelfTest
    ============

    HotLoopAllocations
    ╒══════════════════════════╤═════════╤
    \(tableHeader)
    ╞══════════════════════════╪═════════╪
    │ Malloc (total) *         │       0 │
    ╘══════════════════════════╧═════════╧

    RingRatio
    ╒══════════════════════════╤═════════╤
    \(tableHeader)
    ╞══════════════════════════╪═════════╪
    │ ring/reference x1000 *   │     994 │
    ╘══════════════════════════╧═════════╧

    """

  /// What the harness printed when a plain executable sat among the suites
  /// (issue 16): the run measured nothing and the harness exited 0.
  static let plainExecutableAmongSuites = """
    Building benchmark targets in release mode for benchmark run...
    Build complete!
    usage: InstructionCounts CASE MESSAGES
    Process failed: WaitPIDError
    Failed to run 'run' for /work/Benchmarks/.build/release/InstructionCounts, error code [256]
    Likely your benchmark crashed, try running the tool in the debugger, e.g.

    """

  /// A suite that traps while measuring.
  static let crashingSuite = """
    Building benchmark targets in release mode for benchmark run...
    Build complete!
    Fatal error: Index out of range
    One or more benchmark suites crashed during runtime.

    """

  @Test("a run that printed its tables and exited 0 passes")
  func goodRunPasses() {
    let run = HarnessRun.scan(Self.goodRun)
    #expect(run.resultTables == 2)
    #expect(run.failureLines.isEmpty)
    #expect(run.problems(exitStatus: 0, expectsResults: true).isEmpty)
  }

  @Test("a plain executable among the suites fails the run although the harness exited 0")
  func plainExecutableFails() {
    let run = HarnessRun.scan(Self.plainExecutableAmongSuites)
    #expect(run.resultTables == 0)
    let problems = run.problems(exitStatus: 0, expectsResults: true)
    #expect(problems.contains("no benchmark ran (the harness printed no result table)"))
    #expect(problems.contains { $0.contains("Process failed: WaitPIDError") })
  }

  @Test("a crashing suite fails the run, whatever the exit status")
  func crashFails() {
    let run = HarnessRun.scan(Self.crashingSuite)
    #expect(!run.problems(exitStatus: 0, expectsResults: false).isEmpty)
    #expect(!run.problems(exitStatus: 3, expectsResults: true).isEmpty)
    // Tables printed before a crash do not make the run a success.
    let partly = HarnessRun.scan(Self.goodRun + Self.crashingSuite)
    #expect(partly.resultTables == 2)
    #expect(!partly.problems(exitStatus: 0, expectsResults: true).isEmpty)
  }

  @Test("zero benchmarks fail a plain run; list and exports need no tables")
  func zeroBenchmarks() {
    let empty = HarnessRun.scan("Building benchmark targets in release mode...\nBuild complete!\n")
    #expect(empty.problems(exitStatus: 0, expectsResults: true).count == 1)
    #expect(empty.problems(exitStatus: 0, expectsResults: false).isEmpty)
    #expect(
      empty.problems(exitStatus: 1, expectsResults: false) == [
        "the harness exited with status 1"
      ])
  }

  @Test("check-run maps the decision to exit statuses 0 and 5")
  func checkRunCommand() throws {
    let directory = temporaryDirectory()
    func check(_ text: String, status: Int32, expect: Bool) throws -> GateExitCode {
      let log = directory + "/run.log"
      try text.write(toFile: log, atomically: true, encoding: .utf8)
      var arguments = ["check-run", "--log", log, "--status", String(status)]
      if expect { arguments.append("--expect-results") }
      return try GateCommand(arguments: arguments).run { _ in }
    }
    #expect(try check(Self.goodRun, status: 0, expect: true) == .pass)
    #expect(try check(Self.plainExecutableAmongSuites, status: 0, expect: true) == .harnessFailed)
    #expect(try check(Self.crashingSuite, status: 0, expect: false) == .harnessFailed)
    #expect(try check(Self.goodRun, status: 1, expect: true) == .harnessFailed)
    #expect(GateExitCode.harnessFailed.rawValue == 5)
  }

  @Test("a suite with no baseline is warned about loudly, and --strict fails on it")
  func missingBaseline() throws {
    let directory = temporaryDirectory()
    let empty = directory + "/6.3"
    let result = try Gate.compare(current: try Fixture.baseline.load(), baseline: ResultSet())
    #expect(result.suitesWithoutBaseline == ["GateSelfTest"])
    #expect(result.verdict == .pass)
    #expect(TextReport.text(result).contains("WARNING: no baseline for suite GateSelfTest"))
    #expect(TextReport.markdown(result).contains("NOTHING in it was gated"))

    func compare(_ extra: [String]) throws -> GateExitCode {
      try GateCommand(
        arguments: ["compare", "--results", Fixture.baseline.path, "--baselines", empty]
          + extra
      ).run { _ in }
    }
    #expect(try compare([]) == .pass)
    #expect(try compare(["--strict", "--verdict", directory + "/verdict"]) == .missingBaseline)
    #expect(
      try String(contentsOfFile: directory + "/verdict", encoding: .utf8) == "missing-baseline\n")
    // With a baseline, --strict changes nothing.
    _ = try GateCommand(arguments: [
      "update", "--results", Fixture.baseline.path, "--baselines", empty,
    ]).run { _ in }
    #expect(try compare(["--strict"]) == .pass)
  }

  @Test("a custom metric is gated in the direction its suite declared, else only reported")
  func declaredPolarity() throws {
    let export = """
      measurement,metric,unit,test,percentile,value
      Pool,Kmsg/s,,workers 2,50.0,1000
      Pool,ps/op,,lookup,50.0,1000
      Pool,mystery,,lookup,50.0,1000

      """
    let directory = temporaryDirectory()
    let path = directory + "/Current_run.influx.csv"
    try export.write(toFile: path, atomically: true, encoding: .utf8)
    try
      #"{"formatVersion": 1, "target": "Pool", "polarity": {"Kmsg/s": "larger", "ps/op": "smaller"}}"#
      .write(toFile: directory + "/Pool.metrics.json", atomically: true, encoding: .utf8)
    let baseline = try InfluxResults.load([path])
    let pool = BenchmarkID(target: "Pool", name: "workers 2")
    let lookup = BenchmarkID(target: "Pool", name: "lookup")
    #expect(baseline.results[pool]?["Kmsg/s"]?.polarity == .larger)

    // Throughput falling by 40 % is a regression; rising by 40 % is not.
    let slower = baseline.scaling("Kmsg/s", of: pool, by: 0.6)
    let result = try Gate.compare(current: slower, baseline: baseline)
    #expect(result.comparisons(with: .regression).map(\.metric) == ["Kmsg/s"])
    let faster = baseline.scaling("Kmsg/s", of: pool, by: 1.4)
    #expect(try Gate.compare(current: faster, baseline: baseline).verdict == .improvement)
    // Time per operation rising is a regression.
    let slowerLookup = baseline.scaling("ps/op", of: lookup, by: 1.4)
    #expect(try Gate.compare(current: slowerLookup, baseline: baseline).verdict == .regression)
    // An undeclared custom metric is reported, never gated, and named in a warning.
    let mystery = baseline.scaling("mystery", of: lookup, by: 5)
    let unknown = try Gate.compare(current: mystery, baseline: baseline)
    #expect(unknown.verdict == .pass)
    #expect(unknown.undeclaredMetrics == ["Pool:mystery"])
    #expect(TextReport.text(unknown).contains("no declared polarity"))
  }

  @Test("every suite registers through suite { }, so quick mode and declarations reach it")
  func everySuiteUsesTheSharedRegistration() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let suites = root.appending(path: "Benchmarks/Benchmarks")
    let names = try FileManager.default.contentsOfDirectory(atPath: suites.path).sorted()
    #expect(names.count >= 6)
    for name in names {
      let folder = suites.appending(path: name)
      let sources = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        .filter { $0.hasSuffix(".swift") }
        .map { try String(contentsOf: folder.appending(path: $0), encoding: .utf8) }
        .joined()
      #expect(
        sources.contains("let benchmarks: @Sendable () -> Void = suite {"),
        "\(name) must register its benchmarks with `suite { … }` (BenchmarkSupport)")
      #expect(!sources.contains("@main"), "\(name) looks like a plain executable, not a suite")
    }
  }
}
