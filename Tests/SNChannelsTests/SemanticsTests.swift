import SNAtomics
import SNChannels
import Testing
import _SNTestSupport

@Suite struct CapacityTests {
  @Test(arguments: [(1, 1), (2, 2), (3, 4), (5, 8), (1000, 1024), (1024, 1024), (16385, 32768)])
  func spscRoundsUpToAPowerOfTwo(requested: Int, expected: Int) throws {
    let channel = try SNChannel<Int>.spsc(capacity: requested)
    #expect(channel.sender.stats.capacity == expected)
  }

  @Test func multiChannelsHoldAtLeastTwo() throws {
    let mpsc = try SNChannel<Int>.mpsc(capacity: 1)
    #expect(mpsc.sender.stats.capacity == 2)
    let mpmc = try SNChannel<Int>.mpmc(capacity: 3)
    #expect(mpmc.receiver.stats.capacity == 4)
  }

  @Test(arguments: [0, -1, Int.min, ChannelCapacity.maximum + 1, Int.max])
  func invalidCapacitiesThrowATypedError(requested: Int) {
    func check(_ result: Result<Void, SNChannelError>, _ kind: String) {
      switch result {
      case .success: Issue.record("\(kind) accepted capacity \(requested)")
      case .failure(let error):
        #expect(error == .invalidCapacity)
        #expect(error.requestedCapacity == requested)
      }
    }
    check(
      Result { () throws(SNChannelError) in _ = try SNChannel<Int>.spsc(capacity: requested) },
      "spsc")
    check(
      Result { () throws(SNChannelError) in _ = try SNChannel<Int>.mpsc(capacity: requested) },
      "mpsc")
    check(
      Result { () throws(SNChannelError) in _ = try SNChannel<Int>.mpmc(capacity: requested) },
      "mpmc")
  }

  @Test func capacityOneSPSCAlternates() throws {
    let channel = try SNChannel<Int>.spsc(capacity: 1)
    var tx = channel.sender
    var rx = channel.receiver
    for value in 0..<10 {
      try tx.trySend(value)
      #expect(throws: SendError<Int>.self) { try tx.trySend(-1) }
      #expect(try rx.tryReceive() == value)
      #expect(try rx.tryReceive() == nil)
    }
  }
}

/// The same behaviour checks for every channel kind, through one small interface.
protocol EndpointPair: AnyObject {
  func trySend(_ value: Tracked) throws(SendError<Tracked>)
  func send(_ value: Tracked, timeout: Duration) throws(SendError<Tracked>)
  func tryReceive() throws(SNChannelError) -> Tracked?
  func receive(timeout: Duration) throws(SNChannelError) -> Tracked
  func trySend(batch: [Tracked]) throws(SNChannelError) -> Int
  func tryReceive(into buffer: inout [Tracked], maxCount: Int) throws(SNChannelError) -> Int
  func dropSender()
  func closeReceiver()
  var stats: ChannelStats { get }
}

/// Any kind's two endpoints behind ``EndpointPair``: one implementation
/// over the library's endpoint protocols.
final class Pair<Tx: SendingEndpoint & ~Copyable, Rx: ReceivingEndpoint & ~Copyable>: EndpointPair
where Tx.Element == Tracked, Rx.Element == Tracked {
  var tx: Tx?
  var rx: Rx
  init(_ tx: consuming Tx, _ rx: consuming Rx) {
    self.tx = consume tx
    self.rx = rx
  }
  func trySend(_ value: Tracked) throws(SendError<Tracked>) { try tx!.trySend(value) }
  func send(_ value: Tracked, timeout: Duration) throws(SendError<Tracked>) {
    try tx!.send(value, timeout: timeout)
  }
  func tryReceive() throws(SNChannelError) -> Tracked? { try rx.tryReceive() }
  func receive(timeout: Duration) throws(SNChannelError) -> Tracked {
    try rx.receive(timeout: timeout)
  }
  func trySend(batch: [Tracked]) throws(SNChannelError) -> Int {
    try tx!.trySend(contentsOf: batch)
  }
  func tryReceive(into buffer: inout [Tracked], maxCount: Int) throws(SNChannelError) -> Int {
    try rx.tryReceive(into: &buffer, maxCount: maxCount)
  }
  func dropSender() { tx = nil }
  func closeReceiver() { rx.close() }
  var stats: ChannelStats { rx.stats }
}

