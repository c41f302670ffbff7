import SNAtomics
import SNChannels
import SNPartition
import SNPool
import ServiceLifecycle
import Synchronization
import Testing
import _SNTestSupport

/// Throws on every message whose value is a multiple of 10; counts the rest.
struct FlakyWorker: Worker {
  struct Failure: Error {}

  func makeState(workerIndex: Int) -> Int { 0 }

  func handleMessage(
    _ envelope: Envelope<Int>, state: inout Int, context: inout WorkerContext<Self>
  ) throws {
    if envelope.message % 10 == 0 { throw Failure() }
    state += 1
  }
}

/// Doubles each message into the results channel; batches in `tick`.
struct DoublingWorker: Worker {
  typealias Output = Int

  func makeState(workerIndex: Int) -> [Int] { [] }

  func handleMessage(
    _ envelope: Envelope<Int>, state: inout [Int], context: inout WorkerContext<Self>
  ) throws {
    try context.emit(envelope.message * 2)
  }
}

/// Processes everything in `tick`, taking up to 100 queued messages itself.
struct BatchingWorker: Worker {
  struct State {
    var batches: [Int] = []
    var sum = 0
    var ticks = 0
  }

  func makeState(workerIndex: Int) -> State { State() }

  func handleMessage(
    _ envelope: Envelope<Int>, state: inout State, context: inout WorkerContext<Self>
  ) {
    state.sum += envelope.message
    var batch = 1
    while batch < 100, let next = context.tryReceiveMessage() {
      state.sum += next.message
      batch += 1
    }
    state.batches.append(batch)
  }

  func tick(state: inout State, context: inout WorkerContext<Self>) {
    state.ticks += 1
  }
}

/// Sleeps a little per message, so a stop finds messages queued.
struct SlowWorker: Worker {
  func makeState(workerIndex: Int) -> Int { 0 }

  func handleMessage(
    _ envelope: Envelope<Int>, state: inout Int, context: inout WorkerContext<Self>
  ) {
    var backoff = Backoff(strategy: .spinThenYield)
    for _ in 0..<12 { backoff.spin() }
    state += 1
  }
}

@Suite("WorkerPool behaviour")
struct BehaviourTests {
  func configuration(_ policy: WorkerErrorPolicy, workers: Int = 1) -> PoolConfiguration {
    PoolConfiguration().withWorkerCount(workers).withErrorPolicy(policy)
  }

  @Test("continueProcessing counts errors and keeps the state")
  func continuePolicy() throws {
    let pool = try WorkerPool(
      worker: FlakyWorker(), configuration: configuration(.continueProcessing))
    try pool.start()
    for value in 1...100 { try pool.send(value, toWorker: 0) }
    let termination = pool.shutdown()
    #expect(termination.states == [90])
    #expect(termination.statistics.errors == 10)
    #expect(termination.statistics.processed == 100)
    #expect(termination.statistics.restarts == 0)
    #expect(termination.failure == nil)
  }

  @Test("restartWorker replaces the state with a fresh one after each error")
  func restartPolicy() throws {
    let pool = try WorkerPool(worker: FlakyWorker(), configuration: configuration(.restartWorker))
    try pool.start()
    for value in 1...95 { try pool.send(value, toWorker: 0) }
    let termination = pool.shutdown()
    #expect(termination.states == [5])  // 91...95 after the restart at 90
    #expect(termination.statistics.errors == 9)
    #expect(termination.statistics.restarts == 9)
  }

  @Test("stopPool stops every worker, reports the failure and hands back what was queued")
  func stopPolicy() throws {
    let pool = try WorkerPool(
      worker: FlakyWorker(), configuration: configuration(.stopPool, workers: 2))
    try pool.start()
    var accepted = 0
    var bounced = 0
    for value in 1...5000 {
      do throws(SubmitError<Int>) {
        try pool.send(value, toWorker: value % 2)
        accepted += 1
      } catch {
        #expect(error.reason == .shutDown)
        #expect(error.message == value)
        bounced += 1
      }
    }
    let termination = pool.shutdown()
    #expect(termination.failure != nil)
    #expect(termination.statistics.errors >= 1)
    let handled = termination.statistics.processed
    #expect(handled + UInt64(termination.unprocessed.count) == UInt64(accepted))
    #expect(bounced + accepted == 5000)
    #expect(pool.statistics.rejected == UInt64(bounced))
    #expect(pool.isTerminated)
  }

