import BenchmarkGateKit
import Testing

@Suite("Gate decisions on recorded runs")
struct GateDecisionTests {
  @Test("unchanged reruns pass against a baseline taken from another run")
  func unchangedRerunsPass() throws {
    let baseline = try Fixture.baseline.load()
    for fixture in [Fixture.unchanged2, .unchanged3] {
      let result = try Gate.compare(current: try fixture.load(), baseline: baseline)
      #expect(result.verdict == .pass, "\(fixture): \(TextReport.text(result))")
      #expect(result.comparisons(with: .regression).isEmpty)
    }
  }

  @Test("an injected 2x slowdown of the ring kernel is a regression of the ratio metric")
  func slowdownIsCaught() throws {
    let result = try Gate.compare(
      current: try Fixture.slowdown.load(), baseline: try Fixture.baseline.load())
    #expect(result.verdict == .regression)
    #expect(result.verdict.exitCode == .regression)
    let regressions = result.comparisons(with: .regression)
    #expect(regressions.map(\.metric) == [ratioMetric])
    #expect(regressions.first?.id == ring)
    #expect((regressions.first?.relativeChange ?? 0) > 0.8)
  }

  @Test("an added allocation in the hot loop is a regression of the malloc count")
  func addedAllocationIsCaught() throws {
    let result = try Gate.compare(
      current: try Fixture.allocation.load(), baseline: try Fixture.baseline.load())
    #expect(result.verdict == .regression)
    let regressions = result.comparisons(with: .regression)
    #expect(regressions.count == 1)
    #expect(regressions.first?.id == hotLoop)
    #expect(regressions.first?.metric == "Malloc(total)")
    #expect(regressions.first?.policy == .exact(percentile: 50))
  }

  @Test("getting faster is reported as an improvement, not a failure")
  func improvementIsNotARegression() throws {
    let result = try Gate.compare(
      current: try Fixture.baseline.load(), baseline: try Fixture.slowdown.load())
    #expect(result.verdict == .improvement)
    #expect(result.verdict.exitCode == .improvement)
    #expect(result.comparisons(with: .improvement).map(\.metric) == [ratioMetric])
  }

  @Test("a removed allocation is an improvement")
  func removedAllocationIsAnImprovement() throws {
    let result = try Gate.compare(
      current: try Fixture.baseline.load(), baseline: try Fixture.allocation.load())
    #expect(result.verdict == .improvement)
  }

  @Test(
    "ratio noise inside the 20 % tolerance passes, outside it fails",
    arguments: [
      (0.85, Outcome.pass), (1.1, .pass), (1.19, .pass), (1.25, .regression), (0.7, .improvement),
    ])
  func ratioTolerance(factor: Double, expected: Outcome) throws {
    let baseline = try Fixture.baseline.load()
    let current = baseline.scaling(ratioMetric, of: ring, by: factor)
    let result = try Gate.compare(current: current, baseline: baseline)
    let ratio = result.comparisons.first { $0.id == ring && $0.metric == ratioMetric }
    #expect(ratio?.outcome == expected)
  }

  @Test("wall clock is reported and never gated, whatever it does")
  func wallClockIsNeverGated() throws {
    let baseline = try Fixture.baseline.load()
    let current = baseline.scaling("Time(wallclock)", of: ring, by: 3)
      .scaling("Throughput(#/s)", of: hotLoop, by: 0.2)
    let result = try Gate.compare(current: current, baseline: baseline)
    #expect(result.verdict == .pass)
    let wall = result.comparisons.first { $0.id == ring && $0.metric == "Time(wallclock)" }
    #expect(wall?.outcome == .reported)
    #expect(wall?.policy == .report)
  }

  @Test("a benchmark without a baseline is new, and a baseline benchmark not run is listed")
  func newAndNotRun() throws {
    var baseline = try Fixture.baseline.load()
    baseline.results[hotLoop] = nil
    baseline.results[BenchmarkID(target: "GateSelfTest", name: "Removed")] =
      baseline.results[ring]
    let result = try Gate.compare(current: try Fixture.unchanged2.load(), baseline: baseline)
    #expect(result.verdict == .pass)
    let hotLoopGated = result.comparisons.filter { $0.id == hotLoop && $0.policy != .report }
    #expect(!hotLoopGated.isEmpty && hotLoopGated.allSatisfy { $0.outcome == .new })
    #expect(result.notRun == [BenchmarkID(target: "GateSelfTest", name: "Removed")])
  }

  @Test("policy outcomes for single values")
  func outcomes() {
    #expect(Gate.outcome(policy: .exact(percentile: 50), baseline: 0, current: 0) == .pass)
    #expect(Gate.outcome(policy: .exact(percentile: 50), baseline: 0, current: 1) == .regression)
    #expect(Gate.outcome(policy: .exact(percentile: 50), baseline: 3, current: 2) == .improvement)
    let larger = MetricPolicy.tolerance(0.2, percentile: 50, polarity: .larger)
    #expect(Gate.outcome(policy: larger, baseline: 100, current: 70) == .regression)
    #expect(Gate.outcome(policy: larger, baseline: 100, current: 130) == .improvement)
    let smaller = MetricPolicy.tolerance(0.2, percentile: 50, polarity: .smaller)
    #expect(Gate.outcome(policy: smaller, baseline: 0, current: 5) == .regression)
    #expect(Gate.outcome(policy: .report, baseline: 1, current: 1_000) == .reported)
  }
}
