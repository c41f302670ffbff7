// Runs the nested harness once per suite and the gate tool, and maps statuses.

import Foundation
import PackagePlugin

/// Runs the nested harness and the gate tool.
struct Driver {
  var root: URL
  var scratchPath: String?
  /// Sets SN_BENCHMARK_QUICK=1 for the harness (`--quick`).
  var quick: Bool
  var gateTool = URL(fileURLWithPath: "/nonexistent")
  var work = URL(fileURLWithPath: NSTemporaryDirectory())

  var benchmarks: URL { root.appending(path: "Benchmarks") }

  static func resolve(_ path: String, against root: URL) -> String {
    path.hasPrefix("/") ? path : root.appending(path: path).path
  }

  // MARK: - Processes

  /// Runs `swift package --package-path Benchmarks benchmark <arguments>`,
  /// streaming its output; returns the exit status and everything it printed.
  @discardableResult
  func runHarness(_ arguments: [String], environment: [String: String] = [:]) throws -> (
    status: Int32, output: Data
  ) {
    var command = ["swift", "package", "--package-path", benchmarks.path]
    if let scratchPath { command += ["--scratch-path", scratchPath] }
    var environment = environment
    if quick { environment["SN_BENCHMARK_QUICK"] = "1" }
    return try run(command + ["benchmark"] + arguments, environment: environment, stream: true)
  }

