import SNAtomics
import SNChannels
import Synchronization
import Testing
import _SNTestSupport

/// `Select.receive`: first ready wins, fair under load, sync and async,
/// closed receivers drop out, cancellation takes nothing.
@Suite struct SelectTests {
  /// Both channels always have elements: over 100k rounds each gets close
  /// to half (round-robin start), so neither is starved.
  @Test func fairWhenBothAlwaysReady() throws {
    let a = try SNChannel<Int>.mpsc(capacity: 8)
    let b = try SNChannel<String>.spsc(capacity: 8)
    let txA = a.sender
    var txB = b.sender
    var rxA = a.receiver
    var rxB = b.receiver
    let rounds = 100_000
    var counts = [0, 0]
    for _ in 0..<rounds {
      while (try? txA.trySend(1)) != nil {}
      while (try? txB.trySend("b")) != nil {}
      switch try Select.receive(from: &rxA, &rxB) {
      case .first: counts[0] += 1
      case .second: counts[1] += 1
      }
    }
    #expect(counts.allSatisfy { $0 > rounds * 2 / 5 }, "shares \(counts)")
  }

  /// Three busy channels (each holds more than a third of the rounds, and a
  /// producer thread keeps adding to the first): an async select over 100k
  /// rounds gives each a fair share, the busiest one no more than the others.
  @Test func fairUnderLoadAsync() async throws {
    let a = try SNChannel<Int>.mpsc(capacity: 65536)
    let b = try SNChannel<Int>.mpmc(capacity: 65536)
    let c = try SNChannel<Int>.spsc(capacity: 65536)
    let rounds = 100_000
    let preload = 40_000
    var txC = c.sender
    for _ in 0..<preload {
      try a.sender.trySend(0)
      try b.sender.trySend(1)
      try txC.trySend(2)
    }
    let stop = StopFlag()
    let producer = spawnThread(taking: a.sender.clone()) { tx in
      while !stop.isSet { _ = try? tx.send(0, timeout: .milliseconds(1)) }
    }
    var rxA = a.receiver
    var rxB = b.receiver
    var rxC = c.receiver
    var counts = [0, 0, 0]
    for _ in 0..<rounds {
      switch try await Select.receive(from: &rxA, &rxB, &rxC) {
      case .first: counts[0] += 1
      case .second: counts[1] += 1
      case .third: counts[2] += 1
      }
    }
    stop.set()
    await producer.join()
    #expect(counts.allSatisfy { $0 > rounds / 4 && $0 < rounds * 2 / 5 }, "shares \(counts)")
  }

  /// Producers on OS threads, a sync select on this thread parks while both
  /// are empty; everything arrives exactly once and `select` throws
  /// `.closed` when both are closed and drained.
  @Test func syncSelectDeliversEverythingThenCloses() throws {
    let a = try SNChannel<UInt64>.spsc(capacity: 4)
    let b = try SNChannel<UInt64>.mpmc(capacity: 4)
    let each = 20_000
    let producerA = OSThread.spawn(taking: a.sender) { tx in
      for sequence in 0..<each {
        if sequence % 1000 == 0 { usleep(200) }  // let the selector park now and then
        try! tx.send(UInt64(sequence))
      }
    }
    let producerB = OSThread.spawn(taking: b.sender) { tx in
      for sequence in 0..<each { try! tx.send(1 << 32 | UInt64(sequence)) }
    }
    var rxA = a.receiver
    var rxB = b.receiver
    var log: [UInt64] = []
    while true {
      do {
        switch try Select.receive(from: &rxA, &rxB) {
        case .first(let value), .second(let value): log.append(value)
        }
      } catch {
        #expect(error == .closed)
        break
      }
    }
    producerA.join()
    producerB.join()
    #expect(exactlyOnceProblem(logs: [log], producers: 2, perProducer: each) == nil)
    #expect(rxA.registeredWaiters == (0, 0))
    #expect(rxB.registeredWaiters == (0, 0))
  }

  /// The same with async producers and an async select.
  @Test func asyncSelectDeliversEverythingThenCloses() async throws {
    let a = try SNChannel<UInt64>.mpsc(capacity: 4)
    let b = try SNChannel<UInt64>.spsc(capacity: 4)
    let each = AsyncStressSize.messages / 2
    let producerA = Task(taking: a.sender) { tx in
      for sequence in 0..<each { try! await tx.send(UInt64(sequence)) }
    }
    let producerB = Task(taking: b.sender) { tx in
      for sequence in 0..<each { try! await tx.send(1 << 32 | UInt64(sequence)) }
    }
    var rxA = a.receiver
    var rxB = b.receiver
    var log: [UInt64] = []
    while true {
      do throws(SNChannelError) {
        switch try await Select.receive(from: &rxA, &rxB) {
        case .first(let value), .second(let value): log.append(value)
        }
      } catch {
        #expect(error == .closed)
        break
      }
    }
    await producerA.value
    await producerB.value
    #expect(exactlyOnceProblem(logs: [log], producers: 2, perProducer: each) == nil)
  }

  /// A select waiting on two empty channels is cancelled: it throws
  /// `.cancelled`, leaves no waiter behind, and takes nothing sent later.
  @Test func cancelledAsyncSelectTakesNothing() async throws {
    let a = try SNChannel<Int>.mpmc(capacity: 4)
    let b = try SNChannel<Int>.mpmc(capacity: 4)
    let txA = a.sender
    let txB = b.sender
    let rxA = a.receiver
    let rxB = b.receiver
    let task = Task(taking: rxA.clone()) { first -> SNChannelError? in
      var second = rxB.clone()
      do throws(SNChannelError) {
        _ = try await Select.receive(from: &first, &second)
        return nil
      } catch { return error }
    }
    #expect(
      await eventually {
        txA.registeredWaiters.receivers == 1 && txB.registeredWaiters.receivers == 1
      })
    task.cancel()
    #expect(await task.value == .cancelled)
    #expect(txA.registeredWaiters == (0, 0))
    #expect(txB.registeredWaiters == (0, 0))
    try txA.trySend(1)
    #expect(try rxA.tryReceive() == 1)
  }

  /// A closed, drained receiver drops out; the other keeps delivering.
  @Test func closedReceiverDropsOut() throws {
    let a = try SNChannel<Int>.spsc(capacity: 4)
    let b = try SNChannel<Int>.spsc(capacity: 4)
    var txA = a.sender
    var txB = b.sender
    var rxA = a.receiver
    var rxB = b.receiver
    try txA.trySend(1)
    txA.close()
    try txB.trySend(2)
    try txB.trySend(3)
    var seen: [Int] = []
    for _ in 0..<3 {
      switch try Select.receive(from: &rxA, &rxB) {
      case .first(let value), .second(let value): seen.append(value)
      }
    }
    #expect(seen.sorted() == [1, 2, 3])
    txB.close()
    #expect(throws: SNChannelError.closed) { try Select.receive(from: &rxA, &rxB) }
  }
}

/// A flag one thread sets and others poll.
final class StopFlag: Sendable {
  private let flag = Atomic<Bool>(false)
  func set() { flag.store(true, ordering: .releasing) }
  var isSet: Bool { flag.load(ordering: .acquiring) }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
