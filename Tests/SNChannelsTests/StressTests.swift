import SNAtomics
import SNChannels
import Testing
import _SNTestSupport

/// Exactly-once, per-producer FIFO delivery under real concurrency. Sizes are
/// `StressSize.messages` (1M in release, 20k in debug and under TSan).
@Suite struct StressTests {
  static var total: Int { StressSize.messages }

  @Test(arguments: [1, 64, 1024])
  func spscBlocking(capacity: Int) throws {
    let channel = try SNChannel<UInt64>.spsc(capacity: capacity)
    let count = Self.total
    let producer = OSThread.spawn(taking: channel.sender) { tx in
      for sequence in 0..<count { try! tx.send(UInt64(sequence)) }
    }
    var rx = channel.receiver
    var log: [UInt64] = []
    log.reserveCapacity(count)
    while let value = try? rx.receive() { log.append(value) }
    producer.join()
    #expect(exactlyOnceProblem(logs: [log], producers: 1, perProducer: count) == nil)
  }

  @Test func spscTryAndBatch() throws {
    let channel = try SNChannel<UInt64>.spsc(capacity: 256)
    let count = Self.total
    let producer = OSThread.spawn(taking: channel.sender) { tx in
      var next = 0
      while next < count {
        if next % 3 == 0 {
          let batch = (next..<min(count, next + 37)).map(UInt64.init)
          next += try! tx.trySend(contentsOf: batch)
        } else if (try? tx.trySend(UInt64(next))) != nil {
          next += 1
        }
      }
    }
    var rx = channel.receiver
    var log: [UInt64] = []
    var buffer: [UInt64] = []
    while true {
      buffer.removeAll(keepingCapacity: true)
      guard let received = try? rx.receive(into: &buffer, maxCount: 50) else { break }
      #expect(received == buffer.count)
      log.append(contentsOf: buffer)
    }
    producer.join()
    #expect(exactlyOnceProblem(logs: [log], producers: 1, perProducer: count) == nil)
  }

  @Test(arguments: [1, 256])
  func spscInPlaceReceive(capacity: Int) throws {
    let tracker = LifetimeTracker()
    let count = Self.total
    do {
      let channel = try SNChannel<Tracked>.spsc(capacity: capacity)
      let producer = OSThread.spawn(taking: channel.sender) { tx in
        for sequence in 0..<count { try! tx.send(tracker.instance(sequence)) }
      }
      var rx = channel.receiver
      var log: [UInt64] = []
      log.reserveCapacity(count)
      var round = 0
      while true {
        round += 1
        // Every third round stops early, leaving the rest of the batch queued.
        let stopAfter = round % 3 == 0 ? 2 : Int.max
        var handed = 0
        let received: Int
        do {
          received = try rx.tryReceive(maxCount: 50) { value in
            log.append(UInt64(value.payload))
            handed += 1
            return handed < stopAfter
          }
        } catch {
          break
        }
        #expect(received == handed)
        if received == 0 { Backoff.pause() }
      }
      producer.join()
      #expect(exactlyOnceProblem(logs: [log], producers: 1, perProducer: count) == nil)
    }
    #expect(tracker.createdCount == count)
    #expect(tracker.liveCount == 0)
  }

  @Test(arguments: [2, 1024])
  func mpscFourProducers(capacity: Int) throws {
    let channel = try SNChannel<UInt64>.mpsc(capacity: capacity)
    let tx = channel.sender
    var rx = channel.receiver
    let producers = 4
    let each = Self.total / producers
    var threads: [OSThread] = []
    for producer in 0..<producers {
      threads.append(
        OSThread.spawn(taking: tx.clone()) { mine in
          for sequence in 0..<each {
            let message = UInt64(producer) << 32 | UInt64(sequence)
            if sequence % 2 == 0 {
              try! mine.send(message)
            } else {
              try! mine.send(contentsOf: CollectionOfOne(message))
            }
          }
        })
    }
    tx.close()
    var log: [UInt64] = []
    log.reserveCapacity(each * producers)
    var buffer: [UInt64] = []
    while true {
      buffer.removeAll(keepingCapacity: true)
      guard (try? rx.receive(into: &buffer, maxCount: 16)) != nil else { break }
      log.append(contentsOf: buffer)
    }
    for thread in threads { thread.join() }
    #expect(exactlyOnceProblem(logs: [log], producers: producers, perProducer: each) == nil)
  }

  @Test(arguments: [2, 1024])
  func mpmcFourByFour(capacity: Int) throws {
    let channel = try SNChannel<UInt64>.mpmc(capacity: capacity)
    let tx = channel.sender
    let rx = channel.receiver
    let producers = 4
    let consumers = 4
    let each = Self.total / producers
    var threads: [OSThread] = []
    let logs = (0..<consumers).map { _ in JoinedResult<[UInt64]>([]) }
    for consumer in 0..<consumers {
      let result = logs[consumer]
      threads.append(
        OSThread.spawn(taking: rx.clone()) { mine in
          var buffer: [UInt64] = []
          while true {
            if consumer % 2 == 0 {
              guard let value = try? mine.receive() else { break }
              result.value.append(value)
            } else {
              buffer.removeAll(keepingCapacity: true)
              guard (try? mine.receive(into: &buffer, maxCount: 8)) != nil else { break }
              result.value.append(contentsOf: buffer)
            }
          }
        })
    }
    for producer in 0..<producers {
      threads.append(
        OSThread.spawn(taking: tx.clone()) { mine in
          for sequence in 0..<each {
            try! mine.send(UInt64(producer) << 32 | UInt64(sequence))
          }
        })
    }
    tx.close()
    _ = consume rx
    for thread in threads { thread.join() }
    #expect(
      exactlyOnceProblem(logs: logs.map(\.value), producers: producers, perProducer: each) == nil)
  }

  @Test func classReferencesAreReleasedExactlyOnce() throws {
    let tracker = LifetimeTracker()
    do {
      let channel = try SNChannel<Tracked>.mpmc(capacity: 64)
      let tx = channel.sender
      let count = Self.total / 10
      let consumer = OSThread.spawn(taking: channel.receiver) { rx in
        var sum = 0
        while let value = try? rx.receive() { sum &+= value.payload }
        precondition(sum == count * (count - 1) / 2, "payload sum \(sum)")
      }
      for index in 0..<count { try tx.send(tracker.instance(index)) }
      tx.close()
      consumer.join()
    }
    #expect(tracker.createdCount == Self.total / 10)
    #expect(tracker.liveCount == 0)
  }
}