  /// Runs a command from the package root. With `stream`, standard output and
  /// error are forwarded as they arrive and also returned; otherwise only returned.
  func run(_ command: [String], environment: [String: String] = [:], stream: Bool = false) throws
    -> (status: Int32, output: Data)
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = command
    process.currentDirectoryURL = root
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    var output = Data()
    let handle = pipe.fileHandleForReading
    while true {
      let chunk = handle.availableData
      if chunk.isEmpty { break }
      if stream { FileHandle.standardOutput.write(chunk) }
      output.append(chunk)
    }
    process.waitUntilExit()
    return (process.terminationStatus, output)
  }

  /// Runs the gate tool, printing what it prints; returns its exit status.
  func gate(_ arguments: [String]) throws -> Int32 {
    let (status, output) = try run([gateTool.path] + arguments)
    FileHandle.standardOutput.write(output)
    return status
  }

  /// `major.minor` of the toolchain, which names the baseline folder.
  func swiftVersion() throws -> String {
    let text = String(decoding: try run(["swift", "--version"]).output, as: UTF8.self)
    guard let range = text.range(of: #"version (\d+)\.(\d+)"#, options: .regularExpression) else {
      return "unknown"
    }
    return String(text[range].dropFirst("version ".count))
  }

  // MARK: - Suites

  /// The suites (folders of Benchmarks/Benchmarks) chosen by `--target` and
  /// `--skip-target` regular expressions, sorted.
  func suites(_ options: inout ArgumentExtractor) throws -> [String] {
    let folder = benchmarks.appending(path: "Benchmarks")
    let all = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
      var isDirectory: ObjCBool = false
      return FileManager.default.fileExists(
        atPath: folder.appending(path: $0).path, isDirectory: &isDirectory) && isDirectory.boolValue
    }.sorted()
    let targets = options.extractOption(named: "target")
    let skipped = options.extractOption(named: "skip-target")
    func matches(_ pattern: String, _ name: String) throws -> Bool {
      let regex = try NSRegularExpression(pattern: pattern)
      return regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
    }
    var chosen: [String] = []
    for name in all {
      let included = try targets.isEmpty || targets.contains { try matches($0, name) }
      let excluded = try skipped.contains { try matches($0, name) }
      if included && !excluded { chosen.append(name) }
    }
    if chosen.isEmpty {
      throw DriverError.noSuite(
        (targets.map { "--target \($0)" } + skipped.map { "--skip-target \($0)" }).joined(
          separator: " "))
    }
    return chosen
  }

  /// Runs the harness on each suite in turn, printing "suite i of n" and each
  /// suite's tables, then fails if any suite failed or measured nothing.
  func runSuites(options: inout ArgumentExtractor) throws {
    let suites = try suites(&options)
    let passThrough = options.remainingArguments
    // Tables are expected unless the arguments filter benchmarks or change the output.
    let quiet = ["--filter", "--skip", "--quiet", "--path", "--format"]
    let expectsResults = !passThrough.contains { argument in
      quiet.contains { argument == $0 || argument.hasPrefix($0 + "=") }
    }
    if quick {
      say(
        "benchmark: quick mode: every benchmark capped at 3 iterations / 0.3 s; the figures only show that the suites work"
      )
    }
    var failed: [String] = []
    let started = Date()
    for (index, suite) in suites.enumerated() {
      let label = "suite \(index + 1) of \(suites.count): \(suite)"
      let passed = try checkedHarnessRun(
        passThrough + ["--target", "^\(suite)$"], label: label, expectsResults: expectsResults,
        throwing: false)
      if !passed { failed.append(suite) }
    }
    let seconds = Int(Date().timeIntervalSince(started))
    if !failed.isEmpty { throw DriverError.suitesFailed(failed) }
    say("benchmark: all \(suites.count) suites ran in \(seconds) s")
  }

  /// One harness run, streamed, then judged by `BenchmarkGate check-run`.
  /// - Returns: Whether the run passed (it throws instead unless `throwing` is false).
  @discardableResult
  func checkedHarnessRun(
    _ arguments: [String], label: String, expectsResults: Bool, throwing: Bool = true,
    environment: [String: String] = [:]
  ) throws -> Bool {
    say("benchmark: ▶ \(label)")
    let started = Date()
    let (status, output) = try runHarness(arguments, environment: environment)
    let log = work.appending(path: "harness.log")
    try output.write(to: log)
    var check = ["check-run", "--log", log.path, "--status", String(status)]
    if expectsResults { check.append("--expect-results") }
    let verdict = try run([gateTool.path] + check)
    FileHandle.standardOutput.write(verdict.output)
    let seconds = Int(Date().timeIntervalSince(started))
    guard verdict.status == 0 else {
      say("benchmark: ✗ \(label) failed after \(seconds) s")
      if throwing { throw DriverError.suitesFailed([label]) }
      return false
    }
    say("benchmark: ✓ \(label) (\(seconds) s)")
    return true
  }

  // MARK: - Gate, update, report

  /// The harness options for benchmarks inside the suites (`--filter`, `--skip`).
  func benchmarkSelection(_ options: inout ArgumentExtractor) -> [String] {
    var selection: [String] = []
    for name in ["filter", "skip"] {
      for value in options.extractOption(named: name) { selection += ["--\(name)", value] }
    }
    return selection
  }

  /// Exports each suite of the selection as influx CSV (with its metric
  /// declarations) into `directory/<suite>/`; returns the files written.
  func export(_ suites: [String], _ selection: [String], into directory: URL) throws -> [String] {
    try? FileManager.default.removeItem(at: directory)
    var files: [String] = []
    for (index, suite) in suites.enumerated() {
      let folder = directory.appending(path: suite)
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      try checkedHarnessRun(
        selection + ["--target", "^\(suite)$", "--format", "influx", "--path", folder.path],
        label: "suite \(index + 1) of \(suites.count): \(suite)", expectsResults: false,
        environment: ["SN_BENCHMARK_METRICS_OUT": folder.path])
      let file = folder.appending(path: "Current_run.influx.csv").path
      let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
      if size > 0 {
        files.append(file)
      } else {
        say(
          "benchmark: WARNING: \(suite): no benchmark matched \(selection.joined(separator: " "))")
      }
    }
    if files.isEmpty { throw DriverError.noExport(directory.path) }
    return files
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

  func gate(options: inout ArgumentExtractor) throws {
    let suites = try suites(&options)
    let selection = benchmarkSelection(&options)
    var arguments = try baselineOptions(&options)
    for name in ["markdown", "verdict"] {
      if let path = options.extractOption(named: name).last {
        arguments += ["--\(name)", Driver.resolve(path, against: root)]
      }
    }
    if options.extractFlag(named: "strict") > 0 { arguments.append("--strict") }
    let rerun = options.extractFlag(named: "no-rerun") == 0
    try rejectLeftovers(options, verb: "gate")
    var attempt = 1
    while true {
      say("benchmark gate: run \(attempt)")
      let files = try export(suites, selection, into: work.appending(path: "gate-run-\(attempt)"))
      let status = try gate(["compare"] + files.flatMap { ["--results", $0] } + arguments)
      switch status {
      case 0: return
      case 3:
        say("benchmark gate: improvement; record it with `swift package benchmark gate-update`")
        return
      case 4: throw DriverError.missingBaseline
      case 2 where rerun && attempt == 1:
        say("benchmark gate: regression in run 1; re-running once to rule out noise")
        attempt += 1
      case 2: throw DriverError.regression
      default: throw DriverError.gateError(status)
      }
    }
  }

  func update(options: inout ArgumentExtractor) throws {
    let suites = try suites(&options)
    let selection = benchmarkSelection(&options)
    let runs = Int(options.extractOption(named: "runs").last ?? "3") ?? 3
    let arguments = try baselineOptions(&options).prefix(2)
    try rejectLeftovers(options, verb: "gate-update")
    var files: [String] = []
    for index in 1...max(1, runs) {
      say("benchmark gate-update: run \(index) of \(runs)")
      files += try export(suites, selection, into: work.appending(path: "update-run-\(index)"))
    }
    let status = try gate(["update"] + files.flatMap { ["--results", $0] } + arguments)
    if status != 0 { throw DriverError.gateError(status) }
  }

  func report(options: inout ArgumentExtractor) throws {
    let output =
      options.extractOption(named: "output").last.map { Driver.resolve($0, against: root) }
      ?? (scratchPath ?? benchmarks.appending(path: ".build").path) + "/benchmark-report"
    let from = options.extractOption(named: "results").map { Driver.resolve($0, against: root) }
    let suites = from.isEmpty ? try suites(&options) : []
    let selection = benchmarkSelection(&options)
    let baselines = try baselineOptions(&options)
    try rejectLeftovers(options, verb: "report")
    let files =
      from.isEmpty ? try export(suites, selection, into: work.appending(path: "report-run")) : from
    let status = try gate(
      ["report", "--output", output] + files.flatMap { ["--results", $0] } + baselines)
    if status != 0 { throw DriverError.gateError(status) }
  }

  func rejectLeftovers(_ options: ArgumentExtractor, verb: String) throws {
    let leftovers = options.remainingArguments
    if !leftovers.isEmpty {
      throw DriverError.badOption(
        "unexpected arguments: \(leftovers.joined(separator: " ")); "
          + "see `swift package benchmark \(verb) --help`")
    }
  }
}

/// Prints a line at once: the plugin's standard output is a pipe, where
/// `print` would buffer it behind the harness output forwarded unbuffered.
func say(_ text: String) {
  FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
