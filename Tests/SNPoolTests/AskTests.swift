import SNAtomics
import SNPool
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Answers asks with the request and its own index; holds asks at or above
/// `holdFrom` unanswered, and throws on negative requests.
struct AnsweringWorker: AskableWorker {
  struct Reply: Sendable, Equatable {
    var request: Int
    var workerIndex: Int
  }

  enum Message: Sendable {
    case ask(Ask<Int, Reply>)
    case plain(Int)
  }

  struct State {
    var answered: [Int] = []
    var held: [Ask<Int, Reply>] = []
  }

  struct Failure: Error {}

  static let holdFrom = 1_000_000_000

  /// Holds a worker handling `.plain(-1)` until opened.
  final class Gate: Sendable {
    private let open = Atomic<Bool>(false)
    var isOpen: Bool { open.load(ordering: .acquiring) }
    func openNow() { open.store(true, ordering: .releasing) }
  }

  /// The gate of ``askHandedBackByStop()``, the one test that sends `.plain(-1)`.
  static let gate = Gate()

  static func message(asking ask: Ask<Int, Reply>) -> Message { .ask(ask) }

  func makeState(workerIndex: Int) -> State { State() }

  func handleMessage(
    _ envelope: Envelope<Message>, state: inout State, context: inout WorkerContext<Self>
  ) throws {
    let ask: Ask<Int, Reply>
    switch envelope.message {
    case .ask(let message): ask = message
    case .plain(let milliseconds):
      if milliseconds < 0 {
        // Busy until the test opens the gate, however slow the machine.
        while !Self.gate.isOpen { usleep(1_000) }
      } else {
        usleep(UInt32(milliseconds) * 1000)  // keeps the worker busy
      }
      return
    }
    if ask.request < 0 { throw Failure() }
    if ask.request >= Self.holdFrom {
      state.held.append(ask)
      return
    }
    state.answered.append(ask.request)
    #expect(ask.reply(Reply(request: ask.request, workerIndex: context.workerIndex)))
    #expect(!ask.reply(Reply(request: -1, workerIndex: -1)), "only the first reply counts")
  }
}

/// What each asker saw: replies by request, and failures by reason.
///
/// Behind a pthread mutex, not `Synchronization.Mutex`: ThreadSanitizer
/// does not see the latter's ordering (see SNPool's `_Lock`).
final class AskTally: @unchecked Sendable {
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private var replies: [Int: Int] = [:]
  private var failures: [String: Int] = [:]

  init() { pthread_mutex_init(mutex, nil) }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  private func locked<T>(_ body: () -> T) -> T {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return body()
  }

  func reply(_ request: Int) { locked { replies[request, default: 0] += 1 } }

  func failure(_ error: AskError<Int>) {
    let key = "\(error.reason)\(error.wasDelivered ? " (delivered)" : "")"
    locked { failures[key, default: 0] += 1 }
  }

  var replied: [Int: Int] { locked { replies } }
  var failed: [String: Int] { locked { failures } }
}

