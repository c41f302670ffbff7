// `swift package benchmark`: the project's benchmark driver.
//
// A thin driver: it parses arguments, runs processes and maps exit statuses.
// The decisions (did a harness run work, did a metric regress, what to chart)
// live in the BenchmarkGate tool (Tools/BenchmarkGateKit), which is unit-tested.
// `swift package benchmark --help` (Help.swift) lists the verbs.
//
// The harness runs in the nested package with its own scratch folder
// (Benchmarks/.build by default), so it never waits on the root package's lock.
// It runs once per suite, so that progress reads "suite i of n", a crashing
// suite cannot hide the others, and a suite that measured nothing is caught.

import Foundation
import PackagePlugin

@main
struct BenchmarkCommand: CommandPlugin {
  func performCommand(context: PluginContext, arguments: [String]) async throws {
    let root = context.package.directoryURL
    var extractor = ArgumentExtractor(arguments)
    let scratch = extractor.extractOption(named: "benchmarks-scratch-path").last
    let quick =
      extractor.extractFlag(named: "quick") > 0
      || ProcessInfo.processInfo.environment["SN_BENCHMARK_QUICK"] == "1"
    var wantsHelp = extractor.extractFlag(named: "help") > 0
    var rest = extractor.remainingArguments
    if let short = rest.firstIndex(of: "-h") {
      rest.remove(at: short)
      wantsHelp = true
    }
    let verb = rest.first { !$0.hasPrefix("-") }
    if let verb, ["gate", "gate-update", "report", "run", "help"].contains(verb) {
      rest.remove(at: rest.firstIndex(of: verb)!)
    }
    if wantsHelp || verb == "help" {
      let topic = verb == "help" ? rest.first : verb
      switch topic {
      case "gate": say(Help.gate)
      case "gate-update": say(Help.gateUpdate)
      case "report": say(Help.report)
      case "harness":
        _ = try Driver(root: root, scratchPath: nil, quick: false).runHarness(["help"])
      default:
        let folder = root.appending(path: "Benchmarks/Benchmarks").path
        let suites = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        say(
          Help.main.replacingOccurrences(
            of: "SUITES", with: suites.sorted().joined(separator: ", ")))
      }
      return
    }
    var driver = Driver(
      root: root, scratchPath: scratch.map { Driver.resolve($0, against: root) }, quick: quick)
    driver.gateTool = try context.tool(named: "BenchmarkGate").url
    driver.work = context.pluginWorkDirectoryURL
    var options = ArgumentExtractor(rest)
    switch verb {
    case "gate": try driver.gate(options: &options)
    case "gate-update": try driver.update(options: &options)
    case "report": try driver.report(options: &options)
    case "list", "baseline", "thresholds", "init":
      // The harness's own verbs: one pass-through run, checked for failures.
      try driver.checkedHarnessRun(rest, label: verb!, expectsResults: false)
    default:
      try driver.runSuites(options: &options)
    }
  }
}

enum DriverError: Error, CustomStringConvertible {
  case suitesFailed([String])
  case noSuite(String)
  case noExport(String)
  case regression
  case missingBaseline
  case gateError(Int32)
  case badOption(String)

  var description: String {
    switch self {
    case .suitesFailed(let suites):
      "benchmark: FAILED: \(suites.joined(separator: ", ")) (see the messages above)"
    case .noSuite(let selection): "no suite in Benchmarks/Benchmarks matches \(selection)"
    case .noExport(let path): "the harness wrote no results to \(path)"
    case .regression:
      "benchmarkGateRegression: a gated metric regressed in two runs in a row"
    case .missingBaseline:
      "benchmarkGateMissingBaseline: --strict and a suite has no baseline for this toolchain"
    case .gateError(let status): "benchmarkGateError: the gate tool failed (status \(status))"
    case .badOption(let message): message
    }
  }
}
