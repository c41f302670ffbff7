import SNAtomics
import SNPartition
import SNPool
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Records each message's id and key hash, in the order handled.
struct HashRecordingWorker: Worker {
  func makeState(workerIndex: Int) -> [(id: Int, keyHash: UInt64?)] { [] }

  func handleMessage(
    _ envelope: Envelope<Int>, state: inout [(id: Int, keyHash: UInt64?)],
    context: inout WorkerContext<Self>
  ) {
    state.append((envelope.message, envelope.keyHash))
  }
}

/// Handles every third message by taking up to ten more with
/// `tryReceiveMessages(into:maxCount:)`, in the middle of the run loop's
/// in-place batch; records the ids in the order handled.
struct BulkTakingWorker: Worker {
  func makeState(workerIndex: Int) -> [Int] { [] }

  func handleMessage(
    _ envelope: Envelope<Int>, state: inout [Int], context: inout WorkerContext<Self>
  ) {
    state.append(envelope.message)
    guard envelope.message % 3 == 0 else { return }
    var more: [Envelope<Int>] = []
    _ = context.tryReceiveMessages(into: &more, maxCount: 10)
    state += more.map(\.message)
  }
}

/// Sends ids `producer, producer + producers, …` below `total` through its
/// own submitter, retrying rejected sends; returns how many were rejected.
func produceThroughSubmitter(
  _ submitter: inout Submitter<RecordingWorker>, producer: Int, producers: Int, total: Int
) -> Int {
  var rejected = 0
  var id = producer
  while id < total {
    var message = RecordingWorker.Message(id: id, key: id % 1000)
    while true {
      do throws(SubmitError<RecordingWorker.Message>) {
        try submitter.send(message, key: message.key)
        break
      } catch {
        guard error.reason == .queueFull || error.reason == .timedOut else {
          fatalError("unexpected \(error.reason)")
        }
        rejected += 1
        message = error.message
        Backoff.pause()
      }
    }
    id += producers
  }
  return rejected
}

/// Whether each producer's ids appear in increasing order on every worker.
func keepsProducerOrder(_ states: [RecordingWorker.State], producers: Int) -> Bool {
  for state in states {
    var last = [Int](repeating: -1, count: producers)
    for id in state.ids {
      let producer = id % producers
      guard id > last[producer] else { return false }
      last[producer] = id
    }
  }
  return true
}

