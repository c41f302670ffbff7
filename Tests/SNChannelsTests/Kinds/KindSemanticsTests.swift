import SNAtomics
import SNChannels
import Synchronization
import Testing
import _SNTestSupport

/// A box that moves a noncopyable value across a thread or task boundary
/// and lets the receiving side consume it.
final class MoveBox<Value: ~Copyable>: @unchecked Sendable {
  var value: Value?
  init(_ value: consuming Value) { self.value = consume value }
  func take() -> Value { value.take()! }
}

@Suite struct OneshotSemanticsTests {
  @Test func sendThenReceive() throws {
    let channel = SNChannel<Int>.oneshot()
    var rx = channel.receiver
    #expect(try rx.tryReceive() == nil)
    let readyBefore = rx.isReady
    #expect(!readyBefore)
    try channel.sender.send(7)
    let readyAfter = rx.isReady
    #expect(readyAfter)
    #expect(try rx.tryReceive() == 7)
    #expect(throws: SNChannelError.closed) { try rx.tryReceive() }
  }

  @Test func droppedSenderCloses() {
    var rx: OneshotReceiver<Int>
    do {
      let channel = SNChannel<Int>.oneshot()
      rx = channel.receiver
    }
    #expect(throws: SNChannelError.closed) { try rx.receive() }
  }

  @Test func droppedReceiverHandsValueBack() {
    let tracker = LifetimeTracker()
    let sender: OneshotSender<Tracked>
    do {
      let channel = SNChannel<Tracked>.oneshot()
      sender = channel.sender
    }
    let closed = sender.isClosed
    #expect(closed)
    do {
      try sender.send(tracker.instance(5))
      Issue.record("send to a dropped receiver succeeded")
    } catch {
      #expect(error.reason == .closed)
      #expect(error.element.payload == 5)
    }
    #expect(tracker.liveCount == 0)
  }

  @Test func unreceivedValueIsFreed() throws {
    let tracker = LifetimeTracker()
    do {
      let channel = SNChannel<Tracked>.oneshot()
      let rx = channel.receiver
      try channel.sender.send(tracker.instance(1))
      _ = rx
    }
    #expect(tracker.createdCount == 1)
    #expect(tracker.liveCount == 0)
  }

  @Test func timeoutKeepsReceiverUsable() throws {
    let channel = SNChannel<Int>.oneshot()
    var rx = channel.receiver
    #expect(throws: SNChannelError.timedOut) { try rx.receive(timeout: .milliseconds(5)) }
    let box = MoveBox(channel.sender)
    let thread = OSThread.spawn { try? box.take().send(3) }
    #expect(try rx.receive(timeout: .seconds(10)) == 3)
    thread.join()
  }

  @Test func asyncReceive() async throws {
    let channel = SNChannel<Int>.oneshot()
    var rx = channel.receiver
    let box = MoveBox(channel.sender)
    let task = Task {
      try? await Task.sleep(for: .milliseconds(2))
      try? box.take().send(11)
    }
    #expect(try await rx.receive() == 11)
    await task.value
  }

  @Test func asyncTimeoutAndCancel() async throws {
    let channel = SNChannel<Int>.oneshot()
    var rx = channel.receiver
    await #expect(throws: SNChannelError.timedOut) {
      try await rx.receive(timeout: .milliseconds(5))
    }
    let waiting = Task { () -> SNChannelError? in
      var local = SNChannel<Int>.oneshot()
      let keep = local.sender
      do {
        _ = try await local.receiver.receive()
        return nil
      } catch {
        _ = keep
        return error as? SNChannelError
      }
    }
    try await Task.sleep(for: .milliseconds(5))
    waiting.cancel()
    #expect(await waiting.value == .cancelled)
    try channel.sender.send(1)
    #expect(try await rx.receive() == 1)
  }
}

@Suite struct RendezvousSemanticsTests {
  @Test func trySendNeedsAWaitingReceiver() throws {
    let channel = SNChannel<Int>.rendezvous()
    do {
      try channel.sender.trySend(1)
      Issue.record("trySend without a receiver succeeded")
    } catch {
      #expect(error.reason == .full)
      #expect(error.element == 1)
    }
    #expect(try channel.receiver.tryReceive() == nil)
    let receiver = channel.receiver.clone()
    let result = JoinedResult<Int?>(nil)
    let thread = OSThread.spawn(taking: receiver) { rx in result.value = try? rx.receive() }
    var sent = false
    while !sent {
      do {
        try channel.sender.trySend(9)
        sent = true
      } catch {
        #expect(error.reason == .full)
        Backoff.yieldCore()
      }
    }
    thread.join()
    #expect(result.value == 9)
  }

