import SNPool
import Testing

/// `send(contentsOf:toWorker:) async`: one call per batch into one worker.
@Suite("Async batch send to one worker")
struct AsyncBatchSendTests {
  func pool(capacity: Int, policy: BackpressurePolicy) throws -> WorkerPool<RecordingWorker> {
    try WorkerPool(
      worker: RecordingWorker(),
      configuration: PoolConfiguration().withWorkerCount(2).withBackpressure(policy)
        .withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(capacity)))
  }

  @Test("a batch larger than the queue arrives whole, in order, at that worker only")
  func arrivesInOrder() async throws {
    let pool = try pool(capacity: 16, policy: .block)
    try pool.start()
    let messages = (0..<5000).map { RecordingWorker.Message(id: $0, key: $0) }
    try await pool.send(contentsOf: messages[..<2500], toWorker: 1)
    try await pool.send(contentsOf: messages[2500...], toWorker: 1)
    let states = pool.shutdown().states
    #expect(states[0].ids.isEmpty)
    #expect(states[1].ids == Array(0..<5000))
  }

  @Test("fail-fast on a full queue rejects a suffix; everything before it is delivered")
  func failFastRejectsSuffix() async throws {
    let pool = try pool(capacity: 16, policy: .failFast)
    // Not started: nothing drains, so the queue fills up.
    let messages = (0..<100).map { RecordingWorker.Message(id: $0, key: $0) }
    var accepted = 100
    do throws(BatchSubmitError<RecordingWorker.Message>) {
      try await pool.send(contentsOf: messages, toWorker: 0)
      Issue.record("a batch of 100 fitted a queue of 16")
    } catch {
      #expect(error.reason == .queueFull)
      accepted = 100 - error.rejected.count
      #expect(accepted > 0)
      #expect(error.rejected.map(\.id) == Array(accepted..<100))
    }
    try pool.start()
    let termination = pool.shutdown()
    #expect(termination.states[0].ids == Array(0..<accepted))
    #expect(termination.statistics.rejected == UInt64(100 - accepted))
  }

  @Test("after shutdown the whole batch comes back")
  func shutDownHandsBackAll() async throws {
    let pool = try pool(capacity: 16, policy: .block)
    try pool.start()
    _ = pool.shutdown()
    let messages = (0..<10).map { RecordingWorker.Message(id: $0, key: $0) }
    do throws(BatchSubmitError<RecordingWorker.Message>) {
      try await pool.send(contentsOf: messages, toWorker: 0)
      Issue.record("a shut-down pool accepted a batch")
    } catch {
      #expect(error.reason == .shutDown)
      #expect(error.rejected.map(\.id) == Array(0..<10))
    }
  }
}