  @Test("stop hands back every queued message; nothing is lost")
  func immediateStop() throws {
    let pool = try WorkerPool(
      worker: SlowWorker(),
      configuration: PoolConfiguration().withWorkerCount(1).withWorkerConfiguration(
        WorkerConfiguration().withQueueCapacity(4096)))
    try pool.start()
    for value in 0..<2000 { try pool.send(value, toWorker: 0) }
    let termination = pool.stop()
    let processed = termination.states.reduce(0, +)
    #expect(processed + termination.unprocessed.count == 2000)
    #expect(UInt64(processed) == termination.statistics.processed)
    let values = termination.unprocessed.map(\.message)
    #expect(values == Array((2000 - values.count)..<2000), "unprocessed keep their order")
  }

  @Test("workers emit results into the MPSC results channel")
  func results() throws {
    let pool = try WorkerPool(
      worker: DoublingWorker(),
      configuration: PoolConfiguration().withWorkerCount(2).withResultsCapacity(64))
    try pool.start()
    let results = pool.takeResults()!
    let secondIsNil = pool.takeResults() == nil
    #expect(secondIsNil)
    let reader = OSThread.spawn(taking: results) { receiver in
      var sum = 0
      while let value = try? receiver.receive() { sum += value }
      #expect(sum == 2 * (0..<5000).reduce(0, +))
    }
    for value in 0..<5000 { try pool.send(value, key: value) }
    let termination = pool.shutdown()
    reader.join()  // the channel closed after the pool terminated
    #expect(termination.statistics.workers.reduce(0) { $0 + $1.emitted } == 5000)
  }

  @Test("a handler can drain a batch with tryReceiveMessage")
  func batchingInHandler() throws {
    let pool = try WorkerPool(
      worker: BatchingWorker(),
      configuration: PoolConfiguration().withWorkerCount(1))
    for value in 0..<1000 { try pool.send(value, toWorker: 0) }  // queued before start
    try pool.start()
    let termination = pool.shutdown()
    let state = termination.states[0]
    #expect(state.sum == (0..<1000).reduce(0, +))
    #expect(state.batches.reduce(0, +) == 1000)
    #expect(state.batches.contains { $0 > 1 })
    #expect(termination.statistics.processed == 1000)
  }

  @Test("an idle worker ticks at the configured interval and sleeps otherwise")
  func tickInterval() throws {
    let pool = try WorkerPool(
      worker: BatchingWorker(),
      configuration: PoolConfiguration().withWorkerCount(1).withWorkerConfiguration(
        WorkerConfiguration().withTickInterval(.milliseconds(2))))
    try pool.start()
    let start = ContinuousClock.now
    while pool.statistics.ticks < 5 {
      #expect(ContinuousClock.now - start < .seconds(10))
      Backoff.pause()
    }
    let termination = pool.shutdown()
    #expect(termination.states[0].ticks >= 5)
  }

  @Test(
    "idle strategies all deliver",
    arguments: [IdleStrategy.busySpin, .spinThenYield, .spinThenPark])
  func idleStrategies(strategy: IdleStrategy) throws {
    let pool = try WorkerPool(
      worker: RecordingWorker(),
      configuration: PoolConfiguration().withWorkerCount(2).withWorkerConfiguration(
        WorkerConfiguration().withIdleStrategy(strategy).withBatchSize(1)))
    try pool.start()
    for id in 0..<2000 { try pool.send(.init(id: id, key: id), key: id) }
    #expect(expectExactlyOnce(pool.shutdown().states, total: 2000))
  }