  /// A value handed to a waiting receiver is never lost when that
  /// receiver's deadline passes at the same moment: the receive returns it.
  @Test func handOffRacingATimeoutIsReceived() throws {
    let channel = SNChannel<Int>.rendezvous()
    for round in 0..<200 {
      let got = JoinedResult<Int?>(nil)
      let thread = OSThread.spawn(taking: channel.receiver.clone()) { rx in
        got.value = try? rx.receive(timeout: .microseconds(50))
      }
      var handed = false
      let deadline = MonotonicClock.nanoseconds + 2_000_000
      while !handed, MonotonicClock.nanoseconds < deadline {
        do {
          try channel.sender.trySend(round)
          handed = true
        } catch {
          Backoff.pause()
        }
      }
      thread.join()
      if handed { #expect(got.value == round) } else { #expect(got.value == nil) }
    }
    #expect(try channel.receiver.tryReceive() == nil)
  }

  @Test func sendReturnsOnlyOnceTaken() throws {
    let channel = SNChannel<Int>.rendezvous()
    let taken = Flag()
    let got = JoinedResult<Int?>(nil)
    let receiver = channel.receiver.clone()
    let thread = OSThread.spawn(taking: receiver) { rx in
      Thread_sleepMillis(20)
      taken.set()
      got.value = try? rx.receive()
    }
    try channel.sender.send(4)
    let wasTaken = taken.isSet
    #expect(wasTaken)
    thread.join()
    #expect(got.value == 4)
    let stats = channel.sender.stats
    #expect(stats.sent == 1)
  }

  @Test func timeoutHandsTheValueBack() {
    let tracker = LifetimeTracker()
    do {
      let channel = SNChannel<Tracked>.rendezvous()
      do {
        try channel.sender.send(tracker.instance(3), timeout: .milliseconds(5))
        Issue.record("send without a receiver succeeded")
      } catch {
        #expect(error.reason == .timedOut)
        #expect(error.element.payload == 3)
      }
      #expect(throws: SNChannelError.timedOut) {
        try channel.receiver.receive(timeout: .milliseconds(5))
      }
      let stats = channel.sender.stats
      #expect(stats.sendErrors.timedOut == 1)
    }
    #expect(tracker.liveCount == 0)
  }

  @Test func closeBothWays() {
    let sender = { () -> RendezvousSender<Int> in
      let channel = SNChannel<Int>.rendezvous()
      return channel.sender
    }()
    #expect(throws: SendError<Int>.self) { try sender.send(1) }
    let receiver = { () -> RendezvousReceiver<Int> in
      let channel = SNChannel<Int>.rendezvous()
      return channel.receiver
    }()
    #expect(throws: SNChannelError.closed) { try receiver.receive() }
  }

  @Test func asyncHandOff() async throws {
    let consumer: Task<Int, Never>
    do {
      let channel = SNChannel<Int>.rendezvous()
      consumer = Task(taking: channel.receiver.clone()) { rx in
        var sum = 0
        while let value = try? await rx.receive() { sum += value }
        return sum
      }
      for value in 1...100 { try await channel.sender.send(value) }
    }  // the sender goes here: the consumer's receive throws `.closed`
    #expect(await consumer.value == 5050)
  }
}

@Suite struct BroadcastSemanticsTests {
  @Test func everyReceiverSeesEveryMessage() throws {
    let channel = try SNChannel<Int>.broadcast(capacity: 8)
    var first = channel.receiver
    var second = channel.sender.subscribe()
    for value in 0..<5 { try channel.sender.send(value) }
    for value in 0..<5 {
      #expect(try first.tryReceive() == value)
      #expect(try second.tryReceive() == value)
    }
    #expect(try first.tryReceive() == nil)
    var late = first.subscribe()
    #expect(try late.tryReceive() == nil)
    try channel.sender.send(5)
    #expect(try late.tryReceive() == 5)
  }

