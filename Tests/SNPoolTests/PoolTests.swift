import SNAtomics
import SNChannels
import SNPartition
import SNPool
import Synchronization
import Testing

@Suite("WorkerPool")
struct PoolTests {
  func makePool(
    workers: Int = 2, capacity: Int = 256, backpressure: BackpressurePolicy = .block,
    partitioner: PartitionerFactory = .hash, pinning: CPUPinning = .unpinned,
    recordsCPU: Bool = false
  ) throws -> WorkerPool<RecordingWorker> {
    let configuration = PoolConfiguration()
      .withWorkerCount(workers)
      .withCPUPinning(pinning)
      .withPartitioner(partitioner)
      .withBackpressure(backpressure)
      .withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(capacity))
    return try WorkerPool(
      worker: RecordingWorker(recordsCPU: recordsCPU), configuration: configuration)
  }

  @Test("routing follows the partitioner: each key lands on the worker it maps to")
  func routing() throws {
    for factory in [PartitionerFactory.hash, .jump, .consistentHash(virtualNodes: 50), .maglev] {
      let pool = try makePool(workers: 3, partitioner: factory)
      try pool.start()
      for round in 0..<3 {
        for key in 0..<500 { try pool.send(.init(id: round * 500 + key, key: key), key: key) }
      }
      let termination = pool.shutdown()
      #expect(termination.states.count == 3)
      var owners: [Int: Int] = [:]
      for state in termination.states {
        for key in state.keys {
          #expect(owners[key] == nil, "key \(key) reached two workers")
          owners[key] = state.workerIndex
          #expect(pool.workerIndex(for: key) == state.workerIndex)
          #expect(pool.partitioner.worker(for: key) == state.workerIndex)
        }
      }
      #expect(owners.count == 500)
      #expect(termination.states.allSatisfy { !$0.keys.isEmpty })
      #expect(expectExactlyOnce(termination.states, total: 1500))
    }
  }

  @Test("round robin spreads stateless messages evenly")
  func roundRobin() throws {
    let pool = try makePool(workers: 2, partitioner: .roundRobin)
    try pool.start()
    for id in 0..<1000 { try pool.send(.init(id: id, key: 7), key: 7) }
    let states = pool.shutdown().states
    #expect(states.map(\.ids.count) == [500, 500])
  }

  @Test("async submission suspends instead of blocking, and delivers exactly once")
  func asyncSubmission() async throws {
    let pool = try makePool(workers: 2, capacity: 8)
    try pool.start()
    let total = 4000
    try await withThrowingTaskGroup(of: Void.self) { group in
      for producer in 0..<4 {
        group.addTask {
          var id = producer
          while id < total {
            try await pool.send(.init(id: id, key: id % 97), key: id % 97)
            id += 4
          }
        }
      }
      try await group.waitForAll()
    }
    let termination = await pool.shutdownGracefully()
    #expect(expectExactlyOnce(termination.states, total: total))
  }

  @Test("graceful shutdown drains every accepted message and runs a final tick")
  func shutdownLosesNothing() throws {
    let pool = try makePool(workers: 2, capacity: 4096)
    for id in 0..<3000 { try pool.send(.init(id: id, key: id), key: id) }  // before start
    try pool.start()
    for id in 3000..<6000 { try pool.send(.init(id: id, key: id), key: id) }
    let termination = pool.shutdown()
    #expect(termination.unprocessed.isEmpty)
    #expect(expectExactlyOnce(termination.states, total: 6000))
    #expect(termination.states.allSatisfy { $0.finalTickSeen })
    #expect(termination.statistics.queueDepth == 0)
    // A second call returns the same termination.
    #expect(pool.shutdown().statistics.processed == 6000)
  }

  @Test("sends after shutdown fail with shutDown and hand the message back")
  func sendAfterShutdown() throws {
    let pool = try makePool()
    try pool.start()
    pool.shutdown()
    #expect(pool.isTerminated)
    do {
      try pool.send(.init(id: 42, key: 1), key: 1)
      Issue.record("send after shutdown succeeded")
    } catch {
      #expect(error.reason == .shutDown)
      #expect(error.message.id == 42)
    }
    #expect(throws: PoolError.alreadyStarted) { try pool.start() }
  }

  @Test("sends racing with shutdown are either processed or handed back")
  func racingShutdown() throws {
    let pool = try makePool(workers: 2, capacity: 64)
    try pool.start()
    let accepted = RejectCounter()
    let bounced = RejectCounter()
    let producer = OSThread.spawn {
      for id in 0..<1_000_000 {
        do throws(SubmitError<RecordingWorker.Message>) {
          try pool.send(.init(id: id, key: id), key: id)
          accepted.add()
        } catch {
          #expect(error.reason == .shutDown)
          bounced.add()
          return
        }
      }
    }
    while accepted.value < 1000 { Backoff.pause() }
    let termination = pool.shutdown()
    producer.join()
    #expect(termination.statistics.processed == UInt64(accepted.value))
    #expect(expectExactlyOnce(termination.states, total: accepted.value))
  }

  @Test("bad configuration is a typed error")
  func badConfiguration() throws {
    let worker = RecordingWorker()
    #expect(throws: PoolConfigurationError.noWorkers) {
      try WorkerPool(worker: worker, configuration: PoolConfiguration().withWorkerCount(0))
    }
    #expect(throws: PoolConfigurationError.invalidQueueCapacity) {
      try WorkerPool(
        worker: worker,
        configuration: PoolConfiguration().withWorkerConfiguration(
          WorkerConfiguration().withQueueCapacity(0)))
    }
    #expect(throws: PoolConfigurationError.invalidBatchSize) {
      try WorkerPool(
        worker: worker,
        configuration: PoolConfiguration().withWorkerConfiguration(
          WorkerConfiguration().withBatchSize(0)))
    }
    let allowed = OSThread.allowedCPUs.count
    #expect(throws: PoolConfigurationError.tooManyPinnedWorkers) {
      try WorkerPool(
        worker: worker,
        configuration: PoolConfiguration().withWorkerCount(allowed + 1).withCPUPinning(
          .spreadOverCores))
    }
    #expect(throws: PoolConfigurationError.invalidCPU) {
      try WorkerPool(
        worker: worker,
        configuration: PoolConfiguration().withWorkerCount(1).withCPUPinning(
          .pinned(to: [100_000])))
    }
    // A CPU twice, or fewer CPUs than workers: the same typed error.
    let first = OSThread.allowedCPUs[0]
    for list in [[first, first], [first]] {
      #expect(throws: PoolConfigurationError.invalidCPU) {
        try WorkerPool(
          worker: worker,
          configuration: PoolConfiguration().withWorkerCount(2).withCPUPinning(.pinned(to: list)))
      }
    }
    let three = try HashPartitioner(workers: 3)
    #expect(throws: PoolConfigurationError.partitionerMismatch) {
      try WorkerPool(
        worker: worker,
        configuration: PoolConfiguration().withWorkerCount(2).withPartitioner(.fixed(three)))
    }
    #expect(throws: PoolConfigurationError.invalidPartitioner) {
      try WorkerPool(
        worker: worker,
        configuration: PoolConfiguration().withWorkerCount(1).withPartitioner(
          .consistentHash(virtualNodes: 0)))
    }
  }

  @Test("an explicit CPU list pins worker i to cpus[i], in the list's order")
  func explicitCPUList() throws {
    let list = Array(OSThread.allowedCPUs.reversed().prefix(2))
    let pool = try makePool(workers: list.count, pinning: .pinned(to: list), recordsCPU: true)
    #expect(pool.plannedCPUs == list.map { Optional($0) })
    try pool.start()
    for id in 0..<200 { try pool.send(.init(id: id, key: id), key: id) }
    let pinnedCPUs = pool.shutdown().statistics.workers.map(\.pinnedCPU)
    #expect(pinnedCPUs == list.map { Optional($0) })
  }

  @Test("affinity on pins each worker to its own allowed CPU; off leaves them unpinned")
  func affinity() throws {
    let allowed = OSThread.allowedCPUs
    let workers = min(2, allowed.count)
    let pinned = try makePool(workers: workers, pinning: .spreadOverCores, recordsCPU: true)
    try pinned.start()
    for id in 0..<2000 { try pinned.send(.init(id: id, key: id), key: id) }
    let termination = pinned.shutdown()
    let cpus = termination.statistics.workers.map(\.pinnedCPU)
    #expect(cpus.allSatisfy { $0 != nil })
    #expect(Set(cpus.compactMap { $0 }).count == workers)
    #expect(cpus.compactMap { $0 }.allSatisfy(allowed.contains))
    for (state, cpu) in zip(termination.states, cpus) where !state.cpus.isEmpty {
      #expect(state.cpus == [cpu!], "worker ran off its pinned CPU")
    }
    #expect(pinned.plannedCPUs.allSatisfy { $0 != nil })

    let free = try makePool(workers: workers, pinning: .unpinned)
    try free.start()
    let stats = free.shutdown().statistics
    #expect(stats.workers.allSatisfy { $0.pinnedCPU == nil && $0.pinError == nil })
  }
}

/// Exactly-once delivery of `StressSize.messages` keyed messages (1M in
/// release, 20k in debug and under TSan; `SN_STRESS_MESSAGES` overrides).
/// Named `…StressTests` so CI's release stress step picks it up.
@Suite("WorkerPool stress")
struct PoolStressTests {
  @Test(
    "exactly-once under each backpressure policy, two producers",
    arguments: [
      BackpressurePolicy.block, .failFast, .timeout(.microseconds(50)),
    ])
  func exactlyOnce(policy: BackpressurePolicy) throws {
    let pool = try WorkerPool(
      worker: RecordingWorker(),
      configuration: PoolConfiguration().withWorkerCount(2).withBackpressure(policy)
        .withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(64)))
    try pool.start()
    let total = stressTotal
    let rejected = produce(into: pool, total: total, producers: 2)
    let termination = pool.shutdown()
    #expect(termination.unprocessed.isEmpty)
    #expect(expectExactlyOnce(termination.states, total: total))
    #expect(termination.statistics.processed == UInt64(total))
    #expect(termination.statistics.rejected == UInt64(rejected))
    if policy == .block { #expect(rejected == 0) }
  }
}