  @Test("statistics report latency percentiles and queue delay")
  func statistics() throws {
    var configuration = PoolConfiguration().withWorkerCount(2)
    configuration.latencySampleInterval = 1
    configuration.recordsQueueDelay = true
    let pool = try WorkerPool(worker: SlowWorker(), configuration: configuration)
    try pool.start()
    for value in 0..<1000 { try pool.send(value, key: value) }
    let statistics = pool.shutdown().statistics
    #expect(statistics.processingLatency.count == 1000)
    #expect(statistics.processingLatency.p50 > 0)
    #expect(statistics.processingLatency.p99 >= statistics.processingLatency.p50)
    #expect(statistics.queueDelay.count > 0)
    #expect(statistics.workers.map(\.queueCapacity) == [1024, 1024])
  }

  @Test("batch submission groups by worker and delivers exactly once")
  func batchSubmission() throws {
    let pool = try WorkerPool(
      worker: RecordingWorker(),
      configuration: PoolConfiguration().withWorkerCount(2).withWorkerConfiguration(
        WorkerConfiguration().withQueueCapacity(64)))
    try pool.start()
    let messages = (0..<5000).map { RecordingWorker.Message(id: $0, key: $0 % 31) }
    for chunk in stride(from: 0, to: 5000, by: 500) {
      try pool.send(contentsOf: messages[chunk..<(chunk + 500)], key: \.key)
    }
    try pool.broadcast(.init(id: 5000, key: 0))
    let states = pool.shutdown().states
    #expect(states.allSatisfy { $0.ids.last == 5000 })
    let withoutBroadcast = states.map { state in
      var copy = state
      copy.ids.removeLast()
      return copy
    }
    #expect(expectExactlyOnce(withoutBroadcast, total: 5000))
    #expect(withoutBroadcast.allSatisfy { $0.ids == $0.ids.sorted() }, "one producer, in order")
    #expect(
      withoutBroadcast.allSatisfy { state in
        state.ids.allSatisfy { pool.workerIndex(for: $0 % 31) == state.workerIndex }
      })
  }

  @Test("fail-fast batch submission over two workers hands back each worker's overflow in order")
  func batchFailFastTwoWorkers() throws {
    let pool = try WorkerPool(
      worker: RecordingWorker(),
      configuration: PoolConfiguration().withWorkerCount(2).withBackpressure(.failFast)
        .withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(16)))
    let messages = (0..<200).map { RecordingWorker.Message(id: $0, key: $0) }
    var rejected: [RecordingWorker.Message] = []
    do throws(BatchSubmitError<RecordingWorker.Message>) {
      try pool.send(contentsOf: messages, key: \.key)  // not started: 16 fit per worker
    } catch {
      #expect(error.reason == .queueFull)
      rejected = error.rejected
    }
    let states = pool.shutdown().states
    for worker in 0..<2 {
      let share = messages.filter { pool.workerIndex(for: $0.key) == worker }.map(\.id)
      #expect(states[worker].ids == Array(share.prefix(16)), "the first 16 of its share")
      let back = rejected.filter { pool.workerIndex(for: $0.key) == worker }.map(\.id)
      #expect(back == Array(share.dropFirst(16)), "the rest, in order")
    }
  }

  @Test("fail-fast batch submission hands back what did not fit")
  func batchFailFast() throws {
    let pool = try WorkerPool(
      worker: RecordingWorker(),
      configuration: PoolConfiguration().withWorkerCount(1).withBackpressure(.failFast)
        .withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(16)))
    let messages = (0..<100).map { RecordingWorker.Message(id: $0, key: $0) }
    var rejected: [RecordingWorker.Message] = []
    do throws(BatchSubmitError<RecordingWorker.Message>) {
      try pool.send(contentsOf: messages, key: \.key)  // not started: only 16 fit
    } catch {
      #expect(error.reason == .queueFull)
      rejected = error.rejected
    }
    #expect(rejected.map(\.id) == Array(16..<100))
    let states = pool.shutdown().states
    #expect(expectExactlyOnce(states, total: 16))
  }

  @Test("as a Service: graceful shutdown of the group drains the pool")
  func service() async throws {
    let pool = try WorkerPool(
      worker: RecordingWorker(),
      configuration: PoolConfiguration().withWorkerCount(2).withMetricsInterval(.milliseconds(5)))
    let group = ServiceGroup(
      configuration: .init(services: [pool], logger: pool.configuration.logger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
      tasks.addTask { try await group.run() }
      for id in 0..<1000 { try await pool.send(.init(id: id, key: id), key: id) }
      await group.triggerGracefulShutdown()
      try await tasks.waitForAll()
    }
    #expect(pool.isTerminated)
    let termination = await pool.shutdownGracefully()
    #expect(expectExactlyOnce(termination.states, total: 1000))
  }

  @Test("as a Service: cancellation stops the pool")
  func serviceCancellation() async throws {
    let pool = try WorkerPool(
      worker: RecordingWorker(), configuration: PoolConfiguration().withWorkerCount(1))
    let task = Task { try await pool.run() }
    try await pool.send(.init(id: 0, key: 0), key: 0)
    task.cancel()
    try await task.value
    #expect(pool.isTerminated)
  }
}

