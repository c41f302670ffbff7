import SNAtomics
import SNChannels
import Synchronization
import Testing

/// `Select` over the issue 18 kinds, mixed with each other and with the ring
/// kinds: each kind's arm wakes the select, closes drop out, a broadcast
/// lag surfaces as `.lagged`, a cancelled select takes nothing.
@Suite struct SelectKindMixTests {
  @Test func oneshotArmWakesABlockedSelect() throws {
    let reply = SNChannel<Int>.oneshot()
    let other = try SNChannel<String>.mpsc(capacity: 2)
    var replyRx = reply.receiver
    var otherRx = other.receiver
    let sender = OSThread.spawn(taking: Optional(reply.sender)) { tx in
      sleepThread(microseconds: 2000)
      try! tx.take()!.send(42)
    }
    let got = try Select.receive(from: &replyRx, &otherRx)
    sender.join()
    guard case .first(42) = got else {
      Issue.record("expected .first(42), got \(got)")
      return
    }
    // Received once: the one-shot arm is closed now; the other arm times out.
    #expect(throws: SNChannelError.timedOut) {
      try Select.receive(from: &replyRx, &otherRx, timeout: .milliseconds(2))
    }
  }

  @Test func watchArmDeliversTheNewestChangeOnly() throws {
    let config = SNChannel<Int>.watch(initial: 0)
    let jobs = try SNChannel<Int>.spsc(capacity: 2)
    var configRx = config.receiver
    var jobsRx = jobs.receiver
    #expect(try Select.tryReceive(from: &configRx, &jobsRx) == nil)
    config.sender.replace(1)
    config.sender.replace(2)
    guard case .first(2) = try Select.receive(from: &configRx, &jobsRx) else {
      Issue.record("expected the newest value, 2")
      return
    }
    #expect(try Select.tryReceive(from: &configRx, &jobsRx) == nil, "seen: no change left")
    let changer = OSThread.spawn(taking: config.sender.clone()) { tx in
      sleepThread(microseconds: 2000)
      tx.replace(3)
    }
    let got = try Select.receive(from: &configRx, &jobsRx, timeout: .seconds(30))
    changer.join()
    guard case .first(3) = got else {
      Issue.record("expected .first(3), got \(got)")
      return
    }
  }

  @Test func broadcastArmReportsALagAndContinues() throws {
    let news = try SNChannel<Int>.broadcast(capacity: 2)
    let other = try SNChannel<Int>.mpmc(capacity: 2)
    var newsRx = news.receiver
    var otherRx = other.receiver
    for value in 0..<5 { try news.sender.send(value) }
    do {
      _ = try Select.receive(from: &newsRx, &otherRx)
      Issue.record("expected a lag")
    } catch {
      #expect(error == .lagged)
      #expect(error.missed == 3)
    }
    guard case .first(3) = try Select.receive(from: &newsRx, &otherRx) else {
      Issue.record("expected the oldest message kept, 3")
      return
    }
    guard case .first(4) = try Select.receive(from: &newsRx, &otherRx) else {
      Issue.record("expected 4")
      return
    }
  }

  @Test func rendezvousArmTakesABlockedSendersValue() throws {
    let handOff = SNChannel<Int>.rendezvous()
    let news = try SNChannel<Int>.broadcast(capacity: 4)
    var handOffRx = handOff.receiver.clone()
    var newsRx = news.receiver.subscribe()
    let sender = OSThread.spawn(taking: handOff.sender.clone()) { tx in
      try! tx.send(7)  // returns once the select took it
    }
    let got = try Select.receive(from: &handOffRx, &newsRx, timeout: .seconds(30))
    sender.join()
    guard case .first(7) = got else {
      Issue.record("expected .first(7), got \(got)")
      return
    }
  }

  /// A send arm on a rendezvous channel hands its value to a receiver
  /// waiting in a blocking receive.
  @Test func rendezvousSendArmPairsWithAWaitingReceiver() throws {
    let handOff = SNChannel<Int>.rendezvous()
    let other = try SNChannel<Int>.mpsc(capacity: 2)
    var tx = handOff.sender.clone()
    var otherRx = other.receiver
    let receiver = OSThread.spawn(taking: handOff.receiver.clone()) { rx in
      #expect(try! rx.receive() == 5)
    }
    let outcome = try Select.send(5, to: &tx, orReceiveFrom: &otherRx, timeout: .seconds(30))
    receiver.join()
    guard case .sent = outcome else {
      Issue.record("expected .sent, got \(outcome)")
      return
    }
  }

  /// Three new kinds, each always ready, over 100k rounds: each wins a fair
  /// share.
  @Test func newKindsShareTheWins() throws {
    let news = try SNChannel<Int>.broadcast(capacity: 4)
    let config = SNChannel<Int>.watch(initial: 0)
    let jobs = try SNChannel<Int>.mpmc(capacity: 4)
    var newsRx = news.receiver
    var configRx = config.receiver
    var jobsRx = jobs.receiver
    try news.sender.send(0)
    config.sender.replace(1)
    try jobs.sender.trySend(2)
    var wins = [0, 0, 0]
    for round in 0..<SelectFairnessTests.rounds {
      switch try Select.receive(from: &newsRx, &configRx, &jobsRx) {
      case .first:
        wins[0] += 1
        try news.sender.send(round)
      case .second:
        wins[1] += 1
        config.sender.replace(round)
      case .third:
        wins[2] += 1
        try jobs.sender.trySend(round)
      }
    }
    SelectFairnessTests.check(wins)
  }

  // MARK: Close during a wait

  @Test func closeDuringABlockingWaitEndsTheSelect() throws {
    let reply = SNChannel<Int>.oneshot()
    let config = SNChannel<Int>.watch(initial: 0)
    var replyRx = reply.receiver
    var configRx = config.receiver
    let closer = OSThread.spawn(taking: DroppablePair(reply.sender, config.sender)) { pair in
      sleepThread(microseconds: 2000)
      pair.drop()
    }
    #expect(throws: SNChannelError.closed) {
      try Select.receive(from: &replyRx, &configRx, timeout: .seconds(30))
    }
    closer.join()
  }

  @Test func closeDuringAnAsyncWaitEndsTheSelect() async throws {
    let a = try SNChannel<Int>.mpmc(capacity: 2)
    let b = try SNChannel<Int>.broadcast(capacity: 2)
    var rxA = a.receiver
    var rxB = b.receiver
    let closer = spawnThread(taking: DroppablePair(a.sender, b.sender)) { pair in
      sleepThread(microseconds: 2000)
      pair.drop()
    }
    await #expect(throws: SNChannelError.closed) {
      try await Select.receive(from: &rxA, &rxB, timeout: .seconds(30))
    }
    await closer.join()
  }

  // MARK: Cancellation

  /// A cancelled async select over a one-shot and a latest-value receiver
  /// takes nothing: the value sent afterwards, and the change, are still there.
  @Test func cancelledAsyncSelectTakesNothing() async throws {
    let reply = SNChannel<Int>.oneshot()
    let config = SNChannel<Int>.watch(initial: 0)
    let task = Task(taking: TwoEndpoints(reply.receiver, config.receiver)) {
      pair -> (SNChannelError?, Int?, Int?) in
      do throws(SNChannelError) {
        _ = try await Select.receive(from: &pair.first, &pair.second)
        return (nil, nil, nil)
      } catch {
        // Wait (on a thread's clock, not the task's) for the sends below.
        while !pair.first.isReady || !pair.second.hasChanged { await Task.yield() }
        return (error, try? pair.first.tryReceive(), try? pair.second.tryReceive())
      }
    }
    try await Task.sleep(for: .milliseconds(5))
    task.cancel()
    try await Task.sleep(for: .milliseconds(5))
    try reply.sender.send(1)
    config.sender.replace(2)
    let (error, replyValue, configValue) = await task.value
    #expect(error == .cancelled)
    #expect(replyValue == 1)
    #expect(configValue == 2)
  }
}

