// `swift package benchmark`: the project's benchmark driver.
//
// A thin driver (it parses arguments, runs processes and maps exit statuses);
// the decisions live in the BenchmarkGate tool, which is unit-tested.
//
//   swift package benchmark [harness arguments]   run the suites in Benchmarks/ (pass-through
//                                                 to ordo-one/benchmark's own plugin there)
//   swift package benchmark gate [options]        run, compare with the committed baselines,
//                                                 re-run once before declaring a regression
//   swift package benchmark gate-update [options] run (3 times by default) and write the baselines
//   swift package benchmark report [options]      run and write SVG charts plus summary.md
//
// The harness runs in the nested package with its own scratch folder
// (Benchmarks/.build by default), so it never waits on the root package's lock.

import Foundation
import PackagePlugin

@main
struct BenchmarkCommand: CommandPlugin {
  func performCommand(context: PluginContext, arguments: [String]) async throws {
    let root = context.package.directoryURL
    var extractor = ArgumentExtractor(arguments)
    let scratch = extractor.extractOption(named: "benchmarks-scratch-path").last
    let driver = Driver(root: root, scratchPath: scratch.map { Driver.resolve($0, against: root) })
    let subcommand = arguments.first { !$0.hasPrefix("-") }
    switch subcommand {
    case "gate", "gate-update", "report":
      var rest = extractor.remainingArguments
      rest.remove(at: rest.firstIndex(of: subcommand!)!)
      var options = ArgumentExtractor(rest)
      let gate = try context.tool(named: "BenchmarkGate").url
      let work = context.pluginWorkDirectoryURL
      switch subcommand {
      case "gate": try driver.gate(tool: gate, work: work, options: &options)
      case "gate-update": try driver.update(tool: gate, work: work, options: &options)
      default: try driver.report(tool: gate, work: work, options: &options)
      }
    default:
      let status = try driver.runHarness(extractor.remainingArguments)
      if status != 0 { throw DriverError.harnessFailed(status) }
    }
  }
}

enum DriverError: Error, CustomStringConvertible {
  case harnessFailed(Int32)
  case noExport(String)
  case regression
  case gateError(Int32)
  case badOption(String)

  var description: String {
    switch self {
    case .harnessFailed(let status):
      "the benchmark harness exited with status \(status)"
    case .noExport(let path): "the harness wrote no results to \(path)"
    case .regression:
      "benchmarkGateRegression: a gated metric regressed in two runs in a row"
    case .gateError(let status): "benchmarkGateError: the gate tool failed (status \(status))"
    case .badOption(let message): message
    }
  }
}

/// Runs the nested harness and the gate tool.
struct Driver {
  var root: URL
  var scratchPath: String?

  var benchmarks: URL { root.appending(path: "Benchmarks") }

  static func resolve(_ path: String, against root: URL) -> String {
    path.hasPrefix("/") ? path : root.appending(path: path).path
  }

  /// Runs `swift package --package-path Benchmarks benchmark <arguments>`.
  func runHarness(_ arguments: [String]) throws -> Int32 {
    var command = ["swift", "package", "--package-path", benchmarks.path]
    if let scratchPath { command += ["--scratch-path", scratchPath] }
    return try run(command + ["benchmark"] + arguments)
  }

