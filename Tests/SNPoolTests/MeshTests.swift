import SNAtomics
import SNPartition
import SNPool
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Every worker floods every other worker through the mesh, and answers
/// each flood message with a reply to its sender.
struct FloodWorker: Worker {
  enum Message: Sendable {
    /// Send the next chunk of floods, starting at `next`.
    case generate(next: Int)
    case flood(from: Int, sequence: Int)
    case reply(sequence: Int)
  }

  struct State {
    var workerIndex: Int
    /// Per source worker: the flood sequence numbers seen, in arrival order.
    var floods: [[Int]]
    var replies: [Int] = []
    var errors = 0
  }

  let perPeer: Int
  let workerCount: Int

  func makeState(workerIndex: Int) -> State {
    State(workerIndex: workerIndex, floods: Array(repeating: [], count: workerCount))
  }

  func handleMessage(
    _ envelope: Envelope<Message>, state: inout State, context: inout WorkerContext<Self>
  ) {
    do {
      switch envelope.message {
      case .generate(let next):
        let end = min(perPeer, next + 64)
        for sequence in next..<end {
          for peer in 0..<context.workerCount where peer != context.workerIndex {
            try context.send(.flood(from: context.workerIndex, sequence: sequence), toWorker: peer)
          }
        }
        if end < perPeer { try context.send(.generate(next: end), toWorker: context.workerIndex) }
      case .flood(let from, let sequence):
        state.floods[from].append(sequence)
        try context.send(.reply(sequence: sequence), toWorker: from)
      case .reply(let sequence):
        state.replies.append(sequence)
      }
    } catch {
      state.errors += 1
    }
  }
}

/// Forwards each message once to the next worker, which records it.
struct ForwardWorker: Worker {
  struct Message: Sendable {
    var id: Int
    var hops: Int
  }

  struct State {
    var recorded: [Int] = []
    /// Messages the mesh handed back (backlog full).
    var rejected: [Int] = []
    var slow = false
  }

  var slowReceiver = false

  func makeState(workerIndex: Int) -> State { State(slow: slowReceiver && workerIndex == 1) }

  func handleMessage(
    _ envelope: Envelope<Message>, state: inout State, context: inout WorkerContext<Self>
  ) throws {
    var message = envelope.message
    if message.hops == 0 {
      message.hops = 1
      do {
        try context.send(message, toWorker: (context.workerIndex + 1) % context.workerCount)
      } catch {
        #expect(error.reason == .queueFull)
        state.rejected.append(error.message.id)
      }
    } else {
      if state.slow { usleep(200) }
      state.recorded.append(message.id)
    }
  }
}

/// Routes each message by key over the mesh; the owner records the key.
struct KeyedWorker: Worker {
  struct Message: Sendable {
    var key: Int
    var forwarded: Bool
  }

  struct State {
    var owned: [Int] = []
    var misrouted = 0
  }

  func makeState(workerIndex: Int) -> State { State() }

  func handleMessage(
    _ envelope: Envelope<Message>, state: inout State, context: inout WorkerContext<Self>
  ) throws {
    let message = envelope.message
    if message.forwarded {
      if context.meshOwner(of: message.key) != context.workerIndex { state.misrouted += 1 }
      state.owned.append(message.key)
    } else {
      try context.send(Message(key: message.key, forwarded: true), key: message.key)
    }
  }
}

