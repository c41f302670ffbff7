import SNAtomics
import SNPool

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Sends and handles empty messages through the worker mesh, to time what
/// the pool itself costs per message: ``MeshCosts`` drives it.
public struct CostProbeWorker: Worker {
  /// What the probe sends.
  public enum Message: Sendable {
    /// Send `count` messages to worker `to` (possibly this worker), in
    /// bursts of 256 between run-loop rounds; then stop.
    case burst(to: Int32, remaining: Int32)
    /// One probe message: handled and dropped.
    case item
    /// Send the next of `remaining` messages to this worker, one per
    /// run-loop round.
    case round(remaining: Int32)
    /// Sleep this many milliseconds (keeps a worker off the CPU).
    case sleep(milliseconds: Int32)
  }

  /// Probe messages handled.
  public struct State: Sendable {
    /// `.item` and `.round` messages handled.
    public var handled = 0
    /// This thread's CPU nanoseconds at the first `.round` message.
    public var firstRoundCPU: UInt64 = 0
    /// This thread's CPU nanoseconds at the last `.round` message.
    public var lastRoundCPU: UInt64 = 0
  }

  /// Creates the probe.
  public init() {}

  /// A fresh count.
  ///
  /// - Parameter workerIndex: The worker.
  /// - Returns: Zero handled.
  public func makeState(workerIndex: Int) -> State { State() }

  /// Sends the next burst, counts an item, or sleeps.
  ///
  /// - Parameters:
  ///   - envelope: The message.
  ///   - state: The count.
  ///   - context: The mesh.
  /// - Throws: ``SubmitError`` if the mesh refuses a message.
  public func handleMessage(
    _ envelope: Envelope<Message>, state: inout State, context: inout WorkerContext<Self>
  ) throws {
    switch envelope.message {
    case .burst(let to, let remaining):
      // While the peer's lane is full, go round the run loop instead of
      // growing the overflow (a descheduled peer would fill it).
      let count = context.isMeshBackpressured ? 0 : min(Int(remaining), 256)
      for _ in 0..<count { try context.send(.item, toWorker: Int(to)) }
      if remaining > Int32(count) {
        try context.send(
          .burst(to: to, remaining: remaining - Int32(count)), toWorker: context.workerIndex)
      }
    case .item:
      state.handled += 1
    case .round(let remaining):
      state.handled += 1
      if state.firstRoundCPU == 0 { state.firstRoundCPU = threadCPUNanoseconds() }
      if remaining == 1 { state.lastRoundCPU = threadCPUNanoseconds() }
      if remaining > 1 {
        try context.send(.round(remaining: remaining - 1), toWorker: context.workerIndex)
      }
    case .sleep(let milliseconds):
      usleep(UInt32(milliseconds) * 1_000)
    }
  }
}

/// The pool's own costs, measured: what the "Designing a pipeline" article's
/// scaling model combines.
public struct MeshCosts: Sendable {
  /// Nanoseconds of CPU per message a worker sends itself (handled in place,
  /// no lane), send and handling included; the least of three trials.
  public var localHandle: Double
  /// Nanoseconds of CPU (both workers together) per message one worker
  /// sends another over a lane, in batches of `stageCapacity`, send,
  /// flush share, poll and handling included; the least of three trials.
  public var meshHop: Double
  /// Nanoseconds of CPU per flush: a hop with one message per flush minus
  /// a batched hop.
  public var flush: Double
  /// CPU nanoseconds per run-loop round of a worker that handles one
  /// message per round, by worker count (every other worker asleep): the
  /// poll of the peers' lanes and the flush of empty stages grow with the
  /// count.
  public var roundByWorkers: [(workers: Int, nanoseconds: Double)]
  /// Bytes of one lane slot (the envelope of a 1-word message).
  public var slotBytes: Int
  /// The stage capacity of the batched hop.
  public var stageCapacity: Int
  /// The lane capacity the runs used.
  public var laneCapacity: Int

  /// The extra nanoseconds per round for each peer (least-squares slope
  /// of ``roundByWorkers``).
  public var pollPerPeer: Double {
    let points = roundByWorkers.map { (Double($0.workers - 1), $0.nanoseconds) }
    let count = Double(points.count)
    guard count >= 2 else { return 0 }
    let meanX = points.map(\.0).reduce(0, +) / count
    let meanY = points.map(\.1).reduce(0, +) / count
    let numerator = points.map { ($0.0 - meanX) * ($0.1 - meanY) }.reduce(0, +)
    let denominator = points.map { ($0.0 - meanX) * ($0.0 - meanX) }.reduce(0, +)
    return denominator > 0 ? numerator / denominator : 0
  }