  func run(_ command: [String], output: Pipe? = nil) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = command
    process.currentDirectoryURL = root
    if let output { process.standardOutput = output }
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
  }

  /// `major.minor` of the toolchain, which names the baseline folder.
  func swiftVersion() throws -> String {
    let pipe = Pipe()
    _ = try run(["swift", "--version"], output: pipe)
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    guard let range = text.range(of: #"version (\d+)\.(\d+)"#, options: .regularExpression) else {
      return "unknown"
    }
    return String(text[range].dropFirst("version ".count))
  }

  /// The harness selection options users may pass (`--target`, `--filter`, `--skip`).
  func selection(_ options: inout ArgumentExtractor) -> [String] {
    var selection: [String] = []
    for name in ["target", "filter", "skip"] {
      for value in options.extractOption(named: name) { selection += ["--\(name)", value] }
    }
    return selection
  }

  /// One harness run exported as influx CSV into `directory`; returns the file.
  func export(_ selection: [String], into directory: URL, environment: String? = nil) throws
    -> String
  {
    try? FileManager.default.removeItem(at: directory)
    let status = try runHarness(
      selection + ["--format", "influx", "--path", directory.path, "--no-progress"])
    if status != 0 { throw DriverError.harnessFailed(status) }
    let file = directory.appending(path: "Current_run.influx.csv").path
    guard FileManager.default.fileExists(atPath: file) else { throw DriverError.noExport(file) }
    return file
  }

  func baselineOptions(_ options: inout ArgumentExtractor) throws -> [String] {
    let directory: String
    if let path = options.extractOption(named: "baselines").last {
      directory = Driver.resolve(path, against: root)
    } else {
      directory = benchmarks.appending(path: "Baselines/\(try swiftVersion())").path
    }
    var arguments = ["--baselines", directory]
    let policy =
      options.extractOption(named: "policy").last.map { Driver.resolve($0, against: root) }
      ?? benchmarks.appending(path: "Baselines/policy.json").path
    if FileManager.default.fileExists(atPath: policy) { arguments += ["--policy", policy] }
    return arguments
  }

  func gate(tool: URL, work: URL, options: inout ArgumentExtractor) throws {
    let selection = selection(&options)
    var arguments = try baselineOptions(&options)
    for name in ["markdown", "verdict"] {
      if let path = options.extractOption(named: name).last {
        arguments += ["--\(name)", Driver.resolve(path, against: root)]
      }
    }
    let rerun = options.extractFlag(named: "no-rerun") == 0
    try rejectLeftovers(options)
    var attempt = 1
    while true {
      print("benchmark gate: run \(attempt)")
      let file = try export(selection, into: work.appending(path: "gate-run-\(attempt)"))
      let status = try run([tool.path, "compare", "--results", file] + arguments)
      switch status {
      case 0: return
      case 3:
        print("benchmark gate: improvement; record it with `swift package benchmark gate-update`")
        return
      case 2 where rerun && attempt == 1:
        print("benchmark gate: regression in run 1; re-running once to rule out noise")
        attempt += 1
      case 2: throw DriverError.regression
      default: throw DriverError.gateError(status)
      }
    }
  }

  func update(tool: URL, work: URL, options: inout ArgumentExtractor) throws {
    let selection = selection(&options)
    let runs = Int(options.extractOption(named: "runs").last ?? "3") ?? 3
    let arguments = try baselineOptions(&options).prefix(2)
    try rejectLeftovers(options)
    var files: [String] = []
    for index in 1...max(1, runs) {
      print("benchmark gate-update: run \(index) of \(runs)")
      files.append(try export(selection, into: work.appending(path: "update-run-\(index)")))
    }
    let status = try run(
      [tool.path, "update"] + files.flatMap { ["--results", $0] } + arguments)
    if status != 0 { throw DriverError.gateError(status) }
  }

  func report(tool: URL, work: URL, options: inout ArgumentExtractor) throws {
    let selection = selection(&options)
    let output =
      options.extractOption(named: "output").last.map { Driver.resolve($0, against: root) }
      ?? (scratchPath ?? benchmarks.appending(path: ".build").path) + "/benchmark-report"
    let baselines = try baselineOptions(&options)
    let from = options.extractOption(named: "results").map { Driver.resolve($0, against: root) }
    try rejectLeftovers(options)
    let files =
      from.isEmpty ? [try export(selection, into: work.appending(path: "report-run"))] : from
    let status = try run(
      [tool.path, "report", "--output", output] + files.flatMap { ["--results", $0] } + baselines)
    if status != 0 { throw DriverError.gateError(status) }
  }

  func rejectLeftovers(_ options: ArgumentExtractor) throws {
    let leftovers = options.remainingArguments
    if !leftovers.isEmpty {
      throw DriverError.badOption(
        "unexpected arguments: \(leftovers.joined(separator: " ")) "
          + "(gate, gate-update and report take --target/--filter/--skip, --baselines, --policy, "
          + "--markdown, --verdict, --runs, --no-rerun, --output, --results)")
    }
  }
}
