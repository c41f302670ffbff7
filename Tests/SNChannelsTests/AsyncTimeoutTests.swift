import SNAtomics
import SNChannels
import Synchronization
import Testing
import _SNTestSupport

/// Async timeouts and deadlines: an expired wait deregisters its waiter, a
/// timed-out send hands its element back, a timed-out receive takes nothing,
/// and timeouts racing with sends lose nothing and duplicate nothing.
@Suite struct AsyncTimeoutTests {
  enum Kind: String, CaseIterable, Sendable { case spsc, mpsc, mpmc }

  /// A timed receive on an empty channel fails with `.timedOut` after the
  /// timeout, leaves no waiter, and an element sent later is still there.
  @Test(arguments: Kind.allCases)
  func receiveTimesOut(kind: Kind) async throws {
    let timeout = Duration.milliseconds(20)
    switch kind {
    case .spsc:
      let channel = try SNChannel<Int>.spsc(capacity: 4)
      var tx = channel.sender
      var rx = channel.receiver
      let start = MonotonicClock.nanoseconds
      await #expect(throws: SNChannelError.timedOut) { try await rx.receive(timeout: timeout) }
      #expect(MonotonicClock.nanoseconds - start >= 20_000_000)
      #expect(tx.registeredWaiters == (0, 0))
      try tx.trySend(5)
      #expect(try await rx.receive(timeout: timeout) == 5)
    case .mpsc:
      let channel = try SNChannel<Int>.mpsc(capacity: 4)
      let tx = channel.sender
      var rx = channel.receiver
      let start = MonotonicClock.nanoseconds
      await #expect(throws: SNChannelError.timedOut) { try await rx.receive(timeout: timeout) }
      #expect(MonotonicClock.nanoseconds - start >= 20_000_000)
      #expect(tx.registeredWaiters == (0, 0))
      try tx.trySend(5)
      #expect(try await rx.receive(timeout: timeout) == 5)
    case .mpmc:
      let channel = try SNChannel<Int>.mpmc(capacity: 4)
      let tx = channel.sender
      var rx = channel.receiver
      let start = MonotonicClock.nanoseconds
      await #expect(throws: SNChannelError.timedOut) { try await rx.receive(timeout: timeout) }
      #expect(MonotonicClock.nanoseconds - start >= 20_000_000)
      #expect(tx.registeredWaiters == (0, 0))
      try tx.trySend(5)
      #expect(try await rx.receive(timeout: timeout) == 5)
    }
  }

  /// A timed send on a full channel fails with `.timedOut`, hands its
  /// element back, counts a timed-out send, leaves the queue untouched and
  /// no waiter registered.
  @Test(arguments: Kind.allCases)
  func sendTimesOutWithItsElement(kind: Kind) async throws {
    let tracker = LifetimeTracker()
    let timeout = Duration.milliseconds(20)
    switch kind {
    case .spsc:
      let channel = try SNChannel<Tracked>.spsc(capacity: 1)
      var tx = channel.sender
      var rx = channel.receiver
      try tx.trySend(tracker.instance(0))
      do {
        try await tx.send(tracker.instance(9), timeout: timeout)
        Issue.record("send into a full channel succeeded")
      } catch {
        #expect(error.reason == .timedOut)
        #expect(error.element.payload == 9)
      }
      #expect(tx.stats.sendErrors.timedOut == 1)
      #expect(tx.registeredWaiters == (0, 0))
      #expect(try rx.tryReceive()?.payload == 0)
      #expect(try rx.tryReceive() == nil)
    case .mpsc, .mpmc:
      try await Self.multiSendTimesOut(mpmc: kind == .mpmc, tracker: tracker, timeout: timeout)
    }
    #expect(tracker.liveCount == 0)
  }

