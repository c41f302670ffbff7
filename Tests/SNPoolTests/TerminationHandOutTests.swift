import SNAtomics
import SNPool
import Testing
import _SNTestSupport

/// A worker state that is a class: the states must reach one caller only.
final class Tally {
  var count = 0
}

/// Counts into a class-typed state.
struct TallyWorker: Worker {
  func makeState(workerIndex: Int) -> Tally { Tally() }

  func handleMessage(
    _ envelope: Envelope<Int>, state: inout Tally, context: inout WorkerContext<Self>
  ) {
    state.count += 1
  }
}

@Suite("WorkerPool termination hand-out")
struct TerminationHandOutTests {
  @Test("shutdown() hands the states to the first caller only; later calls get none")
  func statesOnce() throws {
    let pool = try WorkerPool(
      worker: TallyWorker(), configuration: PoolConfiguration().withWorkerCount(2))
    try pool.start()
    for value in 0..<100 { try pool.send(value, toWorker: value % 2) }
    let first = pool.shutdown()
    let second = pool.shutdown()
    let third = pool.stop()
    #expect(first.includesRemains)
    #expect(first.states.count == 2)
    #expect(first.states.reduce(0) { $0 + $1.count } == 100)
    for later in [second, third] {
      #expect(!later.includesRemains)
      #expect(later.states.isEmpty)
      #expect(later.unprocessed.isEmpty)
      #expect(later.statistics.processed == 100)
    }
  }

  @Test("the collected termination moves to another task: no one else holds its states")
  func terminationMoves() async throws {
    let pool = try WorkerPool(
      worker: TallyWorker(), configuration: PoolConfiguration().withWorkerCount(2))
    try pool.start()
    for value in 0..<10 { try await pool.send(value, toWorker: value % 2) }
    // `Tally` is a non-Sendable class; the termination is the caller's alone
    // (`shutdown()` returns it as `sending`), so it may move to another task.
    let termination = pool.shutdown()
    let total = await Task.detached { termination.states.reduce(0) { $0 + $1.count } }.value
    #expect(total == 10)
  }

  @Test("concurrent stop() calls: exactly one gets the states and the unprocessed messages")
  func concurrentCallers() throws {
    for _ in 0..<20 {
      let pool = try WorkerPool(
        worker: SlowWorker(),
        configuration: PoolConfiguration().withWorkerCount(2)
          .withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(2048)))
      for value in 0..<2000 { try pool.send(value, toWorker: value % 2) }
      try pool.start()
      // One slot per caller, written by its thread and read after join.
      let slots = (0..<3).map { _ in JoinedResult((states: 0, processed: 0, unprocessed: 0)) }
      let callers = (0..<3).map { caller in
        OSThread.spawn(name: "stopper-\(caller)") {
          let termination = pool.stop()
          slots[caller].value = (
            termination.states.count, termination.states.reduce(0, +),
            termination.unprocessed.count
          )
        }
      }
      for caller in callers { caller.join() }
      let results = slots.map(\.value)
      let owners = results.filter { $0.states > 0 }
      #expect(owners.count == 1)
      #expect(results.filter { $0.unprocessed > 0 }.count <= 1)
      if let owner = owners.first {
        #expect(owner.processed + owner.unprocessed == 2000)
      }
    }
  }
}