  @Test func laggingReceiverIsToldAndContinues() throws {
    let channel = try SNChannel<Int>.broadcast(capacity: 4)
    var rx = channel.receiver
    for value in 0..<10 { try channel.sender.send(value) }
    do {
      _ = try rx.tryReceive()
      Issue.record("a lapped receiver read without a lag")
    } catch {
      #expect(error == .lagged)
      #expect(error.missed == 6)
    }
    let missed = rx.missed
    #expect(missed == 6)
    for value in 6..<10 { #expect(try rx.tryReceive() == value) }
    #expect(try rx.tryReceive() == nil)
    let stats = channel.sender.stats
    #expect(stats.missed == 6)
  }

  @Test func closedAfterDrain() throws {
    var rx: BroadcastReceiver<Int>
    do {
      let channel = try SNChannel<Int>.broadcast(capacity: 4)
      rx = channel.receiver
      try channel.sender.send(1)
    }
    #expect(try rx.receive() == 1)
    #expect(throws: BroadcastError.closed) { try rx.receive() }
  }

  @Test func sendWithoutReceiversHandsBack() throws {
    let sender = try { () throws -> BroadcastSender<Int> in
      let channel = try SNChannel<Int>.broadcast(capacity: 4)
      return channel.sender
    }()
    #expect(throws: SendError<Int>.self) { try sender.send(1) }
    let stats = sender.stats
    #expect(stats.closedSends == 1)
    #expect(throws: SNChannelError.invalidCapacity) {
      _ = try SNChannel<Int>.broadcast(capacity: 0)
    }
  }

  @Test func timeoutsBlockingAndAsync() async throws {
    let channel = try SNChannel<Int>.broadcast(capacity: 4)
    var rx = channel.receiver
    #expect(throws: BroadcastError.timedOut) { try rx.receive(timeout: .milliseconds(5)) }
    await #expect(throws: BroadcastError.timedOut) {
      try await rx.receive(timeout: .milliseconds(5))
    }
    try channel.sender.send(2)
    #expect(try await rx.receive() == 2)
  }
}

@Suite struct WatchSemanticsTests {
  @Test func newestValueAndVersion() throws {
    let channel = SNChannel<String>.watch(initial: "a")
    var rx = channel.receiver
    let changedBefore = rx.hasChanged
    #expect(!changedBefore)
    #expect(try rx.tryReceiveChange() == nil)
    let current = rx.current
    #expect(current == "a")
    try channel.sender.send("b")
    channel.sender.replace("c")
    let changedAfter = rx.hasChanged
    #expect(changedAfter)
    #expect(try rx.receiveChange() == "c")
    let seen = rx.seenVersion
    #expect(seen == 2)
    #expect(try rx.tryReceiveChange() == nil)
    let stats = channel.sender.stats
    #expect(stats.version == 2)
  }

  @Test func closedWhenSendersGoneAndSeen() throws {
    var rx: WatchReceiver<Int>
    do {
      let channel = SNChannel<Int>.watch(initial: 0)
      rx = channel.receiver
      try channel.sender.send(1)
    }
    let closed = rx.isClosed
    #expect(closed)
    #expect(try rx.receiveChange() == 1)
    #expect(throws: SNChannelError.closed) { try rx.receiveChange() }
  }

  @Test func sendWithoutReceiversHandsBackReplaceKeeps() {
    let sender = { () -> WatchSender<Int> in
      let channel = SNChannel<Int>.watch(initial: 0)
      return channel.sender
    }()
    #expect(throws: SendError<Int>.self) { try sender.send(1) }
    let current = sender.current
    #expect(current == 0)
    #expect(sender.replace(2) == 0)
    var late = sender.subscribe()
    #expect(late.receiveLatest() == 2)
  }

  @Test func waitsForChange() async throws {
    let channel = SNChannel<Int>.watch(initial: 0)
    var rx = channel.receiver
    #expect(throws: SNChannelError.timedOut) { try rx.receiveChange(timeout: .milliseconds(5)) }
    await #expect(throws: SNChannelError.timedOut) {
      try await rx.receiveChange(timeout: .milliseconds(5))
    }
    let box = MoveBox(channel.sender)
    let thread = OSThread.spawn {
      let sender = box.take()
      Thread_sleepMillis(5)
      sender.replace(9)
    }
    #expect(try await rx.receiveChange() == 9)
    thread.join()
  }
}

/// Sleeps the calling thread (tests only).
func Thread_sleepMillis(_ milliseconds: Int) {
  let deadline = MonotonicClock.nanoseconds + UInt64(milliseconds) * 1_000_000
  while MonotonicClock.nanoseconds < deadline { Backoff.yieldCore() }
}

/// A flag one thread sets and another reads (tests only).
final class Flag: Sendable {
  private let word = Atomic<Bool>(false)
  func set() { word.store(true, ordering: .sequentiallyConsistent) }
  var isSet: Bool { word.load(ordering: .sequentiallyConsistent) }
}
