import SNAtomics
import SNChannels
import Synchronization
import Testing
import _SNTestSupport

/// Async batch operations: `send(contentsOf:)` suspends while full and tells
/// on cancellation or close how many went in; `receive(into:maxCount:)`
/// suspends while empty and takes nothing when cancelled.
@Suite struct AsyncBatchTests {
  static var total: Int { AsyncStressSize.messages }

  /// Task to task over SPSC in batches through a small ring: every element
  /// arrives once, in order.
  @Test(arguments: [1, 8])
  func spscBatchesExactlyOnce(capacity: Int) async throws {
    let count = Self.total
    let channel = try SNChannel<UInt64>.spsc(capacity: capacity)
    let producer = Task(taking: channel.sender) { tx in
      var next: UInt64 = 0
      while next < UInt64(count) {
        let batch = next..<min(next + 37, UInt64(count))
        try! await tx.send(contentsOf: batch)
        next = batch.upperBound
      }
    }
    let consumer = Task(taking: channel.receiver) { rx -> [UInt64] in
      var log: [UInt64] = []
      var buffer: [UInt64] = []
      while true {
        do throws(SNChannelError) {
          let received = try await rx.receive(into: &buffer, maxCount: 16)
          precondition(received >= 1 && received <= 16)
        } catch {
          break
        }
        log.append(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
      }
      return log
    }
    await producer.value
    let log = await consumer.value
    #expect(exactlyOnceProblem(logs: [log], producers: 1, perProducer: count) == nil)
  }

  /// Two batch producers, one batch consumer (MPSC), and two batch
  /// consumers (MPMC): exactly once, per-producer order kept.
  @Test(arguments: [false, true])
  func multiBatchesExactlyOnce(mpmc: Bool) async throws {
    let each = Self.total / 2
    var logs: [[UInt64]] = []
    if mpmc {
      let channel = try SNChannel<UInt64>.mpmc(capacity: 16)
      let producers = Self.batchProducers(channel.sender, each: each)
      // One clone per consuming task: an endpoint has one user at a time.
      let rx = channel.receiver
      var consumers: [Task<[UInt64], Never>] = []
      for _ in 0..<2 {
        consumers.append(
          Task(taking: rx.clone()) { mine -> [UInt64] in
            var log: [UInt64] = []
            while (try? await mine.receive(into: &log, maxCount: 8)) != nil {}
            return log
          })
      }
      for consumer in consumers { logs.append(await consumer.value) }
      for producer in producers { await producer.value }
    } else {
      let channel = try SNChannel<UInt64>.mpsc(capacity: 16)
      let producers = Self.batchProducers(channel.sender, each: each)
      let consumer = Task(taking: channel.receiver) { rx -> [UInt64] in
        var log: [UInt64] = []
        while (try? await rx.receive(into: &log, maxCount: 8)) != nil {}
        return log
      }
      logs.append(await consumer.value)
      for producer in producers { await producer.value }
    }
    // Each consumer's log keeps each producer's order; together they hold
    // every element exactly once.
    #expect(exactlyOnceProblem(logs: logs, producers: 2, perProducer: each) == nil)
  }

  /// Two tasks sending `each` tagged elements in batches of 13; drops `tx`.
  static func batchProducers(_ tx: consuming MultiSender<UInt64>, each: Int) -> [Task<Void, Never>]
  {
    var producers: [Task<Void, Never>] = []
    for producer in 0..<2 {
      producers.append(
        Task(taking: tx.clone()) { mine in
          var next = 0
          while next < each {
            let end = min(next + 13, each)
            try! await mine.send(
              contentsOf: (next..<end).map { UInt64(producer) << 32 | UInt64($0) })
            next = end
          }
        })
    }
    return producers
  }

  /// A batch send waiting on a full channel is cancelled: the error tells
  /// how many went in, those are in the channel in order, the rest were not
  /// sent, and no waiter is left.
  @Test(arguments: [false, true])
  func cancelledBatchSendTellsWhatWentIn(spsc: Bool) async throws {
    let batch = Array(0..<10)
    if spsc {
      let channel = try SNChannel<Int>.spsc(capacity: 4)
      var rx = channel.receiver
      let task = Task(taking: channel.sender) { tx -> SNChannelError? in
        do throws(SNChannelError) {
          try await tx.send(contentsOf: batch)
          return nil
        } catch { return error }
      }
      #expect(await eventually { rx.registeredWaiters.senders == 1 })
      task.cancel()
      let error = try #require(await task.value)
      #expect(error == .cancelled)
      #expect(error.transferred == 4)
      var queued: [Int] = []
      while let value = try? rx.tryReceive() { queued.append(value) }
      #expect(queued == Array(batch.prefix(error.transferred)))
      #expect(rx.registeredWaiters == (0, 0))
    } else {
      let channel = try SNChannel<Int>.mpsc(capacity: 4)
      let tx = channel.sender
      let task = Task(taking: tx.clone()) { mine -> SNChannelError? in
        do throws(SNChannelError) {
          try await mine.send(contentsOf: batch)
          return nil
        } catch { return error }
      }
      #expect(await eventually { tx.registeredWaiters.senders == 1 })
      task.cancel()
      let error = try #require(await task.value)
      #expect(error == .cancelled)
      #expect(error.transferred == 4)
      var rx = channel.receiver
      var queued: [Int] = []
      while let value = try rx.tryReceive() { queued.append(value) }
      #expect(queued == Array(batch.prefix(error.transferred)))
      #expect(tx.registeredWaiters == (0, 0))
    }
  }

  /// The receiver goes away while a batch send waits: `.closed`, with the
  /// count that went in.
  @Test func batchSendSeesTheClose() async throws {
    let channel = try SNChannel<Int>.mpmc(capacity: 2)
    let tx = channel.sender
    let task = Task(taking: tx.clone()) { mine -> SNChannelError? in
      do throws(SNChannelError) {
        try await mine.send(contentsOf: [1, 2, 3, 4, 5])
        return nil
      } catch { return error }
    }
    #expect(await eventually { tx.registeredWaiters.senders == 1 })
    _ = consume channel.receiver
    let error = try #require(await task.value)
    #expect(error == .closed)
    #expect(error.transferred == tx.stats.capacity)
    #expect(tx.registeredWaiters == (0, 0))
  }

  /// A batch receive waiting on an empty channel is cancelled: `.cancelled`,
  /// nothing appended, nothing taken (a later element is still there), and
  /// closed-and-drained ends with `.closed`.
  @Test(arguments: AsyncCancellationTests.Kind.allCases)
  func cancelledBatchReceiveTakesNothing(kind: AsyncCancellationTests.Kind) async throws {
    switch kind {
    case .spsc:
      let channel = try SNChannel<Int>.spsc(capacity: 4)
      let tx = channel.sender
      let task = Task(taking: channel.receiver) { rx -> (SNChannelError?, Int) in
        var buffer: [Int] = []
        do throws(SNChannelError) { _ = try await rx.receive(into: &buffer, maxCount: 4) } catch {
          return (error, buffer.count)
        }
        return (nil, buffer.count)
      }
      #expect(await eventually { tx.registeredWaiters.receivers == 1 })
      task.cancel()
      let (error, appended) = await task.value
      #expect(error == .cancelled)
      #expect(appended == 0)
      #expect(tx.registeredWaiters == (0, 0))
    case .mpsc:
      let channel = try SNChannel<Int>.mpsc(capacity: 4)
      let tx = channel.sender
      let task = Task(taking: channel.receiver) { rx -> (SNChannelError?, Int) in
        var buffer: [Int] = []
        do throws(SNChannelError) { _ = try await rx.receive(into: &buffer, maxCount: 4) } catch {
          return (error, buffer.count)
        }
        return (nil, buffer.count)
      }
      #expect(await eventually { tx.registeredWaiters.receivers == 1 })
      task.cancel()
      let (error, appended) = await task.value
      #expect(error == .cancelled)
      #expect(appended == 0)
      #expect(tx.registeredWaiters == (0, 0))
    case .mpmc:
      let channel = try SNChannel<Int>.mpmc(capacity: 4)
      let tx = channel.sender
      let rx = channel.receiver
      let task = Task(taking: rx.clone()) { mine -> (SNChannelError?, Int) in
        var buffer: [Int] = []
        do throws(SNChannelError) { _ = try await mine.receive(into: &buffer, maxCount: 4) } catch {
          return (error, buffer.count)
        }
        return (nil, buffer.count)
      }
      #expect(await eventually { tx.registeredWaiters.receivers == 1 })
      task.cancel()
      let (error, appended) = await task.value
      #expect(error == .cancelled)
      #expect(appended == 0)
      try tx.trySend(42)
      #expect(try rx.tryReceive() == 42)
      #expect(tx.registeredWaiters == (0, 0))
    }
  }

  /// Closed and drained: a batch receive ends with `.closed` after taking
  /// what was left.
  @Test func batchReceiveDrainsThenCloses() async throws {
    let channel = try SNChannel<Int>.mpsc(capacity: 8)
    #expect(try channel.sender.trySend(contentsOf: [1, 2, 3]) == 3)
    _ = consume channel.sender
    var rx = channel.receiver
    var buffer: [Int] = []
    #expect(try await rx.receive(into: &buffer, maxCount: 8) == 3)
    #expect(buffer == [1, 2, 3])
    await #expect(throws: SNChannelError.closed) {
      try await rx.receive(into: &buffer, maxCount: 8)
    }
  }
}