@Suite("Submitter")
struct SubmitterTests {
  func makePool(
    workers: Int = 2, capacity: Int = 64, backpressure: BackpressurePolicy = .block
  ) throws -> WorkerPool<RecordingWorker> {
    try WorkerPool(
      worker: RecordingWorker(),
      configuration: PoolConfiguration().withWorkerCount(workers).withBackpressure(backpressure)
        .withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(capacity)))
  }

  @Test("routes like the pool: each key lands on the worker it maps to")
  func routing() throws {
    let pool = try makePool(workers: 3, capacity: 1024)
    try pool.start()
    var submitter = try pool.makeSubmitter()
    for key in 0..<900 { try submitter.send(.init(id: key, key: key), key: key) }
    _ = consume submitter
    let termination = pool.shutdown()
    for (index, state) in termination.states.enumerated() {
      #expect(state.keys.allSatisfy { pool.workerIndex(for: $0) == index })
    }
    #expect(expectExactlyOnce(termination.states, total: 900))
    #expect(termination.statistics.received == 900)
    #expect(termination.statistics.processed == 900)
  }

  @Test(
    "exactly once and in order per producer, beside pool.send, under each policy",
    arguments: [BackpressurePolicy.block, .failFast, .timeout(.microseconds(50))])
  func exactlyOnce(policy: BackpressurePolicy) throws {
    let pool = try makePool(backpressure: policy)
    try pool.start()
    let total = stressTotal
    let producers = 3
    let rejected = RejectCounter()
    var threads: [OSThread] = []
    for producer in 0..<2 {
      threads.append(
        OSThread.spawn(name: "submitter-\(producer)", taking: try pool.makeSubmitter()) {
          submitter in
          let count = produceThroughSubmitter(
            &submitter, producer: producer, producers: producers, total: total)
          for _ in 0..<count { rejected.add() }
        })
    }
    // The third producer shares the workers' queues through pool.send.
    threads.append(
      OSThread.spawn(name: "shared") {
        var id = 2
        while id < total {
          var message = RecordingWorker.Message(id: id, key: id % 1000)
          while true {
            do throws(SubmitError<RecordingWorker.Message>) {
              try pool.send(message, key: message.key)
              break
            } catch {
              rejected.add()
              message = error.message
              Backoff.pause()
            }
          }
          id += producers
        }
      })
    for thread in threads { thread.join() }
    let termination = pool.shutdown()
    #expect(termination.unprocessed.isEmpty)
    #expect(expectExactlyOnce(termination.states, total: total))
    #expect(keepsProducerOrder(termination.states, producers: producers))
    #expect(termination.statistics.received == UInt64(total))
    #expect(termination.statistics.processed == UInt64(total))
    #expect(termination.statistics.rejected == UInt64(rejected.value))
    #expect(termination.statistics.queueDepth == 0)
    if policy == .block { #expect(rejected.value == 0) }
  }

  @Test("sends racing with shutdown are either processed or handed back")
  func racingShutdown() throws {
    let pool = try makePool()
    try pool.start()
    let accepted = RejectCounter()
    let bounced = RejectCounter()
    let producer = OSThread.spawn(taking: try pool.makeSubmitter()) { submitter in
      for id in 0..<1_000_000 {
        do throws(SubmitError<RecordingWorker.Message>) {
          try submitter.send(.init(id: id, key: id), key: id)
          accepted.add()
        } catch {
          #expect(error.reason == .shutDown)
          #expect(error.message.id == id)
          bounced.add()
          return
        }
      }
    }
    while accepted.value < 1000 { Backoff.pause() }
    let termination = pool.shutdown()
    producer.join()
    #expect(termination.statistics.processed == UInt64(accepted.value))
    // The producer's rejected send can come after shutdown() took the
    // termination's snapshot, so rejections are read once it has joined.
    #expect(pool.statistics.rejected == UInt64(bounced.value))
    #expect(expectExactlyOnce(termination.states, total: accepted.value))
  }

  @Test("after shutdown: sends hand the message back and no submitter is made")
  func afterShutdown() throws {
    let pool = try makePool()
    var submitter = try pool.makeSubmitter()  // before start: messages wait
    try submitter.send(.init(id: 0, key: 0), key: 0)
    try pool.start()
    let termination = pool.shutdown()
    #expect(expectExactlyOnce(termination.states, total: 1))
    do {
      try submitter.send(.init(id: 7, key: 7), key: 7)
      Issue.record("send after shutdown succeeded")
    } catch {
      #expect(error.reason == .shutDown)
      #expect(error.message.id == 7)
    }
    #expect(throws: PoolError.shutDown) { _ = try pool.makeSubmitter() }
    #expect(pool.statistics.rejected == 1)
  }

  @Test("stop hands back every queued lane message in order; nothing is lost")
  func immediateStop() throws {
    let pool = try WorkerPool(
      worker: SlowWorker(),
      configuration: PoolConfiguration().withWorkerCount(1).withWorkerConfiguration(
        WorkerConfiguration().withQueueCapacity(4096)))
    try pool.start()
    var submitter = try pool.makeSubmitter()
    for value in 0..<2000 { try submitter.send(value, toWorker: 0) }
    let termination = pool.stop()
    let processed = termination.states.reduce(0, +)
    #expect(processed + termination.unprocessed.count == 2000)
    #expect(UInt64(processed) == termination.statistics.processed)
    let values = termination.unprocessed.map(\.message)
    #expect(values == Array((2000 - values.count)..<2000), "unprocessed keep their order")
    #expect(throws: SubmitError<Int>.self) { try submitter.send(1, toWorker: 0) }
  }

  @Test("a blocked submitter is released by stop with its message")
  func blockedByStop() throws {
    let pool = try WorkerPool(
      worker: SlowWorker(),
      configuration: PoolConfiguration().withWorkerCount(1).withWorkerConfiguration(
        WorkerConfiguration().withQueueCapacity(4)))
    let handedBack = RejectCounter()
    // Not started: the lane fills and the fifth send blocks.
    let producer = OSThread.spawn(taking: try pool.makeSubmitter()) { submitter in
      for value in 0..<5 {
        do throws(SubmitError<Int>) {
          try submitter.send(value, toWorker: 0)
        } catch {
          #expect(error.reason == .shutDown)
          #expect(error.message == value)
          handedBack.add()
        }
      }
    }
    usleep(20_000)
    let termination = pool.stop()
    producer.join()
    let processed = termination.states.reduce(0, +)
    #expect(processed + termination.unprocessed.count + handedBack.value == 5)
  }

  @Test("key hashes travel with lane messages; the reserved hash keeps the order")
  func keyHashes() throws {
    let pool = try WorkerPool(
      worker: HashRecordingWorker(), configuration: PoolConfiguration().withWorkerCount(1))
    var submitter = try pool.makeSubmitter()
    let hasher = pool.partitioner.keyHasher
    for id in 0..<100 { try submitter.send(id, key: id) }  // queued before start
    try pool.start()
    // The lane's "no key" value: waits for the lane to drain, then goes
    // through the shared queue.
    try submitter.send(100, keyHash: .max)
    try submitter.send(101, toWorker: 0)
    for id in 102..<200 { try submitter.send(id, key: id) }
    let handled = pool.shutdown().states[0]
    #expect(handled.map(\.id) == Array(0..<200))
    for (id, keyHash) in handled {
      switch id {
      case 100: #expect(keyHash == .max)
      case 101: #expect(keyHash == nil)
      default: #expect(keyHash == hasher.hash(id))
      }
    }
  }

  @Test("a handler taking messages in bulk mid-batch sees each lane message once, in order")
  func bulkTakingInHandler() throws {
    let pool = try WorkerPool(
      worker: BulkTakingWorker(), configuration: PoolConfiguration().withWorkerCount(1))
    var submitter = try pool.makeSubmitter()
    for value in 0..<500 { try submitter.send(value, toWorker: 0) }  // queued before start
    try pool.start()
    for value in 500..<1000 { try submitter.send(value, toWorker: 0) }
    let termination = pool.shutdown()
    #expect(termination.states[0] == Array(0..<1000))
    #expect(termination.statistics.processed == 1000)
  }

  @Test("switching between keyed and direct sends keeps each worker's order, exactly once")
  func mixedLaneKinds() throws {
    let pool = try WorkerPool(
      worker: HashRecordingWorker(),
      configuration: PoolConfiguration().withWorkerCount(2)
        .withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(64)))
    try pool.start()
    let hasher = pool.partitioner.keyHasher
    var expected: [[Int]] = [[], []]
    do {
      var submitter = try pool.makeSubmitter()
      for id in 0..<20_000 {
        // Runs of 7 keyed sends, then 7 direct ones, across both workers.
        if (id / 7) % 2 == 0 {
          try submitter.send(id, key: id)
          expected[pool.partitioner.worker(forKeyHash: hasher.hash(id))].append(id)
        } else {
          try submitter.send(id, toWorker: id % 2)
          expected[id % 2].append(id)
        }
      }
    }
    let states = pool.shutdown().states
    for worker in 0..<2 {
      #expect(states[worker].map(\.id) == expected[worker])
    }
  }

  @Test("a tick drains lane messages with tryReceiveMessage")
  func batchingInHandler() throws {
    let pool = try WorkerPool(
      worker: BatchingWorker(), configuration: PoolConfiguration().withWorkerCount(1))
    var submitter = try pool.makeSubmitter()
    for value in 0..<1000 { try submitter.send(value, toWorker: 0) }  // queued before start
    try pool.start()
    let termination = pool.shutdown()
    let state = termination.states[0]
    #expect(state.sum == (0..<1000).reduce(0, +))
    #expect(state.batches.reduce(0, +) == 1000)
    #expect(state.batches.contains { $0 > 1 })
    #expect(termination.statistics.processed == 1000)
  }

  @Test("dropped submitters free their lanes; queue delay is recorded when asked for")
  func droppedAndStamped() throws {
    var configuration = PoolConfiguration().withWorkerCount(2)
    configuration.recordsQueueDelay = true
    let pool = try WorkerPool(worker: RecordingWorker(), configuration: configuration)
    try pool.start()
    for round in 0..<20 {
      var submitter = try pool.makeSubmitter()
      for id in (round * 100)..<(round * 100 + 100) {
        try submitter.send(.init(id: id, key: id), key: id)
      }
    }
    let termination = pool.shutdown()
    #expect(expectExactlyOnce(termination.states, total: 2000))
    #expect(termination.statistics.queueDelay.count > 0)
  }

  @Test("a parked worker wakes for a lane message")
  func wakesParkedWorker() throws {
    let pool = try makePool(workers: 1)
    try pool.start()
    var submitter = try pool.makeSubmitter()
    for id in 0..<50 {
      usleep(2_000)  // long enough for the worker to park
      try submitter.send(.init(id: id, key: id), key: id)
      let start = ContinuousClock.now
      while pool.statistics.processed < UInt64(id + 1) {
        #expect(ContinuousClock.now - start < .seconds(10))
        Backoff.pause()
      }
    }
    #expect(expectExactlyOnce(pool.shutdown().states, total: 50))
  }
}