  /// Runs every probe once.
  ///
  /// - Parameters:
  ///   - messages: Messages per hop probe.
  ///   - rounds: Rounds per poll probe.
  ///   - stageCapacity: Messages per flush in the batched hop.
  ///   - laneCapacity: Each lane's capacity.
  /// - Returns: The costs.
  /// - Throws: ``SNToolError/pipelineFailed`` if a pool fails.
  public static func measure(
    messages: Int, rounds: Int, stageCapacity: Int = 64, laneCapacity: Int = 1024
  ) throws(SNToolError) -> MeshCosts {
    // The least of three trials: a trial's process CPU time also counts
    // what a worker spins waiting while the OS runs its peer elsewhere, so
    // a busy host inflates some trials, never deflates one.
    func least(workers: Int, to: Int, stage: Int) throws(SNToolError) -> Double {
      var best = Double.infinity
      for _ in 0..<3 {
        best = min(
          best,
          try cpuPerMessage(
            workers: workers, to: to, messages: messages, stage: stage, lane: laneCapacity))
      }
      return best
    }
    let local = try least(workers: 1, to: 0, stage: stageCapacity)
    let hop = try least(workers: 2, to: 1, stage: stageCapacity)
    let single = try least(workers: 2, to: 1, stage: 1)
    var perRound: [(Int, Double)] = []
    for workers in [1, 2, 4, 8, 16] {
      perRound.append((workers, try nanosecondsPerRound(workers: workers, rounds: rounds)))
    }
    return MeshCosts(
      localHandle: local, meshHop: hop,
      flush: max(0, single - hop) * Double(stageCapacity) / Double(max(1, stageCapacity - 1)),
      roundByWorkers: perRound, slotBytes: MemoryLayout<Envelope<CostProbeWorker.Message>>.stride,
      stageCapacity: stageCapacity, laneCapacity: laneCapacity)
  }

  static func pool(
    workers: Int, stage: Int, lane: Int
  ) throws(SNToolError) -> WorkerPool<CostProbeWorker> {
    do {
      return try WorkerPool(
        worker: CostProbeWorker(),
        configuration: PoolConfiguration().withWorkerCount(workers).withName("sn-model")
          .withWorkerConfiguration(WorkerConfiguration().withBatchSize(1_024))
          .withMesh(MeshConfiguration().withLaneCapacity(lane).withStageCapacity(stage)))
    } catch {
      throw .pipelineFailed.with(detail: "\(error)")
    }
  }

  /// CPU nanoseconds of the whole process per message sent from worker 0
  /// to worker `to`.
  static func cpuPerMessage(
    workers: Int, to: Int, messages: Int, stage: Int, lane: Int
  ) throws(SNToolError) -> Double {
    let pool = try pool(workers: workers, stage: stage, lane: lane)
    let cpuStart = processCPUSeconds()
    do {
      try pool.start()
      try pool.send(.burst(to: Int32(to), remaining: Int32(messages)), toWorker: 0)
    } catch {
      _ = pool.stop()
      throw .pipelineFailed.with(detail: "\(error)")
    }
    let termination = pool.shutdown()
    let cpu = processCPUSeconds() - cpuStart
    let handled = termination.states.map(\.handled).reduce(0, +)
    guard handled == messages else {
      throw .pipelineFailed.with(detail: "\(handled) of \(messages) probe messages handled")
    }
    return cpu * 1e9 / Double(messages)
  }

  /// Worker 0's CPU nanoseconds per round (its own thread's clock, so a
  /// busy host distorts it little) while every other worker sleeps in a
  /// handler: one message handled, the peers' lanes polled, the tick and
  /// the stages' flush, per round.
  static func nanosecondsPerRound(workers: Int, rounds: Int) throws(SNToolError) -> Double {
    let pool = try pool(workers: workers, stage: 64, lane: 64)
    // Long enough to cover the rounds (they take well under a second).
    let sleep = Int32(1_500)
    do {
      try pool.start()
      for worker in 1..<max(1, workers) {
        try pool.send(.sleep(milliseconds: sleep), toWorker: worker)
      }
      usleep(20_000)  // the sleepers are in their handlers
    } catch {
      _ = pool.stop()
      throw .pipelineFailed.with(detail: "\(error)")
    }
    do {
      try pool.send(.round(remaining: Int32(rounds)), toWorker: 0)
    } catch {
      _ = pool.stop()
      throw .pipelineFailed.with(detail: "\(error)")
    }
    let state = pool.shutdown().states[0]
    guard state.handled == rounds, rounds >= 2 else {
      throw .pipelineFailed.with(detail: "\(state.handled) of \(rounds) rounds handled")
    }
    return Double(state.lastRoundCPU - state.firstRoundCPU) / Double(rounds - 1)
  }
}
