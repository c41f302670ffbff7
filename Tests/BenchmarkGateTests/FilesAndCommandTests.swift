import BenchmarkGateKit
import Foundation
import Testing

@Suite("Result files, baselines, policies and the command line")
struct FilesAndCommandTests {
  @Test("a recorded export reads every benchmark, metric and percentile")
  func readsRecordedExport() throws {
    let run = try Fixture.baseline.load()
    #expect(run.benchmarks == [hotLoop, ring])
    let metrics = Set(run.results[ring]!.keys)
    #expect(metrics == ["Malloc(total)", "Time(wallclock)", ratioMetric])
    let wall = run.results[ring]!["Time(wallclock)"]!
    #expect(wall.unit == "ns")
    #expect(Set(wall.percentiles.keys) == [0, 25, 50, 75, 90, 99, 100])
    #expect(
      run.results[ring]![ratioMetric]!.value(at: 50).map { (800...1_250).contains($0) } == true)
    #expect(run.machine?.processors == "2")
  }

  @Test("quoted names with commas, several targets, CRLF lines")
  func csvEdgeCases() throws {
    let text = """
      #datatype tag,tag\r
      measurement,metric,unit,test,percentile,value\r
      A,Malloc(total),,"send, then receive",50.0,3\r
      B,Time(wallclock),μs,plain,50.0,1500\r

      """
    let set = try InfluxResults.parse(text)
    #expect(set.targets == ["A", "B"])
    #expect(
      set.results[BenchmarkID(target: "A", name: "send, then receive")]?["Malloc(total)"]?.value(
        at: 50) == 3)
    #expect(set.results[BenchmarkID(target: "B", name: "plain")]?["Time(wallclock)"]?.unit == "ns")
  }

  @Test("malformed exports are typed errors that name the line")
  func malformedExport() {
    #expect(
      throws: GateError.malformedResults(
        "x.csv", line: 2, reason: "percentile '50.0' or value 'many' is not a number")
    ) {
      try InfluxResults.parse(
        "measurement,metric,unit,test,percentile,value\nA,M,,t,50.0,many\n", path: "x.csv")
    }
    #expect(
      throws: GateError.malformedResults(
        "y.csv", line: 1, reason: "data before the CSV header line")
    ) {
      try InfluxResults.parse("A,M,,t,50.0,1\n", path: "y.csv")
    }
    #expect(throws: GateError.unreadableFile("/nonexistent/run.csv")) {
      try InfluxResults.load(["/nonexistent/run.csv"])
    }
    let empty = temporaryDirectory() + "/empty.influx.csv"
    _ = FileManager.default.createFile(
      atPath: empty, contents: Data("measurement,metric,unit,test,percentile,value\n".utf8))
    #expect(throws: GateError.noResults) { try InfluxResults.load([empty]) }
  }

  @Test("several runs of the same suite merge by median")
  func medianMerge() throws {
    let merged = try InfluxResults.load(
      [Fixture.baseline.path, Fixture.unchanged2.path, Fixture.slowdown.path])
    let values = try [Fixture.baseline, .unchanged2, .slowdown].map {
      try $0.load().results[ring]![ratioMetric]!.value(at: 50)!
    }.sorted()
    #expect(merged.results[ring]![ratioMetric]!.value(at: 50) == values[1])
  }

  @Test("baselines round-trip through the committed JSON layout")
  func baselineRoundTrip() throws {
    let directory = temporaryDirectory()
    let run = try Fixture.baseline.load()
    let written = try Baselines.write(run, to: directory)
    #expect(written.map { ($0 as NSString).lastPathComponent } == ["GateSelfTest.json"])
    var loaded = try Baselines.load(directory: directory)
    loaded.machine = run.machine
    #expect(loaded == run)
    #expect(try Baselines.load(directory: directory + "/missing").results.isEmpty)
  }

  @Test("a policy file overrides the defaults; bad rules are typed errors")
  func policyFile() throws {
    let directory = temporaryDirectory()
    let good = directory + "/policy.json"
    try
      #"{"rules": [{"metric": "ring/*", "kind": "tolerance", "tolerance": 0.5}, {"metric": "Time(wallclock)", "benchmark": "GateSelfTest:Ring*", "kind": "exact", "percentile": 90}]}"#
      .write(toFile: good, atomically: true, encoding: .utf8)
    let policy = try GatePolicy.load(path: good)
    #expect(
      try policy.policy(for: ratioMetric, of: ring)
        == .tolerance(0.5, percentile: 50, polarity: .smaller))
    #expect(try policy.policy(for: "Time(wallclock)", of: ring) == .exact(percentile: 90))
    #expect(try policy.policy(for: "Time(wallclock)", of: hotLoop) == .report)
    #expect(try policy.policy(for: "Malloc(total)", of: hotLoop) == .exact(percentile: 50))
    #expect(try policy.policy(for: "Malloc(bytestotal)", of: hotLoop) == .report)

    let bad = directory + "/bad.json"
    try #"{"rules": [{"metric": "*", "kind": "strict"}]}"#.write(
      toFile: bad, atomically: true, encoding: .utf8)
    #expect(
      throws: GateError.malformedPolicy(
        bad, reason: "unknown kind 'strict' (exact, tolerance, report)")
    ) {
      try GatePolicy.load(path: bad)
    }
    // With the looser file, the 2x slowdown still regresses, a 40 % one no longer does.
    let baseline = try Fixture.baseline.load()
    #expect(
      try Gate.compare(current: try Fixture.slowdown.load(), baseline: baseline, policy: policy)
        .verdict == .regression)
    let mild = baseline.scaling(ratioMetric, of: ring, by: 1.4)
    #expect(try Gate.compare(current: mild, baseline: baseline, policy: policy).verdict == .pass)
  }

  @Test("compare's exit status distinguishes pass, regression, improvement and error")
  func commandExitCodes() throws {
    let directory = temporaryDirectory()
    let baselines = directory + "/6.3"
    var output = ""
    let update = try GateCommand(arguments: [
      "update", "--results", Fixture.baseline.path, "--baselines", baselines,
    ])
    #expect(try update.run { output += $0 } == .pass)

    func compare(_ fixture: Fixture, against: String = baselines) throws -> GateExitCode {
      try GateCommand(arguments: [
        "compare", "--results", fixture.path, "--baselines", against,
        "--verdict", directory + "/verdict", "--markdown", directory + "/gate.md",
      ]).run { output += $0 }
    }
    #expect(try compare(.unchanged2) == .pass)
    #expect(try compare(.slowdown) == .regression)
    #expect(try String(contentsOfFile: directory + "/verdict", encoding: .utf8) == "regression\n")
    #expect(
      try String(contentsOfFile: directory + "/gate.md", encoding: .utf8).contains("**REGRESSION**")
    )
    #expect(try compare(.allocation) == .regression)

    let slowBaselines = directory + "/slow"
    _ = try GateCommand(arguments: [
      "update", "--results", Fixture.slowdown.path, "--baselines", slowBaselines,
    ]).run { output += $0 }
    #expect(try compare(.baseline, against: slowBaselines) == .improvement)

    #expect(throws: GateError.self) { try GateCommand(arguments: ["compare", "--bogus", "x"]) }
    #expect(throws: GateError.self) {
      try GateCommand(arguments: ["compare", "--baselines", baselines]).run { _ in }
    }
    #expect(throws: GateError.self) { try GateCommand(arguments: []) }
    #expect(GateExitCode.error.rawValue == 1)
  }

  @Test("the report writes SVG charts and a summary that links them")
  func report() throws {
    let directory = temporaryDirectory()
    let run = try Fixture.baseline.load()
    let gate = try Gate.compare(current: try Fixture.slowdown.load(), baseline: run)
    let files = try ChartReport.write(run, gate: gate, to: directory)
    #expect(files.last?.hasSuffix("summary.md") == true)
    let svgs = files.filter { $0.hasSuffix(".svg") }
    #expect(svgs.contains { $0.hasSuffix("GateSelfTest-Time_wallclock-percentiles.svg") })
    for svg in svgs {
      let text = try String(contentsOfFile: svg, encoding: .utf8)
      #expect(text.hasPrefix("<svg") && text.hasSuffix("</svg>\n"))
    }
    let summary = try String(contentsOfFile: files.last!, encoding: .utf8)
    for svg in svgs { #expect(summary.contains((svg as NSString).lastPathComponent)) }
    #expect(summary.contains("regression"))
  }

  @Test("the figures table has one row per benchmark and the machine line")
  func figuresTable() throws {
    let table = TextReport.figuresTable(
      try Fixture.baseline.load(), metrics: [ratioMetric, "Malloc(total)"])
    let lines = table.split(separator: "\n")
    #expect(lines[0] == "| Benchmark | \(ratioMetric) p50 | Malloc(total) p50 |")
    #expect(lines.count == 5)
    #expect(table.contains("Measured on 2 ×"))
  }

  @Test("benchmarks that differ by a trailing number form a scaling group")
  func scalingGroups() throws {
    let text = """
      measurement,metric,unit,test,percentile,value
      Pool,Throughput(#/s),K,Pool workers=1,50.0,100
      Pool,Throughput(#/s),K,Pool workers=2,50.0,190
      Pool,Throughput(#/s),K,Pool workers=4,50.0,350
      Pool,Throughput(#/s),K,Single,50.0,90

      """
    let files = try ChartReport.write(try InfluxResults.parse(text), to: temporaryDirectory())
    #expect(
      files.contains { $0.hasSuffix("Pool-scaling-Pool_workers_N-Throughput_s.svg") }, "\(files)")
  }
}
