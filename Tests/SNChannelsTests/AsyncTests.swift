import SNAtomics
import SNChannels
import Synchronization
import Testing
import _SNTestSupport

/// Async send/receive: exactly-once delivery between tasks, `AsyncSequence`
/// iteration, and mixed sync/async use. Sizes: `AsyncStressSize.messages`
/// (100k in debug and under TSan, 1M in release).
@Suite struct AsyncTests {
  static var total: Int { AsyncStressSize.messages }

  @Test(arguments: [1, 64, 1024])
  func spscTaskToTask(capacity: Int) async throws {
    let channel = try SNChannel<UInt64>.spsc(capacity: capacity)
    let count = Self.total
    let producer = Task(taking: channel.sender) { tx in
      for sequence in 0..<count { try! await tx.send(UInt64(sequence)) }
    }
    let consumer = Task(taking: channel.receiver) { rx -> [UInt64] in
      var log: [UInt64] = []
      log.reserveCapacity(count)
      while let value = try? await rx.receive() { log.append(value) }
      return log
    }
    await producer.value
    let log = await consumer.value
    #expect(exactlyOnceProblem(logs: [log], producers: 1, perProducer: count) == nil)
  }

  @Test(arguments: [2, 256])
  func mpscFourTasks(capacity: Int) async throws {
    let channel = try SNChannel<UInt64>.mpsc(capacity: capacity)
    let tx = channel.sender
    let producers = 4
    let each = Self.total / producers
    var tasks: [Task<Void, Never>] = []
    for producer in 0..<producers {
      tasks.append(
        Task(taking: tx.clone()) { mine in
          for sequence in 0..<each {
            try! await mine.send(UInt64(producer) << 32 | UInt64(sequence))
          }
        })
    }
    tx.close()
    // The sequence form: iteration ends when every sender is gone.
    let messages = channel.receiver.messages()
    let consumer = Task { () -> [UInt64] in
      var log: [UInt64] = []
      do {
        for try await value in messages { log.append(value) }
      } catch {
        Issue.record("iteration failed: \(error)")
      }
      return log
    }
    for task in tasks { await task.value }
    let log = await consumer.value
    #expect(exactlyOnceProblem(logs: [log], producers: producers, perProducer: each) == nil)
  }

  @Test(arguments: [2, 256])
  func mpmcTwoByTwo(capacity: Int) async throws {
    let channel = try SNChannel<UInt64>.mpmc(capacity: capacity)
    let tx = channel.sender
    let rx = channel.receiver
    let producers = 2
    let each = Self.total / producers
    var consumers: [Task<[UInt64], Never>] = []
    for consumer in 0..<2 {
      consumers.append(
        Task(taking: rx.clone()) { mine -> [UInt64] in
          var log: [UInt64] = []
          if consumer == 0 {
            while let value = try? await mine.receive() { log.append(value) }
          } else {
            let messages = mine.clone().messages()
            do { for try await value in messages { log.append(value) } } catch {
              Issue.record("iteration failed: \(error)")
            }
          }
          return log
        })
    }
    _ = consume rx
    var producerTasks: [Task<Void, Never>] = []
    for producer in 0..<producers {
      producerTasks.append(
        Task(taking: tx.clone()) { mine in
          for sequence in 0..<each {
            try! await mine.send(UInt64(producer) << 32 | UInt64(sequence))
          }
        })
    }
    tx.close()
    for task in producerTasks { await task.value }
    var logs: [[UInt64]] = []
    for task in consumers { logs.append(await task.value) }
    #expect(exactlyOnceProblem(logs: logs, producers: producers, perProducer: each) == nil)
  }

  /// A pinned-style OS thread sends with the blocking API; a task receives.
  @Test func syncThreadToAsyncTask() async throws {
    let channel = try SNChannel<UInt64>.spsc(capacity: 64)
    let count = Self.total
    let producer = spawnThread(taking: channel.sender) { tx in
      for sequence in 0..<count { try! tx.send(UInt64(sequence)) }
    }
    let messages = channel.receiver.messages()
    let consumer = Task { () -> [UInt64] in
      var log: [UInt64] = []
      do { for try await value in messages { log.append(value) } } catch {
        Issue.record("iteration failed: \(error)")
      }
      return log
    }
    let log = await consumer.value
    await producer.join()
    #expect(exactlyOnceProblem(logs: [log], producers: 1, perProducer: count) == nil)
  }

