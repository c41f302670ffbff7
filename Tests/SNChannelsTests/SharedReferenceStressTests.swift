import SNAtomics
import SNChannels
import Testing
import _SNTestSupport

/// Class elements that the sending thread keeps a reference to after the
/// send, while the receiver drops its own at once.
///
/// The regression these guard: in a release build the optimizer sank the
/// retain of the slot's copy below the store that publishes the slot, so a
/// receiver could take the element and release what was then the last
/// counted reference while the sender still held one it had not counted
/// yet ("Object of class Tracked deallocated with non-zero retain count 2",
/// CI's release run of `StressTests.spscInPlaceReceive`). Keeping the
/// sender's copy alive makes every send a real copy (a retain), and the
/// tracker then sees a use-after-free as a crash or a wrong live count.
/// Sizes are `StressSize.messages` / 2 per case (1M in CI's release run).
@Suite struct SharedReferenceStressTests {
  /// How a producer hands its elements over.
  enum SendPath: CaseIterable, Sendable {
    /// `send(_:)`, which blocks while the ring is full.
    case blocking
    /// `trySend(_:)`, retried while full.
    case retried
    /// `trySend(contentsOf:)` with batches of 16.
    case batched
  }

  static var perProducer: Int { StressSize.messages / 2 }

  @Test(arguments: SendPath.allCases, [1, 64])
  func spscSenderKeepsItsCopies(path: SendPath, capacity: Int) throws {
    let tracker = LifetimeTracker()
    let count = Self.perProducer
    var log: [UInt64] = []
    do {
      let channel = try SNChannel<Tracked>.spsc(capacity: capacity)
      let producer = OSThread.spawn(taking: channel.sender) { tx in
        Self.produce(into: &tx, producer: 0, count: count, path: path, tracker: tracker)
      }
      var rx = channel.receiver
      log = Self.consume(&rx)
      producer.join()
    }
    #expect(exactlyOnceProblem(logs: [log], producers: 1, perProducer: count) == nil)
    #expect(tracker.createdCount == count)
    #expect(tracker.liveCount == 0)
  }

  @Test(arguments: SendPath.allCases, [2, 64])
  func mpmcSendersKeepTheirCopies(path: SendPath, capacity: Int) throws {
    let tracker = LifetimeTracker()
    let producers = 2
    let count = Self.perProducer / producers
    let logs = (0..<2).map { _ in JoinedResult<[UInt64]>([]) }
    do {
      let channel = try SNChannel<Tracked>.mpmc(capacity: capacity)
      let tx = channel.sender
      let rx = channel.receiver
      var threads = Self.spawnProducers(
        tx, producers: producers, count: count, path: path, tracker: tracker)
      for result in logs {
        threads.append(
          OSThread.spawn(taking: rx.clone()) { mine in result.value = Self.consume(&mine) })
      }
      tx.close()
      _ = consume rx
      for thread in threads { thread.join() }
    }
    #expect(
      exactlyOnceProblem(logs: logs.map(\.value), producers: producers, perProducer: count) == nil)
    #expect(tracker.createdCount == producers * count)
    #expect(tracker.liveCount == 0)
  }

  @Test(arguments: SendPath.allCases)
  func mpscSendersKeepTheirCopies(path: SendPath) throws {
    let tracker = LifetimeTracker()
    let producers = 2
    let count = Self.perProducer / producers
    var log: [UInt64] = []
    do {
      let channel = try SNChannel<Tracked>.mpsc(capacity: 8)
      let tx = channel.sender
      let threads = Self.spawnProducers(
        tx, producers: producers, count: count, path: path, tracker: tracker)
      tx.close()
      var rx = channel.receiver
      log = Self.consume(&rx)
      for thread in threads { thread.join() }
    }
    #expect(exactlyOnceProblem(logs: [log], producers: producers, perProducer: count) == nil)
    #expect(tracker.createdCount == producers * count)
    #expect(tracker.liveCount == 0)
  }

  /// Starts `producers` threads, each with its own clone of `tx`, each
  /// running ``produce(into:producer:count:path:tracker:)``.
  static func spawnProducers(
    _ tx: borrowing MultiSender<Tracked>, producers: Int, count: Int, path: SendPath,
    tracker: LifetimeTracker
  ) -> [OSThread] {
    (0..<producers).map { producer in
      OSThread.spawn(taking: tx.clone()) { mine in
        Self.produce(into: &mine, producer: producer, count: count, path: path, tracker: tracker)
      }
    }
  }

  /// Sends `count` tracked elements tagged `producer << 32 | sequence`,
  /// keeping a reference to each until 64 are kept, then dropping them all:
  /// some are dropped before the receiver drops its copy, some after.
  static func produce<S: SendingEndpoint & ~Copyable>(
    into tx: inout S, producer: Int, count: Int, path: SendPath, tracker: LifetimeTracker
  ) where S.Element == Tracked {
    var kept: [Tracked] = []
    kept.reserveCapacity(80)
    var sequence = 0
    while sequence < count {
      let size = path == .batched ? min(16, count - sequence) : 1
      let start = kept.count
      for offset in 0..<size {
        kept.append(tracker.instance(producer << 32 | (sequence + offset)))
      }
      switch path {
      case .blocking:
        try! tx.send(kept[start])
      case .retried:
        while (try? tx.trySend(kept[start])) == nil { Backoff.pause() }
      case .batched:
        var sent = start
        while sent < kept.count {
          let taken = try! tx.trySend(contentsOf: kept[sent...])
          if taken == 0 { Backoff.pause() }
          sent += taken
        }
      }
      sequence += size
      if kept.count >= 64 { kept.removeAll(keepingCapacity: true) }
    }
  }

  /// Receives until the channel is closed and drained, dropping each element
  /// at once; returns the payloads in arrival order.
  static func consume<R: ReceivingEndpoint & ~Copyable>(_ rx: inout R) -> [UInt64]
  where R.Element == Tracked {
    var log: [UInt64] = []
    while let value = try? rx.receive() { log.append(UInt64(value.payload)) }
    return log
  }
}