  static func multiSendTimesOut(
    mpmc: Bool, tracker: LifetimeTracker, timeout: Duration
  ) async throws {
    var tx: MultiSender<Tracked>
    let receiveOne: () throws(SNChannelError) -> Tracked?
    if mpmc {
      let channel = try SNChannel<Tracked>.mpmc(capacity: 1)
      tx = channel.sender
      let box = MPMCBox(channel.receiver)
      receiveOne = { () throws(SNChannelError) in try box.receiver.tryReceive() }
    } else {
      let channel = try SNChannel<Tracked>.mpsc(capacity: 1)
      tx = channel.sender
      let box = ReceiverBox(channel.receiver)
      receiveOne = { () throws(SNChannelError) in try box.tryReceive() }
    }
    // Multi-producer rings hold at least two slots: fill whatever they hold.
    let capacity = tx.stats.capacity
    for index in 0..<capacity { try tx.trySend(tracker.instance(index)) }
    do {
      try await tx.send(tracker.instance(9), deadline: .now + timeout)
      Issue.record("send into a full channel succeeded")
    } catch {
      #expect(error.reason == .timedOut)
      #expect(error.element.payload == 9)
    }
    #expect(tx.stats.sendErrors.timedOut == 1)
    #expect(tx.registeredWaiters == (0, 0))
    for index in 0..<capacity { #expect(try receiveOne()?.payload == index) }
    #expect(try receiveOne() == nil)
  }

  /// A deadline already past fails at once (after the short spin) with the
  /// element back, and takes nothing on the receive side.
  @Test func pastDeadlineFailsAtOnce() async throws {
    let channel = try SNChannel<Int>.mpmc(capacity: 1)
    var tx = channel.sender
    var rx = channel.receiver
    let past = ContinuousClock.now
    await #expect(throws: SNChannelError.timedOut) { try await rx.receive(deadline: past) }
    let capacity = tx.stats.capacity
    for value in 0..<capacity { try tx.trySend(value) }
    do {
      try await tx.send(-1, deadline: past)
      Issue.record("send into a full channel succeeded")
    } catch {
      #expect(error.reason == .timedOut)
      #expect(error.element == -1)
    }
    for value in 0..<capacity { #expect(try rx.tryReceive() == value) }
    #expect(tx.registeredWaiters == (0, 0))
  }

  /// An element that arrives before the deadline is received; a send that
  /// finds room before the deadline goes in.
  @Test func succeedsBeforeTheDeadline() async throws {
    let channel = try SNChannel<Int>.spsc(capacity: 1)
    let relay = try SNChannel<Int>.mpsc(capacity: 1)
    let waiter = Task(taking: channel.receiver) { rx -> Int? in
      try? await rx.receive(timeout: .seconds(30))
    }
    var tx = channel.sender
    #expect(await eventually { tx.registeredWaiters.receivers == 1 })
    try tx.trySend(7)
    #expect(await waiter.value == 7)

    let rtx = relay.sender
    let capacity = rtx.stats.capacity
    for value in 0..<capacity { try rtx.trySend(value) }
    let sender = Task(taking: rtx.clone()) { mine -> SNChannelError? in
      do throws(SendError<Int>) {
        try await mine.send(-2, timeout: .seconds(30))
        return nil
      } catch { return error.reason }
    }
    #expect(await eventually { rtx.registeredWaiters.senders == 1 })
    var rrx = relay.receiver
    #expect(try rrx.tryReceive() == 0)
    #expect(await sender.value == nil)
    for value in 1..<capacity { #expect(try rrx.tryReceive() == value) }
    #expect(try rrx.tryReceive() == -2)
  }

  /// Cancelling a timed wait ends it with `.cancelled`, not `.timedOut`.
  @Test func cancellationBeatsTheTimeout() async throws {
    let channel = try SNChannel<Int>.mpsc(capacity: 1)
    let tx = channel.sender
    let task = Task(taking: channel.receiver) { rx -> SNChannelError? in
      do throws(SNChannelError) {
        _ = try await rx.receive(timeout: .seconds(30))
        return nil
      } catch { return error }
    }
    #expect(await eventually { tx.registeredWaiters.receivers == 1 })
    task.cancel()
    #expect(await task.value == .cancelled)
    #expect(tx.registeredWaiters == (0, 0))
  }

  /// Short timeouts racing with a producer: every element is received exactly
  /// once (a receive that times out took nothing), and no waiter is left.
  @Test(arguments: Kind.allCases)
  func timeoutsRacingWithSendsLoseNothing(kind: Kind) async throws {
    let count = AsyncStressSize.underThreadSanitizer ? 2_000 : 20_000
    let timeout = Duration.microseconds(50)
    switch kind {
    case .spsc:
      let channel = try SNChannel<UInt64>.spsc(capacity: 2)
      let timedOut = Counter()
      let producer = spawnThread(taking: channel.sender) { tx in
        for value in 0..<count {
          if value % 64 == 0 { sleepThread(microseconds: 100) }
          // The pauses above open timeout windows only if the receiver is
          // quick enough to wait in them (under ThreadSanitizer on a busy
          // host it was not, and no receive timed out). Halfway, hold the
          // next element back until one has.
          if value == count / 2 { eventuallyOnThread { timedOut.value > 0 } }
          try! tx.send(UInt64(value))
        }
      }
      var rx = channel.receiver
      var log: [UInt64] = []
      var timeouts = 0
      while true {
        do throws(SNChannelError) { log.append(try await rx.receive(timeout: timeout)) } catch {
          if error == .closed { break }
          #expect(error == .timedOut)
          timeouts += 1
          timedOut.add()
        }
      }
      await producer.join()
      #expect(exactlyOnceProblem(logs: [log], producers: 1, perProducer: count) == nil)
      #expect(timeouts > 0)
    case .mpsc:
      let channel = try SNChannel<UInt64>.mpsc(capacity: 2)
      let producer = Self.timedProducer(channel.sender, count: count)
      var rx = channel.receiver
      var log: [UInt64] = []
      while true {
        do throws(SNChannelError) { log.append(try await rx.receive(timeout: timeout)) } catch {
          if error == .closed { break }
          #expect(error == .timedOut)
        }
      }
      await producer.join()
      #expect(exactlyOnceProblem(logs: [log], producers: 1, perProducer: count) == nil)
    case .mpmc:
      let channel = try SNChannel<UInt64>.mpmc(capacity: 2)
      let producer = Self.timedProducer(channel.sender, count: count)
      var rx = channel.receiver
      var log: [UInt64] = []
      while true {
        do throws(SNChannelError) { log.append(try await rx.receive(timeout: timeout)) } catch {
          if error == .closed { break }
          #expect(error == .timedOut)
        }
      }
      await producer.join()
      #expect(exactlyOnceProblem(logs: [log], producers: 1, perProducer: count) == nil)
    }
  }

  /// A thread sending `0..<count` with short blocking timeouts (a timed-out
  /// send got its element back: it sends it again), pausing now and then.
  static func timedProducer(_ tx: consuming MultiSender<UInt64>, count: Int) -> AsyncJoinable {
    spawnThread(taking: tx) { tx in
      for value in 0..<count {
        if value % 64 == 0 { sleepThread(microseconds: 100) }
        var pending = UInt64(value)
        while true {
          do throws(SendError<UInt64>) {
            try tx.send(pending, timeout: .microseconds(50))
            break
          } catch { pending = error.element }
        }
      }
    }
  }

  /// Async timed sends racing with a slow consumer: each element goes in
  /// exactly once (a timed-out send got it back and retried).
  @Test func timedAsyncSendsRetryExactlyOnce() async throws {
    let count = AsyncStressSize.underThreadSanitizer ? 2_000 : 20_000
    let channel = try SNChannel<UInt64>.mpsc(capacity: 2)
    let log = JoinedResult<[UInt64]>([])
    let timedOut = Counter()
    let consumer = spawnThread(taking: channel.receiver) { rx in
      var received = 0
      while let value = try? rx.receive() {
        log.value.append(value)
        received += 1
        if received % 64 == 0 { sleepThread(microseconds: 100) }
        // As in `timeoutsRacingWithSendsLoseNothing`: halfway, take
        // nothing more until a send has timed out.
        if received == count / 2 { eventuallyOnThread { timedOut.value > 0 } }
      }
    }
    var tx = channel.sender
    var timeouts = 0
    for value in 0..<UInt64(count) {
      var pending = value
      while true {
        do throws(SendError<UInt64>) {
          try await tx.send(pending, timeout: .microseconds(30))
          break
        } catch {
          #expect(error.reason == .timedOut)
          pending = error.element
          timeouts += 1
          timedOut.add()
        }
      }
    }
    #expect(tx.registeredWaiters == (0, 0))
    tx.close()
    await consumer.join()
    #expect(exactlyOnceProblem(logs: [log.value], producers: 1, perProducer: count) == nil)
    #expect(timeouts > 0)
  }
}