  /// Tasks send; an OS thread receives with the blocking API; and an async
  /// sender shares the channel with a blocking one.
  @Test func asyncTasksToSyncThread() async throws {
    let channel = try SNChannel<UInt64>.mpsc(capacity: 64)
    let tx = channel.sender
    let each = Self.total / 2
    let log = JoinedResult<[UInt64]>([])
    let consumer = spawnThread(taking: channel.receiver) { rx in
      while let value = try? rx.receive() { log.value.append(value) }
    }
    let syncProducer = spawnThread(taking: tx.clone()) { mine in
      for sequence in 0..<each { try! mine.send(1 << 32 | UInt64(sequence)) }
    }
    let asyncProducer = Task(taking: tx.clone()) { mine in
      for sequence in 0..<each { try! await mine.send(UInt64(sequence)) }
    }
    tx.close()
    await asyncProducer.value
    await syncProducer.join()
    await consumer.join()
    #expect(exactlyOnceProblem(logs: [log.value], producers: 2, perProducer: each) == nil)
  }

  @Test func elementsLeftInADroppedChannelAreReleased() async throws {
    let tracker = LifetimeTracker()
    do {
      let channel = try SNChannel<Tracked>.spsc(capacity: 16)
      var tx = channel.sender
      for index in 0..<10 { try await tx.send(tracker.instance(index)) }
      var rx = channel.receiver
      #expect(try await rx.receive().payload == 0)
    }
    #expect(tracker.createdCount == 10)
    #expect(tracker.liveCount == 0)
  }

  @Test func closedChannelFailsAsyncSendWithTheElement() async throws {
    let tracker = LifetimeTracker()
    let channel = try SNChannel<Tracked>.mpsc(capacity: 4)
    var tx = channel.sender
    _ = consume channel.receiver
    do {
      try await tx.send(tracker.instance(7))
      Issue.record("send to a closed channel succeeded")
    } catch {
      #expect(error.reason == .closed)
      #expect(error.element.payload == 7)
    }
  }
}

/// `Task(taking:)` and `addTask(taking:)` move an endpoint into a task,
/// which drops it when its operation returns: the channel closes, so the
/// consumer's loop ends (a captured `var` would keep the channel open).
@Suite struct TaskTakingTests {
  @Test func taskDropsTheSenderWhenItsOperationReturns() async throws {
    let channel = try SNChannel<Int>.spsc(capacity: 4)
    let producer = Task(taking: channel.sender) { tx in
      for value in 0..<10 { try? await tx.send(value) }
      return 10
    }
    var received: [Int] = []
    for try await value in channel.receiver.messages() { received.append(value) }
    #expect(received == Array(0..<10))
    #expect(await producer.value == 10)
  }

  @Test func throwingTaskDropsTheReceiverWhenItThrows() async throws {
    let channel = try SNChannel<Int>.mpsc(capacity: 4)
    var tx = channel.sender
    let consumer = Task(taking: channel.receiver) { rx async throws -> Int in
      _ = try await rx.receive()
      throw SNChannelError.cancelled
    }
    try await tx.send(1)
    await #expect(throws: SNChannelError.cancelled) { try await consumer.value }
    // The task dropped the only receiver: the channel is closed for sending.
    let closed = tx.isClosed
    #expect(closed)
  }

  @Test func taskGroupChildrenOwnTheirSenders() async throws {
    let channel = try SNChannel<Int>.mpsc(capacity: 64)
    let tx = channel.sender
    var rx = channel.receiver
    await withTaskGroup(of: Void.self) { group in
      for producer in 0..<3 {
        group.addTask(taking: tx.clone()) { mine in
          for value in 0..<10 { try? await mine.send(producer * 100 + value) }
        }
      }
    }
    tx.close()
    var count = 0
    while (try? await rx.receive()) != nil { count += 1 }
    #expect(count == 30)
  }
}