enum Kind: String, CaseIterable, CustomTestStringConvertible {
  case spsc, mpsc, mpmc
  var testDescription: String { rawValue }

  /// Runs `body` on a fresh channel of this kind, capacity 4.
  func with(_ body: (any EndpointPair) throws -> Void) throws {
    switch self {
    case .spsc:
      let channel = try SNChannel<Tracked>.spsc(capacity: 4)
      try body(Pair(channel.sender, channel.receiver))
    case .mpsc:
      let channel = try SNChannel<Tracked>.mpsc(capacity: 4)
      try body(Pair(channel.sender, channel.receiver))
    case .mpmc:
      let channel = try SNChannel<Tracked>.mpmc(capacity: 4)
      try body(Pair(channel.sender, channel.receiver))
    }
  }
}

@Suite struct SemanticsTests {
  @Test(arguments: Kind.allCases)
  func fifoAndFullHandsTheElementBack(kind: Kind) throws {
    let tracker = LifetimeTracker()
    try kind.with { pair in
      for value in 0..<4 { try pair.trySend(tracker.instance(value)) }
      do throws(SendError<Tracked>) {
        try pair.trySend(tracker.instance(99))
        Issue.record("send into a full channel succeeded")
      } catch {
        #expect(error.reason == .full)
        #expect(error.element.payload == 99)
      }
      for value in 0..<4 { #expect(try pair.tryReceive()?.payload == value) }
      #expect(try pair.tryReceive() == nil)
      let stats = pair.stats
      #expect(stats.sent == 4 && stats.received == 4 && stats.depth == 0)
      #expect(stats.sendErrors.full == 1 && stats.sendErrors.total == 1)
    }
    #expect(tracker.liveCount == 0)
  }

  @Test(arguments: Kind.allCases)
  func droppingTheSenderLetsTheReceiverDrainThenClose(kind: Kind) throws {
    try kind.with { pair in
      let tracker = LifetimeTracker()
      try pair.trySend(tracker.instance(1))
      try pair.trySend(tracker.instance(2))
      pair.dropSender()
      #expect(try pair.tryReceive()?.payload == 1)
      #expect(try pair.receive(timeout: .seconds(5)).payload == 2)
      #expect(throws: SNChannelError.closed) { _ = try pair.tryReceive() }
      #expect(throws: SNChannelError.closed) { _ = try pair.receive(timeout: .seconds(5)) }
      #expect(tracker.liveCount == 0)
    }
  }

  @Test(arguments: Kind.allCases)
  func closingTheReceiverFailsSendsButKeepsQueuedElements(kind: Kind) throws {
    let tracker = LifetimeTracker()
    try kind.with { pair in
      try pair.trySend(tracker.instance(1))
      pair.closeReceiver()
      do throws(SendError<Tracked>) {
        try pair.trySend(tracker.instance(2))
        Issue.record("send after close succeeded")
      } catch {
        #expect(error.reason == .closed)
        #expect(error.element.payload == 2)
      }
      #expect(throws: SendError<Tracked>.self) {
        try pair.send(tracker.instance(3), timeout: .seconds(5))
      }
      #expect(try pair.tryReceive()?.payload == 1)
      #expect(pair.stats.sendErrors.closed == 2)
    }
    #expect(tracker.liveCount == 0)
  }

