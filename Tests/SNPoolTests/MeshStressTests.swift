import Foundation
import SNAtomics
import SNPartition
import SNPool
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Each worker sends its share of ids `0..<total` (ids `w`, `w + workers`,
/// …) to every worker in turn, itself included, over the mesh; the
/// destination records each id it receives. Generation runs in chunks, one
/// self-sent `.generate` message each, so the run loop handles and flushes
/// between chunks.
struct AllToAllWorker: Worker {
  enum Message: Sendable {
    /// Send this worker's ids from the `next`-th of its share on.
    case generate(next: Int)
    /// One id, sent by `from` to the id's destination.
    case item(id: Int, from: Int)
  }

  struct State {
    var workerIndex: Int
    /// Ids received, in arrival order.
    var received: [Int] = []
    /// Per source worker: the last id received from it (send order check).
    var lastFrom: [Int]
    /// Ids that arrived out of send order from their source.
    var outOfOrder = 0
    /// Sends the mesh handed back (it must not: the generator waits while
    /// the mesh reports backpressure).
    var rejected = 0
  }

  let total: Int
  let workerCount: Int
  /// Ids a worker sends per `.generate` message.
  static let chunk = 256

  /// The worker id `id` goes to: the destinations rotate, so every worker
  /// sends to every worker, itself included.
  static func destination(of id: Int, workers: Int) -> Int { (id / workers + id) % workers }

  func makeState(workerIndex: Int) -> State {
    State(workerIndex: workerIndex, lastFrom: Array(repeating: -1, count: workerCount))
  }

  func handleMessage(
    _ envelope: Envelope<Message>, state: inout State, context: inout WorkerContext<Self>
  ) throws {
    switch envelope.message {
    case .generate(let next):
      let me = context.workerIndex
      let share = (total - me + workerCount - 1) / workerCount
      var sent = next
      // While a destination's overflow is long, go round the run loop
      // (it keeps draining) instead of growing it further.
      if !context.isMeshBackpressured {
        sent = min(share, next + Self.chunk)
        for index in next..<sent {
          let id = me + index * workerCount
          do {
            try context.send(
              .item(id: id, from: me), toWorker: Self.destination(of: id, workers: workerCount))
          } catch {
            state.rejected += 1
          }
        }
      }
      if sent < share { try context.send(.generate(next: sent), toWorker: me) }
    case .item(let id, let from):
      #expect(Self.destination(of: id, workers: workerCount) == state.workerIndex)
      if id <= state.lastFrom[from] { state.outOfOrder += 1 }
      state.lastFrom[from] = id
      state.received.append(id)
    }
  }
}

/// Each worker reads its share of a partitioned source and sends every
/// record's id to the id's owner (by key, through the pool's partitioner)
/// over the mesh; the owner records it.
struct SourceRoutingWorker: Worker {
  enum Source: Sendable {
    case file(RecordFile)
    case seeded(SeededShards)
  }

  enum Message: Sendable {
    /// Read this worker's whole share.
    case read
    /// One record's id, routed to its owner.
    case record(id: Int)
  }

  struct State {
    var workerIndex: Int
    var received: [Int] = []
    var misrouted = 0
    var malformed = 0
    var rejected = 0
  }

  let source: Source
  let workerCount: Int

  func makeState(workerIndex: Int) -> State { State(workerIndex: workerIndex) }

  func handleMessage(
    _ envelope: Envelope<Message>, state: inout State, context: inout WorkerContext<Self>
  ) throws {
    switch envelope.message {
    case .read:
      switch source {
      case .file(let file):
        let share = try file.shares(workerCount)[context.workerIndex]
        share.forEachUnsafeRecord { bytes in
          // A record is the decimal id.
          var id = 0
          for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else {
              state.malformed += 1
              return
            }
            id = id * 10 + Int(byte - 0x30)
          }
          route(id, &state, &context)
        }
      case .seeded(let shards):
        for (index, _) in shards.shard(context.workerIndex) { route(index, &state, &context) }
      }
    case .record(let id):
      if context.meshOwner(of: id) != state.workerIndex { state.misrouted += 1 }
      state.received.append(id)
    }
  }

  private func route(_ id: Int, _ state: inout State, _ context: inout WorkerContext<Self>) {
    do {
      try context.send(.record(id: id), key: id)
    } catch {
      state.rejected += 1
    }
  }
}