@Suite("Worker mesh")
struct MeshTests {
  @Test(
    "every worker floods every other through tiny lanes: no deadlock, exactly once, in order",
    .timeLimit(.minutes(1)),  // a deadlock shows as a failure, not a hang
    arguments: [(4, 1, 1), (3, 1, 4), (2, 2, 64)])
  func flood(workers: Int, laneCapacity: Int, stageCapacity: Int) throws {
    let perPeer = 3_000
    let pool = try WorkerPool(
      worker: FloodWorker(perPeer: perPeer, workerCount: workers),
      configuration: PoolConfiguration()
        .withWorkerCount(workers)
        .withMesh(
          MeshConfiguration().withLaneCapacity(laneCapacity).withStageCapacity(stageCapacity)))
    try pool.start()
    for worker in 0..<workers { try pool.send(.generate(next: 0), toWorker: worker) }
    // Shut down at once: everything staged or in flight must still arrive.
    let termination = pool.shutdown()
    #expect(termination.unprocessed.isEmpty)
    #expect(termination.states.count == workers)
    for state in termination.states {
      #expect(state.errors == 0)
      for source in 0..<workers where source != state.workerIndex {
        // Exactly once and in send order, per ordered pair.
        #expect(state.floods[source] == Array(0..<perPeer), "\(source) -> \(state.workerIndex)")
      }
      #expect(state.floods[state.workerIndex].isEmpty)
      #expect(state.replies.count == perPeer * (workers - 1))
      var counts = [Int](repeating: 0, count: perPeer)
      for sequence in state.replies { counts[sequence] += 1 }
      #expect(counts.allSatisfy { $0 == workers - 1 })
    }
    let handled = termination.statistics.workers.map(\.processed).reduce(0, +)
    // generate messages + floods + replies.
    let generates = workers * ((perPeer + 63) / 64)
    #expect(handled == UInt64(generates + 2 * perPeer * workers * (workers - 1)))
  }

  @Test("sends by key reach the key's owner; a worker's own keys take no lane")
  func keyed() throws {
    let workers = 3
    let pool = try WorkerPool(
      worker: KeyedWorker(),
      configuration: PoolConfiguration().withWorkerCount(workers).withMesh(MeshConfiguration()))
    try pool.start()
    let keys = 5_000
    for key in 0..<keys {
      try pool.send(KeyedWorker.Message(key: key, forwarded: false), toWorker: key % workers)
    }
    let termination = pool.shutdown()
    var seen = [Int](repeating: 0, count: keys)
    for state in termination.states {
      #expect(state.misrouted == 0)
      for key in state.owned { seen[key] += 1 }
    }
    #expect(seen.allSatisfy { $0 == 1 })
    #expect(termination.unprocessed.isEmpty)
  }

  @Test("a full backlog hands the message back; nothing is lost")
  func backlogFull() throws {
    let pool = try WorkerPool(
      worker: ForwardWorker(slowReceiver: true),
      configuration: PoolConfiguration().withWorkerCount(2)
        .withErrorPolicy(.continueProcessing)
        .withMesh(
          MeshConfiguration().withLaneCapacity(1).withStageCapacity(1).withMaxBacklog(2)))
    try pool.start()
    let total = 300
    // Worker 0 forwards every message to the slow worker 1 at once.
    for id in 0..<total { try pool.send(ForwardWorker.Message(id: id, hops: 0), toWorker: 0) }
    let termination = pool.shutdown()
    let recorded = termination.states.flatMap(\.recorded)
    let rejected = termination.states.flatMap(\.rejected)
    #expect(!rejected.isEmpty)
    #expect((recorded + rejected).sorted() == Array(0..<total))
  }

  @Test("an immediate stop hands back what is staged and in the lanes")
  func stopHandsBack() throws {
    for _ in 0..<5 {
      let workers = 3
      let pool = try WorkerPool(
        worker: ForwardWorker(),
        configuration: PoolConfiguration().withWorkerCount(workers)
          .withMesh(MeshConfiguration().withLaneCapacity(2).withStageCapacity(4)))
      try pool.start()
      let total = 20_000
      for id in 0..<total {
        try pool.send(ForwardWorker.Message(id: id, hops: 0), toWorker: id % workers)
      }
      let termination = pool.stop()
      var seen = [Int](repeating: 0, count: total)
      for state in termination.states { for id in state.recorded { seen[id] += 1 } }
      for envelope in termination.unprocessed { seen[envelope.message.id] += 1 }
      #expect(seen.allSatisfy { $0 == 1 })
    }
  }

  @Test("bad mesh settings: a typed error naming the setting")
  func badSettings() {
    for (mesh, setting) in [
      (MeshConfiguration().withLaneCapacity(0), "laneCapacity"),
      (MeshConfiguration().withStageCapacity(0), "stageCapacity"),
      (MeshConfiguration().withMaxBacklog(-1), "maxBacklog"),
    ] {
      #expect {
        try WorkerPool(
          worker: ForwardWorker(),
          configuration: PoolConfiguration().withWorkerCount(2).withMesh(mesh))
      } throws: { error in
        (error as? PoolConfigurationError) == .invalidMeshConfiguration
          && "\(error)".contains(setting)
      }
    }
  }
}