/// Two endpoints a thread drops together (closing their channels).
struct DroppablePair<First: ~Copyable & Sendable, Second: ~Copyable & Sendable>: ~Copyable,
  Sendable
{
  var first: First?
  var second: Second?

  init(_ first: consuming First, _ second: consuming Second) {
    self.first = consume first
    self.second = consume second
  }

  mutating func drop() {
    first = nil
    second = nil
  }
}

/// A ``SelectGroup`` of a new kind: four latest-value receivers, each
/// delivering its newest change.
@Suite struct SelectGroupKindTests {
  @Test func groupOfWatchReceiversDeliversEachChange() throws {
    let zero = SNChannel<Int>.watch(initial: 0)
    let one = SNChannel<Int>.watch(initial: 1)
    let two = SNChannel<Int>.watch(initial: 2)
    let three = SNChannel<Int>.watch(initial: 3)
    var group = SelectGroup<WatchReceiver<Int>>()
    _ = group.append(zero.sender.subscribe())
    _ = group.append(one.sender.subscribe())
    _ = group.append(two.sender.subscribe())
    _ = group.append(three.sender.subscribe())
    #expect(try group.tryReceive() == nil)
    two.sender.replace(20)
    two.sender.replace(21)
    let (index, value) = try group.receive()
    #expect(index == 2 && value == 21)
    #expect(try group.tryReceive() == nil, "the change was seen")
  }
}
