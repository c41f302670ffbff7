import SNChannels
import SNPool
import Testing

/// Hands a non-`Sendable` value from one task to another that runs strictly
/// after it (the tests await the first task before the second starts).
final class Handoff<Value>: @unchecked Sendable {
  var value: Value
  init(_ value: Value) { self.value = value }
}

@Suite("WorkerPool results as an AsyncSequence")
struct AsyncResultsTests {
  @Test("every emitted result comes out exactly once, and iteration ends at shutdown")
  func exactlyOnce() async throws {
    let total = 20_000
    let pool = try WorkerPool(
      worker: DoublingWorker(),
      configuration: PoolConfiguration().withWorkerCount(2).withResultsCapacity(64))
    try pool.start()
    let results = pool.takeAsyncResults()!
    #expect(pool.takeAsyncResults() == nil)
    let receiverIsGone = pool.takeResults() == nil
    #expect(receiverIsGone)
    // Capacity 64 against 20 000 results: the workers wait on the reader.
    let reader = Task {
      var seen: [Int] = []
      for try await value in results { seen.append(value) }
      return seen
    }
    for value in 0..<total { try await pool.send(value, key: value) }
    pool.requestShutdown()
    let seen = try await reader.value  // returns only because iteration ended
    #expect(seen.count == total)
    #expect(seen.sorted() == (0..<total).map { $0 * 2 })
    await pool.waitUntilTerminated()
    let emitted = pool.statistics.workers.reduce(0) { $0 + $1.emitted }
    #expect(emitted == UInt64(total))
  }

  @Test("a reader waiting on an idle pool sees the end when it shuts down")
  func endsWhenIdlePoolShutsDown() async throws {
    let pool = try WorkerPool(
      worker: DoublingWorker(), configuration: PoolConfiguration().withWorkerCount(2))
    try pool.start()
    let results = pool.takeAsyncResults()!
    let reader = Task {
      var count = 0
      for try await _ in results { count += 1 }
      return count
    }
    try await Task.sleep(for: .milliseconds(20))  // let the reader suspend
    pool.requestShutdown()
    #expect(try await reader.value == 0)
    await pool.waitUntilTerminated()  // also joins the thread that shut it down
  }

  @Test("results emitted before termination stay readable after it")
  func readableAfterTermination() async throws {
    let pool = try WorkerPool(
      worker: DoublingWorker(),
      configuration: PoolConfiguration().withWorkerCount(2).withResultsCapacity(256))
    try pool.start()
    for value in 0..<100 { try await pool.send(value, key: value) }
    pool.requestShutdown()
    await pool.waitUntilTerminated()
    var seen: [Int] = []
    for try await value in pool.takeAsyncResults()! { seen.append(value) }
    #expect(seen.sorted() == (0..<100).map { $0 * 2 })
  }

  @Test("a reader cancelled while waiting takes nothing")
  func cancelledWhileWaiting() async throws {
    let pool = try WorkerPool(
      worker: DoublingWorker(), configuration: PoolConfiguration().withWorkerCount(1))
    try pool.start()
    let results = Handoff(pool.takeAsyncResults()!)
    let waiter = Task { () async -> SNChannelError? in
      var iterator = results.value.makeAsyncIterator()
      do throws(SNChannelError) {
        _ = try await iterator.next()
        return nil
      } catch {
        return error
      }
    }
    try await Task.sleep(for: .milliseconds(20))  // let it suspend on the empty channel
    waiter.cancel()
    #expect(await waiter.value == .cancelled)
    for value in 0..<10 { try await pool.send(value, toWorker: 0) }
    pool.requestShutdown()
    var seen: [Int] = []
    for try await value in results.value { seen.append(value) }
    #expect(seen == (0..<10).map { $0 * 2 }, "nothing lost to the cancelled wait")
    await pool.waitUntilTerminated()
  }

  @Test("a cancelled reader does not take a result that is ready")
  func cancelledWithResultReady() async throws {
    let pool = try WorkerPool(
      worker: DoublingWorker(), configuration: PoolConfiguration().withWorkerCount(1))
    try pool.start()
    for value in 0..<5 { try await pool.send(value, toWorker: 0) }
    pool.requestShutdown()
    await pool.waitUntilTerminated()  // all five results are queued now
    let results = Handoff(pool.takeAsyncResults()!)
    let cancelled = Task { () async -> SNChannelError? in
      withUnsafeCurrentTask { $0?.cancel() }
      var iterator = results.value.makeAsyncIterator()
      do throws(SNChannelError) {
        _ = try await iterator.next()
        return nil
      } catch {
        return error
      }
    }
    #expect(await cancelled.value == .cancelled)
    var seen: [Int] = []
    for try await value in results.value { seen.append(value) }
    #expect(seen == [0, 2, 4, 6, 8])
  }
}
