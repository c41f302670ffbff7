import Foundation
import SNPool

/// A recommended pool configuration for one machine and one goal, with the
/// reason for every choice.
///
/// Made by ``Advisor/advise(for:goal:workerSet:)``; ``poolConfiguration()``
/// turns it into a real `PoolConfiguration`, ``swiftSnippet()`` into code to
/// paste.
public struct Advice: Codable, Sendable, Hashable {
  /// What the pool is tuned for.
  public enum Goal: String, Codable, Sendable, CaseIterable {
    /// Short queues and quick wake-ups: queueing delay matters most.
    case latency
    /// The defaults: ordinary services.
    case balanced
    /// Long queues and big batches: messages per second matter most.
    case throughput
  }

  /// Whether the set of workers changes while keys keep their state.
  public enum WorkerSet: String, Codable, Sendable, CaseIterable {
    /// A fixed worker count for the pool's life.
    case `static`
    /// Workers are added or removed and per-key state moves with its keys.
    case dynamic
  }

  /// The goal the advice is for.
  public var goal: Goal
  /// The worker-set kind the advice is for.
  public var workerSet: WorkerSet
  /// Recommended `PoolConfiguration.workerCount`.
  public var workerCount: Int
  /// Why that many.
  public var workerCountReason: String
  /// Whether to pin the workers: `true` recommends
  /// `PoolConfiguration.cpuPinning` `.spreadOverCores`, `false` `.unpinned`.
  public var cpuAffinity: Bool
  /// Why on or off.
  public var cpuAffinityReason: String
  /// Recommended `WorkerConfiguration.queueCapacity` (a power of two).
  public var queueCapacity: Int
  /// Why that capacity.
  public var queueCapacityReason: String
  /// Recommended `WorkerConfiguration.batchSize`.
  public var batchSize: Int
  /// Recommended idle strategy: `busySpin` or `spinThenPark`.
  public var idleStrategy: String
  /// Why that idle strategy.
  public var idleStrategyReason: String
  /// Recommended backpressure: `block` or `timeout(1 ms)`.
  public var backpressure: String
  /// Recommended partitioner: `hash` or `jump`.
  public var partitioner: String
  /// Why that partitioner.
  public var partitionerReason: String
  /// Further hints: NUMA, huge pages, SMT, SIMD, quotas.
  public var notes: [String]

  /// The advice as a `PoolConfiguration` (worker count, affinity,
  /// partitioner, backpressure, queue capacity, batch size, idle strategy).
  ///
  /// - Returns: The configuration.
  public func poolConfiguration() -> PoolConfiguration {
    var worker = WorkerConfiguration()
      .withQueueCapacity(queueCapacity)
      .withBatchSize(batchSize)
    worker.idleStrategy = idleStrategy == "busySpin" ? .busySpin : .spinThenPark
    return PoolConfiguration()
      .withWorkerCount(workerCount)
      .withCPUPinning(cpuAffinity ? .spreadOverCores : .unpinned)
      .withPartitioner(partitioner == "jump" ? .jump : .hash)
      .withBackpressure(backpressure == "block" ? .block : .timeout(.milliseconds(1)))
      .withWorkerConfiguration(worker)
  }

  /// Swift code that builds ``poolConfiguration()``.
  ///
  /// - Returns: The code, one modifier per line.
  public func swiftSnippet() -> String {
    let backpressureCode = backpressure == "block" ? ".block" : ".timeout(.milliseconds(1))"
    return """
      let configuration = PoolConfiguration()
        .withWorkerCount(\(workerCount))
        .withCPUPinning(\(cpuAffinity ? ".spreadOverCores" : ".unpinned"))
        .withPartitioner(.\(partitioner))
        .withBackpressure(\(backpressureCode))
        .withWorkerConfiguration(
          WorkerConfiguration()
            .withQueueCapacity(\(queueCapacity))
            .withBatchSize(\(batchSize))
            .withIdleStrategy(.\(idleStrategy)))

      """
  }

  /// The advice as text for people: a settings table with reasons, the
  /// notes, and the Swift code.
  ///
  /// - Returns: Lines of text.
  public func text() -> String {
    let rows: [(String, String, String)] = [
      ("workers", "\(workerCount)", workerCountReason),
      ("cpu affinity", cpuAffinity ? "on" : "off", cpuAffinityReason),
      ("queue capacity", "\(queueCapacity)", queueCapacityReason),
      ("batch size", "\(batchSize)", "messages drained per wake-up before tick"),
      ("idle strategy", idleStrategy, idleStrategyReason),
      ("backpressure", backpressure, backpressureReason),
      ("partitioner", partitioner, partitionerReason),
    ]
    let width = rows.map(\.0.count).max() ?? 0
    let valueWidth = rows.map(\.1.count).max() ?? 0
    var out =
      "Recommended pool configuration (goal: \(goal.rawValue), workers: \(workerSet.rawValue))\n\n"
    for (name, value, reason) in rows {
      out += "  " + name.padding(width) + "  " + value.padding(valueWidth) + "  " + reason + "\n"
    }
    if !notes.isEmpty {
      out += "\nNotes\n"
      for note in notes { out += "  - \(note)\n" }
    }
    out += "\nIn code\n\n"
    out += swiftSnippet().split(separator: "\n", omittingEmptySubsequences: false)
      .map { $0.isEmpty ? "" : "    \($0)" }.joined(separator: "\n")
    return out
  }

  private var backpressureReason: String {
    backpressure == "block"
      ? "senders wait for room; nothing is rejected"
      : "a full short queue means the worker is behind: shed load after 1 ms instead of queueing"
  }
}

extension String {
  fileprivate func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}

extension Advice {
  /// The advice as pretty-printed JSON with sorted keys.
  ///
  /// - Returns: UTF-8 JSON text.
  public func jsonString() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(self), as: UTF8.self)
  }
}