@Suite("CPUTopology")
struct TopologyTests {
  @Test("reads a recorded 2-node box: interleaved nodes, offline CPUs, a quota")
  func recordedNUMA() {
    let topology = CPUTopology.read(from: RecordedSystem.numa, allowedCPUs: Array(0...11))
    #expect(topology.cpus.map(\.id) == Array(0...13))  // 14-15 offline
    #expect(topology.numaNodes == [0, 1])
    #expect(topology.cpus.filter { $0.numaNode == 1 }.map(\.id) == [1, 3, 5, 7, 9, 11, 13])
    #expect(topology.physicalCoreCount == 8)
    #expect(topology.cpus[8].siblings == [0, 8])
    #expect(topology.cpus[6].siblings == [6])
    #expect(topology.caches.map(\.size) == [48 << 10, 32 << 10, 2 << 20, 30 << 20])
    #expect(topology.cacheLineSize == 64)
    #expect(topology.cpuQuota == 6)
    // One CPU of each core first, alternating nodes, then the SMT siblings.
    #expect(topology.placementOrder(for: Array(0...11)) == Array(0...11))
    #expect(topology.placementOrder(for: [0, 2, 8, 9]) == [0, 9, 2, 8])
  }

  @Test("reads the recorded reference VM, and falls back on files that do not parse")
  func recordedVMAndMalformed() {
    let vm = CPUTopology.read(from: RecordedSystem.vm, allowedCPUs: [0, 1])
    #expect(vm.cpus.map(\.id) == [0, 1])
    #expect(vm.physicalCoreCount == 2)
    #expect(vm.numaNodes == [0])
    #expect(vm.caches.count == 4)
    #expect(vm.cpuQuota == nil)
    let broken = CPUTopology.read(from: RecordedSystem.malformed, allowedCPUs: [0, 1])
    #expect(broken.cpus.map(\.id) == [0, 1])  // `online` is "0-3x": the affinity mask
    #expect(broken.cpus[0] == .init(id: 0, coreID: 0, packageID: 0, numaNode: 0, siblings: [0]))
    #expect(broken.cpuQuota == nil)
  }

  @Test("reads this machine")
  func current() {
    let topology = CPUTopology.current()
    #expect(!topology.allowedCPUs.isEmpty)
    #expect(topology.allowedCPUs == OSThread.allowedCPUs)
    #expect(topology.logicalCPUCount >= topology.allowedCPUs.count)
    #expect(topology.physicalCoreCount >= 1)
    #expect([32, 64, 128, 256].contains(topology.cacheLineSize))
    #expect(topology.numaNode(ofCPU: topology.allowedCPUs[0]) != nil)
  }

  @Test("places workers on distinct cores first, spread over nodes")
  func placement() {
    func cpu(_ id: Int, core: Int, node: Int) -> CPUTopology.CPU {
      .init(id: id, coreID: core, packageID: 0, numaNode: node, siblings: [])
    }
    // CPUs 0/4 share core 0, 1/5 core 1 (node 0); 2/6 core 2, 3/7 core 3 (node 1).
    let cpus = (0..<8).map { cpu($0, core: $0 % 4, node: ($0 % 4) / 2) }
    let topology = CPUTopology(cpus: cpus, allowedCPUs: Array(0..<8))
    #expect(topology.placementOrder(for: Array(0..<8)) == [0, 2, 1, 3, 4, 5, 6, 7])
    #expect(topology.physicalCoreCount == 4)
    #expect(topology.numaNodes == [0, 1])
  }
}
