import SNAtomics
import SNChannels
import Synchronization
import Testing

/// The arms of `Select` beyond "wait for two or three receivers": the
/// timeout arm, the default (non-blocking) arm and the send arm, blocking
/// and async, including the hand-back of a value that was not sent.
@Suite struct SelectArmTests {
  // MARK: Timeout arm

  @Test func timeoutArmThrowsTimedOutAndTakesNothing() throws {
    let a = try SNChannel<Int>.spsc(capacity: 4)
    let b = try SNChannel<Int>.mpsc(capacity: 4)
    var rxA = a.receiver
    var rxB = b.receiver
    #expect(throws: SNChannelError.timedOut) {
      try Select.receive(from: &rxA, &rxB, timeout: .milliseconds(5))
    }
    try b.sender.trySend(7)
    guard case .second(let value) = try Select.receive(from: &rxA, &rxB, timeout: .seconds(30))
    else {
      Issue.record("expected the second arm")
      return
    }
    #expect(value == 7)
    #expect(rxA.stats.received == 0)
  }

  @Test func timeoutArmWithThreeArmsWakesOnALateElement() throws {
    let a = try SNChannel<Int>.mpmc(capacity: 4)
    let b = try SNChannel<Int>.mpsc(capacity: 4)
    let c = try SNChannel<Int>.spsc(capacity: 4)
    var rxA = a.receiver
    var rxB = b.receiver
    var rxC = c.receiver
    #expect(throws: SNChannelError.timedOut) {
      try Select.receive(from: &rxA, &rxB, &rxC, timeout: .milliseconds(2))
    }
    let late = OSThread.spawn(taking: c.sender) { tx in
      sleepThread(microseconds: 2000)
      try! tx.send(3)
    }
    let got = try Select.receive(from: &rxA, &rxB, &rxC, timeout: .seconds(30))
    late.join()
    guard case .third(3) = got else {
      Issue.record("expected .third(3), got \(got)")
      return
    }
  }

  @Test func asyncTimeoutArm() async throws {
    let a = try SNChannel<Int>.mpmc(capacity: 4)
    let b = try SNChannel<String>.spsc(capacity: 4)
    var rxA = a.receiver
    var rxB = b.receiver
    await #expect(throws: SNChannelError.timedOut) {
      try await Select.receive(from: &rxA, &rxB, timeout: .milliseconds(5))
    }
    try a.sender.trySend(1)
    guard case .first(1) = try await Select.receive(from: &rxA, &rxB, timeout: .seconds(30)) else {
      Issue.record("expected .first(1)")
      return
    }
    let c = try SNChannel<Int>.mpsc(capacity: 4)
    var rxC = c.receiver
    await #expect(throws: SNChannelError.timedOut) {
      try await Select.receive(from: &rxA, &rxB, &rxC, timeout: .milliseconds(5))
    }
  }

  // MARK: Default arm

  @Test func defaultArmReturnsNilWhenNothingIsReady() throws {
    let a = try SNChannel<Int>.spsc(capacity: 4)
    let b = try SNChannel<Int>.mpmc(capacity: 4)
    var txA = a.sender
    var rxA = a.receiver
    var rxB = b.receiver
    #expect(try Select.tryReceive(from: &rxA, &rxB) == nil)
    try txA.trySend(5)
    guard case .first(5)? = try Select.tryReceive(from: &rxA, &rxB) else {
      Issue.record("expected .first(5)")
      return
    }
    #expect(try Select.tryReceive(from: &rxA, &rxB) == nil)
    let c = try SNChannel<Int>.mpsc(capacity: 4)
    var rxC = c.receiver
    try c.sender.trySend(9)
    guard case .third(9)? = try Select.tryReceive(from: &rxA, &rxB, &rxC) else {
      Issue.record("expected .third(9)")
      return
    }
    txA.close()
    b.sender.close()
    c.sender.close()
    #expect(throws: SNChannelError.closed) { try rxA.tryReceive() }
    #expect(throws: SNChannelError.closed) { try rxB.tryReceive() }
    #expect(throws: SNChannelError.closed) { try Select.tryReceive(from: &rxA, &rxB) }
    #expect(throws: SNChannelError.closed) { try Select.tryReceive(from: &rxA, &rxB, &rxC) }
  }

  // MARK: Send arm

  @Test func sendArmSendsWhenThereIsRoom() throws {
    let out = try SNChannel<Int>.spsc(capacity: 2)
    let input = try SNChannel<String>.mpsc(capacity: 2)
    var tx = out.sender
    var outRx = out.receiver
    var rx = input.receiver
    guard case .sent = try Select.send(41, to: &tx, orReceiveFrom: &rx) else {
      Issue.record("expected .sent")
      return
    }
    #expect(try outRx.tryReceive() == 41)
  }

  /// The send arm loses (its channel is full): the value comes back with the
  /// received element and was not sent.
  @Test func losingSendArmHandsItsValueBack() throws {
    let out = try SNChannel<Int>.spsc(capacity: 1)
    let input = try SNChannel<String>.mpsc(capacity: 2)
    var tx = out.sender
    var outRx = out.receiver
    var rx = input.receiver
    try tx.trySend(1)
    try input.sender.trySend("in")
    guard case .received("in", let unsent) = try Select.send(2, to: &tx, orReceiveFrom: &rx)
    else {
      Issue.record("expected the receive arm")
      return
    }
    #expect(unsent == 2)
    #expect(try outRx.tryReceive() == 1)
    #expect(try outRx.tryReceive() == nil)
    #expect(tx.stats.sendErrors.full == 0, "a select's wait is no failed send")
  }

  @Test func sendArmTimeoutHandsTheValueBack() throws {
    let out = try SNChannel<Int>.mpmc(capacity: 2)
    let input = try SNChannel<Int>.spsc(capacity: 2)
    var tx = out.sender
    var rx = input.receiver
    try tx.trySend(0)
    try tx.trySend(0)
    do {
      _ = try Select.send(99, to: &tx, orReceiveFrom: &rx, timeout: .milliseconds(5))
      Issue.record("expected a timeout")
    } catch {
      #expect(error.reason == .timedOut)
      #expect(error.element == 99)
    }
    #expect(tx.stats.sent == 2)
  }

  @Test func defaultSendArmThrowsFullWithTheValue() throws {
    let out = try SNChannel<Int>.mpsc(capacity: 2)
    let input = try SNChannel<Int>.mpmc(capacity: 2)
    var tx = out.sender
    var rx = input.receiver
    try tx.trySend(0)
    try tx.trySend(0)
    do {
      _ = try Select.trySend(5, to: &tx, orReceiveFrom: &rx)
      Issue.record("expected .full")
    } catch {
      #expect(error.reason == .full)
      #expect(error.element == 5)
    }
    try input.sender.trySend(8)
    guard case .received(8, unsent: 5) = try Select.trySend(5, to: &tx, orReceiveFrom: &rx) else {
      Issue.record("expected the receive arm")
      return
    }
  }

  @Test func sendArmWithBothArmsClosedThrowsClosedWithTheValue() throws {
    let out = try SNChannel<Int>.mpsc(capacity: 2)
    let input = try SNChannel<Int>.spsc(capacity: 2)
    var tx = out.sender
    var rx = input.receiver
    do {
      var outRx = out.receiver
      outRx.close()
    }
    input.sender.close()
    do {
      _ = try Select.send(3, to: &tx, orReceiveFrom: &rx)
      Issue.record("expected .closed")
    } catch {
      #expect(error.reason == .closed)
      #expect(error.element == 3)
    }
  }

  /// A blocked send arm wins once another thread makes room.
  @Test func blockedSendArmWinsWhenRoomAppears() throws {
    let out = try SNChannel<Int>.spsc(capacity: 1)
    let input = try SNChannel<Int>.mpsc(capacity: 2)
    var tx = out.sender
    var rx = input.receiver
    try tx.trySend(1)
    let drainer = OSThread.spawn(taking: out.receiver) { outRx in
      sleepThread(microseconds: 2000)
      #expect(try! outRx.receive() == 1)
      #expect(try! outRx.receive() == 2)
    }
    guard case .sent = try Select.send(2, to: &tx, orReceiveFrom: &rx, timeout: .seconds(30)) else {
      Issue.record("expected .sent")
      return
    }
    drainer.join()
  }

  /// A blocked send arm also loses to a late receive, and hands back.
  @Test func blockedSendArmLosesToALateElement() throws {
    let out = try SNChannel<Int>.spsc(capacity: 1)
    let input = try SNChannel<Int>.mpmc(capacity: 2)
    var tx = out.sender
    var rx = input.receiver
    try tx.trySend(1)
    let feeder = OSThread.spawn(taking: input.sender.clone()) { inTx in
      sleepThread(microseconds: 2000)
      try! inTx.send(10)
    }
    let outcome = try Select.send(2, to: &tx, orReceiveFrom: &rx)
    feeder.join()
    guard case .received(10, unsent: 2) = outcome else {
      Issue.record("expected .received(10, unsent: 2), got \(outcome)")
      return
    }
    #expect(tx.stats.sent == 1)
  }

  @Test func asyncSendArm() async throws {
    let out = try SNChannel<Int>.spsc(capacity: 1)
    let input = try SNChannel<Int>.mpsc(capacity: 2)
    var tx = out.sender
    var outRx = out.receiver
    var rx = input.receiver
    guard case .sent = try await Select.send(1, to: &tx, orReceiveFrom: &rx) else {
      Issue.record("expected .sent")
      return
    }
    do {
      _ = try await Select.send(2, to: &tx, orReceiveFrom: &rx, timeout: .milliseconds(5))
      Issue.record("expected a timeout")
    } catch {
      #expect(error.reason == .timedOut)
      #expect(error.element == 2)
    }
    #expect(try outRx.tryReceive() == 1)
    try input.sender.trySend(4)
    try tx.trySend(0)
    guard case .received(4, unsent: 3) = try await Select.send(3, to: &tx, orReceiveFrom: &rx)
    else {
      Issue.record("expected the receive arm")
      return
    }
  }

  /// A cancelled async send-or-receive sends nothing, takes nothing, and
  /// hands the value back.
  @Test func cancelledAsyncSendArmHandsBackAndTakesNothing() async throws {
    let out = try SNChannel<Int>.spsc(capacity: 1)
    let input = try SNChannel<Int>.mpsc(capacity: 2)
    var tx = out.sender
    try tx.trySend(1)
    let task = Task(taking: TwoEndpoints(tx, input.receiver)) { pair in
      do throws(SendError<Int>) {
        _ = try await Select.send(2, to: &pair.first, orReceiveFrom: &pair.second)
        return (SNChannelError.full, -1, pair.first.stats.sent)
      } catch {
        return (error.reason, error.element, pair.first.stats.sent)
      }
    }
    try await Task.sleep(for: .milliseconds(5))
    task.cancel()
    let (reason, element, sent) = await task.value
    #expect(reason == .cancelled)
    #expect(element == 2)
    #expect(sent == 1)
  }

  // MARK: Fairness

  /// A send arm with room and a receive arm with an element, both ready in
  /// every one of 100k rounds: each wins a fair share.
  @Test func sendAndReceiveArmsShareTheWins() throws {
    let out = try SNChannel<Int>.spsc(capacity: 4)
    let input = try SNChannel<Int>.mpsc(capacity: 4)
    var tx = out.sender
    var outRx = out.receiver
    var rx = input.receiver
    try input.sender.trySend(0)
    var wins = [0, 0]
    for round in 0..<SelectFairnessTests.rounds {
      switch try Select.send(round, to: &tx, orReceiveFrom: &rx) {
      case .sent:
        wins[0] += 1
        #expect(try outRx.tryReceive() == round)
      case .received(_, let unsent):
        wins[1] += 1
        #expect(unsent == round)
        try input.sender.trySend(0)
      }
    }
    SelectFairnessTests.check(wins)
  }

  @Test func asyncSendAndReceiveArmsShareTheWins() async throws {
    let out = try SNChannel<Int>.mpmc(capacity: 4)
    let input = try SNChannel<Int>.spsc(capacity: 4)
    var tx = out.sender
    let outRx = out.receiver
    var inTx = input.sender
    var rx = input.receiver
    try inTx.trySend(0)
    var wins = [0, 0]
    for round in 0..<SelectFairnessTests.rounds {
      switch try await Select.send(round, to: &tx, orReceiveFrom: &rx) {
      case .sent:
        wins[0] += 1
        _ = try outRx.tryReceive()
      case .received:
        wins[1] += 1
        try inTx.trySend(0)
      }
    }
    SelectFairnessTests.check(wins)
  }
}

/// Two endpoints moved together (into a task or a thread).
struct TwoEndpoints<First: ~Copyable & Sendable, Second: ~Copyable & Sendable>: ~Copyable, Sendable
{
  var first: First
  var second: Second

  init(_ first: consuming First, _ second: consuming Second) {
    self.first = first
    self.second = second
  }
}