  @Test(arguments: Kind.allCases)
  func timeoutsExpire(kind: Kind) throws {
    let tracker = LifetimeTracker()
    try kind.with { pair in
      var start = MonotonicClock.nanoseconds
      #expect(throws: SNChannelError.timedOut) { _ = try pair.receive(timeout: .milliseconds(40)) }
      #expect(MonotonicClock.nanoseconds - start >= 39_000_000)
      for value in 0..<4 { try pair.trySend(tracker.instance(value)) }
      start = MonotonicClock.nanoseconds
      do throws(SendError<Tracked>) {
        try pair.send(tracker.instance(7), timeout: .milliseconds(40))
        Issue.record("send into a full channel succeeded")
      } catch {
        #expect(error.reason == .timedOut)
        #expect(error.element.payload == 7)
      }
      #expect(MonotonicClock.nanoseconds - start >= 39_000_000)
      #expect(pair.stats.sendErrors.timedOut == 1)
    }
    #expect(tracker.liveCount == 0)
  }

  @Test(arguments: Kind.allCases)
  func batchesMoveWhatFitsInOrder(kind: Kind) throws {
    let tracker = LifetimeTracker()
    try kind.with { pair in
      let batch = (0..<6).map { tracker.instance($0) }
      let first = try pair.trySend(batch: batch)
      let whileFull = try pair.trySend(batch: batch)
      #expect(first == 4 && whileFull == 0)
      var received: [Tracked] = []
      let three = try pair.tryReceive(into: &received, maxCount: 3)
      #expect(three == 3)
      #expect(received.map(\.payload) == [0, 1, 2])
      let rest = try pair.trySend(batch: Array(batch[4...]))
      #expect(rest == 2)
      let drained = try pair.tryReceive(into: &received, maxCount: 10)
      #expect(drained == 3)
      #expect(received.map(\.payload) == [0, 1, 2, 3, 4, 5])
      let none = try pair.tryReceive(into: &received, maxCount: 10)
      #expect(none == 0)
      pair.dropSender()
      #expect(throws: SNChannelError.closed) {
        _ = try pair.tryReceive(into: &received, maxCount: 1)
      }
    }
    #expect(tracker.liveCount == 0)
  }

  @Test(arguments: Kind.allCases)
  func queuedElementsAreDestroyedWithTheChannel(kind: Kind) throws {
    let tracker = LifetimeTracker()
    try kind.with { pair in
      for value in 0..<3 { try pair.trySend(tracker.instance(value)) }
      _ = try pair.tryReceive()
      #expect(tracker.liveCount == 2)
    }
    #expect(tracker.createdCount == 3)
    #expect(tracker.liveCount == 0)
  }

  @Test func inPlaceReceiveStopsEarlyAndReportsCloseAfterDraining() throws {
    let channel = try SNChannel<Int>.spsc(capacity: 8)
    var tx = channel.sender
    var rx = channel.receiver
    #expect(try rx.tryReceive(maxCount: 4) { _ in true } == 0)
    for value in 0..<6 { try tx.trySend(value) }
    var seen: [Int] = []
    // Stops after the second element; the rest stay queued.
    #expect(
      try rx.tryReceive(maxCount: 10) {
        seen.append($0); return seen.count < 2
      } == 2)
    #expect(rx.stats.depth == 4)
    // The slots were given back: the sender has room for four more.
    for value in 6..<10 { try tx.trySend(value) }
    #expect(
      try rx.tryReceive(maxCount: 3) {
        seen.append($0); return true
      } == 3)
    tx.close()
    #expect(
      try rx.tryReceive(maxCount: 100) {
        seen.append($0); return true
      } == 5)
    #expect(seen == Array(0..<10))
    #expect(throws: SNChannelError.closed) { try rx.tryReceive(maxCount: 1) { _ in true } }
  }

  @Test func stringsSurviveTheTrip() throws {
    let channel = try SNChannel<String>.mpsc(capacity: 8)
    let tx = channel.sender
    var rx = channel.receiver
    let text = String(repeating: "shared-nothing ", count: 10)
    for index in 0..<5 { try tx.trySend("\(index): \(text)") }
    for index in 0..<5 { #expect(try rx.tryReceive() == "\(index): \(text)") }
  }
}