@Suite("Ask the owner", .timeLimit(.minutes(2)))
struct AskTests {
  static func makePool(workers: Int = 2, capacity: Int = 64) throws -> WorkerPool<AnsweringWorker> {
    try WorkerPool(
      worker: AnsweringWorker(),
      configuration: PoolConfiguration().withWorkerCount(workers)
        .withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(capacity))
        .withErrorPolicy(.continueProcessing))
  }

  /// Blocking asks from `threads` threads, ids `offset + thread + k * threads`.
  static func askFromThreads(
    _ pool: WorkerPool<AnsweringWorker>, threads: Int, perThread: Int, offset: Int,
    tally: AskTally, untilError: Bool = false
  ) -> [OSThread] {
    (0..<threads).map { thread in
      OSThread.spawn(name: "asker-\(thread)") {
        for k in 0..<perThread {
          let id = offset + thread + k * threads
          do throws(AskError<Int>) {
            let reply = try pool.ask(id, key: id, timeout: .seconds(30))
            #expect(reply == .init(request: id, workerIndex: pool.workerIndex(for: id)))
            tally.reply(id)
          } catch {
            #expect(error.request == id)
            tally.failure(error)
            if untilError { return }
          }
        }
      }
    }
  }

  /// Async asks from `tasks` tasks, ids as for ``askFromThreads``.
  static func askFromTasks(
    _ pool: WorkerPool<AnsweringWorker>, tasks: Int, perTask: Int, offset: Int,
    tally: AskTally, untilError: Bool = false
  ) async {
    await withTaskGroup(of: Void.self) { group in
      for task in 0..<tasks {
        group.addTask {
          for k in 0..<perTask {
            let id = offset + task + k * tasks
            do throws(AskError<Int>) {
              let reply = try await pool.ask(id, key: id, timeout: .seconds(30))
              #expect(reply == .init(request: id, workerIndex: pool.workerIndex(for: id)))
              tally.reply(id)
            } catch {
              #expect(error.request == id)
              tally.failure(error)
              if untilError { return }
            }
          }
        }
      }
    }
  }

  @Test("every ask gets exactly its reply, from its owner, with async and blocking askers")
  func exactlyOnce() async throws {
    let pool = try Self.makePool(capacity: 8)
    try pool.start()
    let perAsker = min(stressTotal / 16, 2_000)
    let tally = AskTally()
    let threads = Self.askFromThreads(
      pool, threads: 3, perThread: perAsker, offset: 0, tally: tally)
    await Self.askFromTasks(pool, tasks: 3, perTask: perAsker, offset: 3 * perAsker, tally: tally)
    for thread in threads { thread.join() }
    let termination = await pool.shutdownGracefully()
    let total = 6 * perAsker
    #expect(tally.failed.isEmpty)
    #expect(tally.replied.count == total && tally.replied.values.allSatisfy { $0 == 1 })
    let answered = termination.states.flatMap(\.answered)
    #expect(answered.count == total && Set(answered) == Set(0..<total))
  }

  @Test("a timed-out ask hands its request back, and the worker sees it abandoned")
  func timeoutHandsRequestBack() async throws {
    let pool = try Self.makePool()
    try pool.start()
    let held = AnsweringWorker.holdFrom
    let error = await #expect(throws: AskError<Int>.self) {
      try await pool.ask(held + 1, key: 7, timeout: .milliseconds(50))
    }
    #expect(
      error?.reason == .timedOut && error?.request == held + 1 && error?.wasDelivered == true
        && error?.workerIndex == pool.workerIndex(for: 7))
    let blocking = OSThread.spawn(name: "asker") {
      let error = #expect(throws: AskError<Int>.self) {
        try pool.ask(held + 2, toWorker: 1, timeout: .milliseconds(50))
      }
      #expect(
        error?.reason == .timedOut && error?.request == held + 2 && error?.wasDelivered == true)
    }
    blocking.join()
    let termination = await pool.shutdownGracefully()
    let kept = termination.states.flatMap(\.held)
    #expect(kept.map(\.request).sorted() == [held + 1, held + 2])
    #expect(kept.allSatisfy { $0.isAbandoned })
    #expect(kept.allSatisfy { !$0.reply(.init(request: 0, workerIndex: 0)) })
  }

  @Test("an ask the handler drops unanswered fails with noReply, not at the timeout")
  func droppedAskFailsAtOnce() async throws {
    let pool = try Self.makePool()
    try pool.start()
    let start = ContinuousClock.now
    let error = await #expect(throws: AskError<Int>.self) {
      try await pool.ask(-5, key: 1, timeout: .seconds(60))
    }
    #expect(error?.reason == .noReply && error?.request == -5 && error?.wasDelivered == true)
    let blocking = OSThread.spawn(name: "asker") {
      let error = #expect(throws: AskError<Int>.self) {
        try pool.ask(-6, toWorker: 0, timeout: .seconds(60))
      }
      #expect(error?.reason == .noReply && error?.request == -6)
    }
    blocking.join()
    #expect(ContinuousClock.now - start < .seconds(30))
    // The pool still answers after the handler threw.
    #expect(try await pool.ask(5, key: 5, timeout: .seconds(30)).request == 5)
    _ = await pool.shutdownGracefully()
  }

  @Test("an ask after shutdown fails with shutDown and hands the request back")
  func askAfterShutdown() async throws {
    let pool = try Self.makePool()
    _ = await pool.shutdownGracefully()
    let error = await #expect(throws: AskError<Int>.self) {
      try await pool.ask(3, key: 3, timeout: .seconds(1))
    }
    #expect(error?.reason == .shutDown && error?.request == 3 && error?.wasDelivered == false)
    let blocking = OSThread.spawn(name: "asker") {
      let error = #expect(throws: AskError<Int>.self) {
        try pool.ask(4, key: 4, timeout: .seconds(1))
      }
      #expect(error?.reason == .shutDown && error?.request == 4 && error?.wasDelivered == false)
    }
    blocking.join()
  }

  @Test("asks that stop() hands back fail with noReply once the termination is dropped")
  func askHandedBackByStop() async throws {
    let pool = try Self.makePool(workers: 1)
    try pool.start()
    try await pool.send(.plain(-1), toWorker: 0)
    // Asked only once the worker took the busy message alone, so the asks
    // queue behind it (stop() ends the batch being handled, not the queue).
    while pool.statistics.received == 0 { await Task.yield() }
    #expect(pool.statistics.received == 1)
    let tally = AskTally()
    let askers = Self.askFromThreads(pool, threads: 3, perThread: 1, offset: 0, tally: tally)
    // The asks queue behind the worker, held at the gate: waited for, not
    // slept on (under the full parallel suite an asker thread can start
    // more than a second late).
    let queued = ContinuousClock.now
    while pool.statistics.queueDepth < 3, ContinuousClock.now - queued < .seconds(60) {
      usleep(1_000)
    }
    #expect(pool.statistics.queueDepth == 3)
    let start = ContinuousClock.now
    // The gate opens once stop() has begun: stop() requests the stop before
    // it joins the worker, so the busy handler returns into a stopped loop.
    let opener = OSThread.spawn(name: "gate") {
      usleep(300_000)
      AnsweringWorker.gate.openNow()
    }
    defer { opener.join() }
    do {
      let termination = pool.stop()
      let handedBack = termination.unprocessed.compactMap { envelope -> Int? in
        if case .ask(let ask) = envelope.message { return ask.request }
        return nil
      }
      #expect(handedBack.sorted() == [0, 1, 2])
    }  // the termination, and the asks in it, go away here
    for asker in askers { asker.join() }
    #expect(tally.failed == ["\(PoolError.noReply) (delivered)": 3])
    #expect(ContinuousClock.now - start < .seconds(10), "not at the 30 s timeout")
  }

  @Test("an ask held in a state fails with noReply once the termination is dropped")
  func askHeldInStateAtShutdown() async throws {
    let pool = try Self.makePool(workers: 1)
    try pool.start()
    let asker = Task { () async throws(AskError<Int>) -> AnsweringWorker.Reply in
      try await pool.ask(AnsweringWorker.holdFrom + 1, key: 1, timeout: .seconds(30))
    }
    while pool.statistics.processed == 0 { await Task.yield() }
    let start = ContinuousClock.now
    do {
      let termination = await pool.shutdownGracefully()
      #expect(termination.states.map(\.held.count) == [1])
    }  // the state, and the ask it holds, go away here
    let error = await #expect(throws: AskError<Int>.self) { try await asker.value }
    #expect(error?.reason == .noReply && error?.request == AnsweringWorker.holdFrom + 1)
    #expect(ContinuousClock.now - start < .seconds(10), "not at the 30 s timeout")
  }

  @Test(
    "asks racing a shutdown each get their reply or a typed error, none hangs",
    arguments: [false, true])
  func askRacingShutdown(immediate: Bool) async throws {
    let pool = try Self.makePool(capacity: 4)
    try pool.start()
    let tally = AskTally()
    let perAsker = 1_000_000  // until the shutdown stops them
    let threads = Self.askFromThreads(
      pool, threads: 2, perThread: perAsker, offset: 0, tally: tally, untilError: true)
    let stopper = OSThread.spawn(name: "stopper") {
      usleep(20_000)
      // Dropping the termination drops the asks that `stop()` handed back
      // unanswered: their askers fail with noReply.
      _ = immediate ? pool.stop() : pool.shutdown()
    }
    await Self.askFromTasks(
      pool, tasks: 2, perTask: perAsker, offset: 100_000_000, tally: tally, untilError: true)
    for thread in threads { thread.join() }
    stopper.join()
    // For the statistics: the states went to `stopper`.
    let termination = await pool.shutdownGracefully()
    let failed = tally.failed
    let allowed: Set<String> =
      immediate
      ? ["\(PoolError.shutDown)", "\(PoolError.noReply) (delivered)"] : ["\(PoolError.shutDown)"]
    #expect(Set(failed.keys).isSubset(of: allowed))
    #expect(failed.values.reduce(0, +) == 4, "each asker stopped at its first error")
    #expect(tally.replied.values.allSatisfy { $0 == 1 })
    #expect(UInt64(tally.replied.count) <= termination.statistics.processed)
  }
}
