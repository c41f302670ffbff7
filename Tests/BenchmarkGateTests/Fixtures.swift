import BenchmarkGateKit
import Foundation

/// Recorded exports of the GateSelfTest suite (`swift package benchmark --target
/// GateSelfTest --format influx`), taken on the project's 2-core VM:
/// three unchanged runs, one with `GATE_SELFTEST_INJECT=slowdown` (the ring
/// kernel does twice the work) and one with `GATE_SELFTEST_INJECT=allocation`
/// (one extra allocation per hot-loop iteration).
enum Fixture: String, CaseIterable {
  case baseline = "selftest-run1"
  case unchanged2 = "selftest-run2"
  case unchanged3 = "selftest-run3"
  case slowdown = "selftest-slowdown-2x"
  case allocation = "selftest-added-allocation"

  var path: String {
    Bundle.module.url(
      forResource: rawValue, withExtension: "influx.csv", subdirectory: "Fixtures")!.path
  }

  func load() throws -> ResultSet { try InfluxResults.load([path]) }
}

let ratioMetric = "ring/referencex1000"
let ring = BenchmarkID(target: "GateSelfTest", name: "RingRatio")
let hotLoop = BenchmarkID(target: "GateSelfTest", name: "HotLoopAllocations")

/// A fresh temporary folder.
func temporaryDirectory() -> String {
  let path = FileManager.default.temporaryDirectory
    .appending(path: "BenchmarkGateTests-\(UUID().uuidString)").path
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

extension ResultSet {
  /// A copy with one percentile of one metric scaled by `factor`.
  func scaling(_ metric: String, of id: BenchmarkID, by factor: Double, at percentile: Int = 50)
    -> ResultSet
  {
    var copy = self
    var sample = copy.results[id]![metric]!
    sample.percentiles[percentile] = Int(Double(sample.percentiles[percentile]!) * factor)
    copy.set(sample, metric: metric, for: id)
    return copy
  }
}
