import Foundation

/// The `benchmark-gate` command line, kept in the library so tests can drive it.
///
/// Parsed by hand rather than with swift-argument-parser: the tool sits in the
/// root package, and any dependency there is resolved by every library user.
public struct GateCommand {
  /// The usage text.
  public static let usage = """
    usage: benchmark-gate <command> [options]

    commands:
      compare  --results FILE... --baselines DIR [--policy FILE] [--markdown FILE] [--verdict FILE]
               [--strict]
               Compare a run (package-benchmark `--format influx` exports; several files of
               the same suites are merged by median) with the committed baselines.
               Exit status: 0 pass, 2 regression, 3 improvement, 1 error; with --strict,
               4 when a suite of the run has no baseline (otherwise a loud warning).
      update   --results FILE... --baselines DIR
               Write the run as the new baselines of the suites it contains.
      report   --results FILE... --output DIR [--baselines DIR] [--policy FILE]
               Write SVG charts and summary.md (with the comparison when baselines are given).
      table    --results FILE... [--metric NAME]...
               Print a markdown table of p50 values.
      figures  --results FILE... [--peers FILE]
               Print the README's figures: one short table per question.
      check-run --log FILE --status N [--expect-results]
               Decide whether a harness run worked, from its exit status and its output:
               exit 0 if it did, 5 if it failed or (with --expect-results) measured nothing.
    """

  /// The subcommand name.
  public var command: String
  /// Values of repeatable options, by option name without dashes.
  public var options: [String: [String]]

  /// Parses arguments (without the program name).
  /// - Parameter arguments: The command-line arguments.
  /// - Throws: ``GateError/usage(_:)`` for a missing command, unknown option or missing value.
  public init(arguments: [String]) throws(GateError) {
    guard let first = arguments.first, !first.hasPrefix("-") else {
      throw .usage(Self.usage)
    }
    command = first
    options = [:]
    let known: Set = [
      "results", "baselines", "policy", "markdown", "verdict", "output", "metric", "log", "status",
      "peers",
    ]
    let flags: Set = ["strict", "expect-results"]
    var rest = arguments.dropFirst()[...]
    while let argument = rest.popFirst() {
      let name = String(argument.dropFirst(2))
      if argument.hasPrefix("--"), flags.contains(name) {
        options[name, default: []].append("true")
        continue
      }
      guard argument.hasPrefix("--"), known.contains(name) else {
        throw .usage("unknown argument '\(argument)'\n\n\(Self.usage)")
      }
      guard let value = rest.popFirst() else { throw .usage("\(argument) needs a value") }
      options[String(argument.dropFirst(2)), default: []].append(value)
    }
  }

  func one(_ name: String) throws(GateError) -> String {
    guard let values = options[name], values.count == 1 else {
      throw .usage("\(command) needs exactly one --\(name)")
    }
    return values[0]
  }

  func many(_ name: String) throws(GateError) -> [String] {
    guard let values = options[name], !values.isEmpty else {
      throw .usage("\(command) needs --\(name)")
    }
    return values
  }

  func policy() throws(GateError) -> GatePolicy {
    guard let path = options["policy"]?.first else { return GatePolicy() }
    return try GatePolicy.load(path: path)
  }

  /// Runs the command, printing to standard output.
  /// - Returns: The exit status (``GateExitCode``).
  /// - Throws: ``GateError`` for bad input; the caller maps it to ``GateExitCode/error``.
  public func run(print output: (String) -> Void = { Swift.print($0, terminator: "") })
    throws(GateError) -> GateExitCode
  {
    switch command {
    case "compare":
      let current = try InfluxResults.load(try many("results"))
      let baselines = try Baselines.load(directory: try one("baselines"))
      let result = try Gate.compare(current: current, baseline: baselines, policy: try policy())
      output(TextReport.text(result))
      if let path = options["markdown"]?.first {
        try write(TextReport.markdown(result), to: path)
      }
      let strictFailure = options["strict"] != nil && !result.suitesWithoutBaseline.isEmpty
      if let path = options["verdict"]?.first {
        try write((strictFailure ? "missing-baseline" : result.verdict.rawValue) + "\n", to: path)
      }
      if strictFailure {
        output(
          "benchmark-gate: --strict: no baseline for \(result.suitesWithoutBaseline.joined(separator: ", "))\n"
        )
        return .missingBaseline
      }
      switch result.verdict {
      case .regression:
        output("benchmark-gate: regression beyond the thresholds\n")
      case .improvement:
        output(
          "benchmark-gate: improvement beyond the thresholds; update the baselines to keep it\n")
      case .pass:
        output("benchmark-gate: pass\n")
      }
      return result.verdict.exitCode
    case "update":
      let current = try InfluxResults.load(try many("results"))
      for path in try Baselines.write(current, to: try one("baselines")) {
        output("wrote \(path)\n")
      }
      return .pass
    case "report":
      let current = try InfluxResults.load(try many("results"))
      var gate: GateResult?
      if let directory = options["baselines"]?.first {
        let baselines = try Baselines.load(directory: directory)
        gate = try Gate.compare(current: current, baseline: baselines, policy: try policy())
      }
      let files = try ChartReport.write(current, gate: gate, to: try one("output"))
      output("wrote \(files.count) files; open \(files.last ?? "")\n")
      return .pass
    case "table":
      let current = try InfluxResults.load(try many("results"))
      output(TextReport.figuresTable(current, metrics: options["metric"]))
      return .pass
    case "figures":
      let current =
        options["results"] == nil ? ResultSet() : try InfluxResults.load(try many("results"))
      var peers: [PeerLine] = []
      for path in options["peers"] ?? [] { peers += try PeerLine.load(path) }
      output(Figures.markdown(current, peers: peers))
      return .pass
    case "check-run":
      let path = try one("log")
      guard let data = FileManager.default.contents(atPath: path) else {
        throw .unreadableFile(path)
      }
      guard let status = Int32(try one("status")) else {
        throw .usage("--status needs an integer exit status")
      }
      let run = HarnessRun.scan(String(decoding: data, as: UTF8.self))
      let problems = run.problems(
        exitStatus: status, expectsResults: options["expect-results"] != nil)
      for problem in problems { output("benchmark: FAILED: \(problem)\n") }
      if problems.isEmpty, run.resultTables > 0 {
        output("benchmark: \(run.resultTables) result tables\n")
      }
      return problems.isEmpty ? .pass : .harnessFailed
    default:
      throw .usage("unknown command '\(command)'\n\n\(Self.usage)")
    }
  }

  private func write(_ text: String, to path: String) throws(GateError) {
    do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
      throw .unreadableFile(path)
    }
  }
}