/// Passes each message along a ring of workers until it has made `hops`
/// hops; the last worker records it. Sends happen from handlers and from
/// ticks (a tick forwards what its handlers set aside), so at a shutdown
/// messages sit in stages, in lanes, and in tick-held lists.
struct RingWorker: Worker {
  struct Message: Sendable {
    var id: Int
    var hopsLeft: Int
  }

  struct State {
    var finished: [Int] = []
    /// Set aside by a handler, forwarded by the next tick.
    var heldForTick: [Message] = []
    var rejected = 0
  }

  func makeState(workerIndex: Int) -> State { State() }

  func handleMessage(
    _ envelope: Envelope<Message>, state: inout State, context: inout WorkerContext<Self>
  ) throws {
    var message = envelope.message
    if message.hopsLeft == 0 {
      state.finished.append(message.id)
      return
    }
    message.hopsLeft -= 1
    if message.id % 3 == 0 {
      state.heldForTick.append(message)
    } else {
      forward(message, &state, &context)
    }
  }

  func tick(state: inout State, context: inout WorkerContext<Self>) throws {
    let held = state.heldForTick
    state.heldForTick.removeAll(keepingCapacity: true)
    for message in held { forward(message, &state, &context) }
  }

  private func forward(
    _ message: Message, _ state: inout State, _ context: inout WorkerContext<Self>
  ) {
    do {
      try context.send(message, toWorker: (context.workerIndex + 1) % context.workerCount)
    } catch {
      state.rejected += 1
    }
  }
}

/// Counts ids: `true` when `ids` holds each of `0..<total` exactly once.
private func eachOnce(_ ids: some Sequence<Int>, total: Int) -> Bool {
  var seen = [UInt8](repeating: 0, count: total)
  var count = 0
  for id in ids {
    guard id >= 0, id < total, seen[id] == 0 else { return false }
    seen[id] = 1
    count += 1
  }
  return count == total
}

/// Exactly-once stress over the worker mesh, the partitioned sources and
/// ask: `StressSize.messages` messages per test (1M in release, as CI's
/// release step runs every `…StressTests`; 20k in debug and under TSan;
/// `SN_STRESS_MESSAGES` overrides).
@Suite("Mesh, sources and ask stress", .timeLimit(.minutes(10)))
struct MeshStressTests {
  /// Messages for a case with lanes of `laneCapacity`: tiny lanes (a
  /// backpressure check more than a volume one) flush and wake a peer every
  /// message or two, and with more workers than CPUs the workers take turns
  /// on them, so they carry a tenth of the count; the default-sized cases
  /// carry all of it.
  static func total(laneCapacity: Int) -> Int {
    laneCapacity < 64 ? max(1_000, stressTotal / 10) : stressTotal
  }

  @Test(
    "every worker sends to every worker: each message exactly once, in send order per pair",
    arguments: [(2, 1024, 64), (4, 8, 16), (3, 1, 1)])
  func allToAll(workers: Int, laneCapacity: Int, stageCapacity: Int) throws {
    let total = Self.total(laneCapacity: laneCapacity)
    let pool = try WorkerPool(
      worker: AllToAllWorker(total: total, workerCount: workers),
      configuration: PoolConfiguration().withWorkerCount(workers)
        .withMesh(
          MeshConfiguration().withLaneCapacity(laneCapacity).withStageCapacity(stageCapacity)))
    try pool.start()
    for worker in 0..<workers { try pool.send(.generate(next: 0), toWorker: worker) }
    // Graceful at once: whatever is staged or in a lane must still arrive.
    let termination = pool.shutdown()
    #expect(termination.failure == nil)
    #expect(termination.unprocessed.isEmpty)
    #expect(termination.states.allSatisfy { $0.rejected == 0 && $0.outOfOrder == 0 })
    #expect(eachOnce(termination.states.lazy.flatMap(\.received), total: total))
    // Every ordered pair carried messages, and each worker got its share.
    for state in termination.states {
      #expect(state.lastFrom.allSatisfy { $0 >= 0 }, "worker \(state.workerIndex)")
    }
  }

