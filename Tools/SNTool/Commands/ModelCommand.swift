import ArgumentParser
import Foundation
import SNAtomics

/// `sn model`: measures what the pool costs per message on this machine and
/// predicts throughput at more workers than it has.
public struct ModelCommand: ParsableCommand {
  /// The subcommand's name and help.
  public static let configuration = CommandConfiguration(
    commandName: "model",
    abstract: "Measure the mesh's per-message costs and predict throughput at 1 to 32 workers.",
    discussion: """
      Measures, with empty messages: a local handle (a worker's message to itself, no lane), a \
      mesh hop (one worker to another over a lane, --stage messages per flush), a flush, and the \
      run loop's cost per round as the worker count grows (the poll of the peers' lanes). Then \
      predicts, for records that each take --work ns of handler time and go to a uniformly \
      random owner: cost per record c(N) = work + local/N + hop·(N−1)/N + round(N)/batch, \
      throughput N/c(N), the lanes' memory N·(N−1)·lane·slot, and the bytes per second the \
      hand-overs move, against --dram-gbps. The article "Designing a pipeline" explains the \
      model. Use a release build: swift run -c release sn model
      """)

  /// Messages per hop probe.
  @Option(name: .long, parsing: .unconditional, help: "Messages per hop probe.")
  public var messages = CountArgument(4_000_000)

  /// Handler time per record.
  @Option(name: .long, help: "Handler nanoseconds per record in the prediction.")
  public var work = 100.0

  /// Messages per flush.
  @Option(name: .long, help: "Messages per flush (stage capacity) in the batched hop.")
  public var stage = 64

  /// Messages per run-loop round in the prediction.
  @Option(name: .long, help: "Messages a worker handles per run-loop round, in the prediction.")
  public var batch = 256

  /// DRAM bandwidth.
  @Option(
    name: .long,
    help: "DRAM bandwidth in GB/s (the Simd suite's DRAM rows; about 30 on the project's VM).")
  public var dramGbps = 30.0

  /// Creates the command (ArgumentParser fills it in).
  public init() {}

  /// Rejects nonsensical values.
  ///
  /// - Throws: `ValidationError` naming the option.
  public func validate() throws {
    guard (1_000...100_000_000).contains(messages.value) else {
      throw ValidationError("--messages must be in 1000...100000000, got \(messages.value)")
    }
    guard work >= 0, work.isFinite else { throw ValidationError("--work must be >= 0") }
    guard (2...65_536).contains(stage) else {
      throw ValidationError("--stage must be in 2...65536, got \(stage)")
    }
    guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
    guard dramGbps > 0, dramGbps.isFinite else { throw ValidationError("--dram-gbps must be > 0") }
  }

  /// Measures and prints.
  ///
  /// - Throws: ``SNToolError/pipelineFailed`` if a probe's pool fails.
  public func run() throws {
    let costs = try MeshCosts.measure(
      messages: messages.value, rounds: 200_000, stageCapacity: stage)
    var load = [0.0, 0.0, 0.0]
    _ = getloadavg(&load, 3)
    print(
      "measured (release, CPU time per message; load average "
        + load.map { String(format: "%.2f", $0) }.joined(separator: " ") + "):")
    print(String(format: "  local handle           %7.1f ns", costs.localHandle))
    print(String(format: "  mesh hop (%4d/flush)   %7.1f ns", costs.stageCapacity, costs.meshHop))
    print(String(format: "  flush                  %7.1f ns", costs.flush))
    for (workers, nanoseconds) in costs.roundByWorkers {
      print(String(format: "  round, %2d workers      %7.1f ns", workers, nanoseconds))
    }
    print(String(format: "  poll per peer lane     %7.1f ns (slope)", costs.pollPerPeer))
    print("  lane slot              \(costs.slotBytes) bytes")
    let roundBase = costs.roundByWorkers.first?.nanoseconds ?? 0
    print(
      "\npredicted, \(String(format: "%.0f", work)) ns of work per record, owners uniform, "
        + "\(batch) records per round, lanes of \(costs.laneCapacity):")
    print("  workers  ns/record  M records/s  ÷ 1 worker  lanes   lane memory   hand-over GB/s")
    let one = ModelRow(
      workers: 1, work: work, costs: costs, roundBase: roundBase, batch: batch)
    for workers in [1, 2, 4, 8, 16, 32] {
      let row = ModelRow(
        workers: workers, work: work, costs: costs, roundBase: roundBase, batch: batch)
      let bandwidth = row.handOverBytesPerSecond / 1e9
      print(
        String(
          format: "  %7d  %9.1f  %11.1f  %9.2fx  %5d  %9.1f MiB  %8.1f%@", workers,
          row.nanosecondsPerRecord, row.recordsPerSecond / 1e6,
          row.recordsPerSecond / one.recordsPerSecond, row.lanes,
          Double(row.laneBytes) / 1_048_576, bandwidth,
          bandwidth > dramGbps ? " > DRAM" : ""))
    }
  }
}

/// One row of the scaling model.
struct ModelRow {
  let workers: Int
  let nanosecondsPerRecord: Double
  let lanes: Int
  let laneBytes: Int
  let recordsPerSecond: Double
  let handOverBytesPerSecond: Double

  init(workers: Int, work: Double, costs: MeshCosts, roundBase: Double, batch: Int) {
    self.workers = workers
    let n = Double(workers)
    let round = roundBase + costs.pollPerPeer * (n - 1)
    nanosecondsPerRecord =
      work + costs.localHandle / n + costs.meshHop * (n - 1) / n + round / Double(batch)
    lanes = workers * (workers - 1)
    laneBytes = lanes * costs.laneCapacity * costs.slotBytes
    recordsPerSecond = n / nanosecondsPerRecord * 1e9
    // Each crossing record's slot is written on one core and read on another.
    handOverBytesPerSecond = recordsPerSecond * (n - 1) / n * Double(costs.slotBytes) * 2
  }
}
