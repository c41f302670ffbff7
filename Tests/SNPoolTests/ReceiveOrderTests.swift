import SNAtomics
import SNPool
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Records ids in the order handled; after each message it takes up to
/// `extra` more with `tryReceiveMessage()` (the pattern of
/// BatchingInTick.md), recording them too.
struct TakingWorker: Worker {
  var extra = 3

  func makeState(workerIndex: Int) -> [Int] { [] }

  func handleMessage(
    _ envelope: Envelope<Int>, state: inout [Int], context: inout WorkerContext<Self>
  ) {
    state.append(envelope.message)
    var taken = 0
    while taken < extra, let next = context.tryReceiveMessage() {
      state.append(next.message)
      taken += 1
    }
  }
}

/// Records ids in the order handled; takes up to four more in bulk with
/// `tryReceiveMessages(into:maxCount:)` after every fifth message.
struct BulkAfterFifthWorker: Worker {
  func makeState(workerIndex: Int) -> [Int] { [] }

  func handleMessage(
    _ envelope: Envelope<Int>, state: inout [Int], context: inout WorkerContext<Self>
  ) {
    state.append(envelope.message)
    guard envelope.message % 5 == 0 else { return }
    var more: [Envelope<Int>] = []
    _ = context.tryReceiveMessages(into: &more, maxCount: 4)
    state += more.map(\.message)
  }
}

@Suite("A handler's own receives keep the order")
struct ReceiveOrderTests {
  /// Queues 0..<10,000 for one worker before it starts, then runs it: the
  /// worker must record them in order, each once.
  static func drainQueuedInOrder<W: Worker>(_ worker: W) throws -> PoolTermination<W>
  where W.Message == Int, W.State == [Int] {
    let pool = try WorkerPool(
      worker: worker,
      configuration: PoolConfiguration().withWorkerCount(1)
        .withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(16_384)))
    for value in 0..<10_000 { try pool.send(value, toWorker: 0) }  // queued before start
    try pool.start()
    let termination = pool.shutdown()
    #expect(termination.states[0] == Array(0..<10_000))
    #expect(termination.statistics.processed == 10_000)
    return termination
  }

  @Test("shared queue: tryReceiveMessage in a handler sees the next messages in order")
  func sharedQueueOrder() throws {
    let termination = try Self.drainQueuedInOrder(TakingWorker())
    #expect(termination.statistics.received == 10_000)
  }

  @Test("shared queue: bulk receives in a handler keep the order")
  func sharedQueueBulkOrder() throws {
    _ = try Self.drainQueuedInOrder(BulkAfterFifthWorker())
  }

  @Test("a submitter switching keyed and direct sends: the handler's receives keep its order")
  func submitterSwitchingOrder() throws {
    for round in 0..<20 {
      let pool = try WorkerPool(
        worker: TakingWorker(extra: 2),
        configuration: PoolConfiguration().withWorkerCount(1)
          .withWorkerConfiguration(
            WorkerConfiguration().withQueueCapacity(64).withIdleStrategy(.spinThenPark)))
      try pool.start()
      do {
        var submitter = try pool.makeSubmitter()
        for id in 0..<5_000 {
          // Runs of 5 keyed sends, then 5 direct ones; pauses of varying
          // length let the worker go idle between runs, so some runs arrive
          // while it looks once more before sleeping (and take that path).
          if (id / 5) % 2 == 0 {
            try submitter.send(id, key: id)
          } else {
            try submitter.send(id, toWorker: 0)
          }
          if id % 10 == 9 { usleep(UInt32(id / 10 % 7 * 20)) }
        }
      }
      let states = pool.shutdown().states
      #expect(states[0] == Array(0..<5_000), "round \(round)")
    }
  }
}