  @Test("a partitioned file: every record read once, routed to its owner once")
  func fileRecords() throws {
    let total = stressTotal
    let path = NSTemporaryDirectory() + "sn-stress-\(UUID().uuidString).txt"
    defer { unlink(path) }
    // Ids of every length from 1 to 7 digits: records straddle shares.
    var text = ""
    text.reserveCapacity(total * 8)
    for id in 0..<total {
      text += String(id)
      text += "\n"
    }
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    let file = try RecordFile(path: path)
    for workers in [2, 3] {
      let termination = try route(source: .file(file), workers: workers)
      #expect(eachOnce(termination.states.lazy.flatMap(\.received), total: total))
    }
  }

  @Test("seeded shards: every index generated once, routed to its owner once")
  func seededRecords() throws {
    let total = stressTotal
    for workers in [2, 5] {
      let shards = try SeededShards(seed: 7, count: total, shardCount: workers)
      let termination = try route(source: .seeded(shards), workers: workers)
      #expect(eachOnce(termination.states.lazy.flatMap(\.received), total: total))
    }
  }

  private func route(
    source: SourceRoutingWorker.Source, workers: Int
  ) throws -> PoolTermination<SourceRoutingWorker> {
    let pool = try WorkerPool(
      worker: SourceRoutingWorker(source: source, workerCount: workers),
      configuration: PoolConfiguration().withWorkerCount(workers)
        .withMesh(MeshConfiguration().withLaneCapacity(256)))
    try pool.start()
    for worker in 0..<workers { try pool.send(.read, toWorker: worker) }
    let termination = pool.shutdown()
    #expect(termination.failure == nil)
    #expect(termination.unprocessed.isEmpty)
    for state in termination.states {
      #expect(state.misrouted == 0 && state.malformed == 0 && state.rejected == 0)
    }
    return termination
  }

  @Test("asks from threads and tasks: every request answered exactly once, by its owner")
  func asks() async throws {
    let pool = try AskTests.makePool(workers: 2, capacity: 64)
    try pool.start()
    let askers = 8
    let perAsker = max(1, stressTotal / (2 * askers))
    let tally = AskTally()
    let threads = AskTests.askFromThreads(
      pool, threads: askers, perThread: perAsker, offset: 0, tally: tally)
    await AskTests.askFromTasks(
      pool, tasks: askers, perTask: perAsker, offset: askers * perAsker, tally: tally)
    for thread in threads { thread.join() }
    let termination = await pool.shutdownGracefully()
    let total = 2 * askers * perAsker
    #expect(tally.failed.isEmpty)
    let replied = tally.replied
    #expect(replied.count == total && replied.values.allSatisfy { $0 == 1 })
    #expect(eachOnce(termination.states.lazy.flatMap(\.answered), total: total))
  }

  @Test(
    "graceful shutdown loses nothing staged, in a lane, or held for a tick",
    arguments: [(2, 1, 1), (4, 2, 32), (3, 64, 1024)])
  func gracefulShutdownLosesNothing(workers: Int, laneCapacity: Int, stageCapacity: Int) throws {
    let total = Self.total(laneCapacity: laneCapacity)
    let hops = 5
    let pool = try WorkerPool(
      worker: RingWorker(),
      configuration: PoolConfiguration().withWorkerCount(workers)
        .withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(1024))
        .withMesh(
          MeshConfiguration().withLaneCapacity(laneCapacity).withStageCapacity(stageCapacity)))
    try pool.start()
    let feeder = OSThread.spawn(name: "ring-feeder") {
      for id in 0..<total {
        do {
          try pool.send(RingWorker.Message(id: id, hopsLeft: hops), toWorker: id % workers)
        } catch {
          Issue.record("send \(id): \(error)")
          return
        }
      }
    }
    feeder.join()
    // Shut down while most messages are still on their way round the ring.
    let termination = pool.shutdown()
    #expect(termination.failure == nil)
    #expect(termination.unprocessed.isEmpty)
    #expect(termination.states.allSatisfy { $0.rejected == 0 && $0.heldForTick.isEmpty })
    #expect(eachOnce(termination.states.lazy.flatMap(\.finished), total: total))
    let handled = termination.statistics.workers.map(\.processed).reduce(0, +)
    #expect(handled == UInt64(total * (hops + 1)))
  }
}
