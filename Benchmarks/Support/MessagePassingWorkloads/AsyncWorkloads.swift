// Async workloads: the same UInt64 stream as the thread workloads, moved
// between Swift concurrency tasks (and between a thread and a task), for the
// async rows of the message_passing suite. Each returns wall nanoseconds and
// traps if what arrives is wrong.

import SNAtomics
import SNChannels
import Synchronization

/// Hands a noncopyable endpoint to exactly one task.
final class Handoff<Value: ~Copyable & Sendable>: @unchecked Sendable {
  private var value: Value?
  init(_ value: consuming Value) { self.value = consume value }
  func take() -> Value { value.take()! }
}

/// One async producer task and one async consumer task over an SNChannels
/// SPSC channel (`try await send` / `for try await`).
public func asyncSPSC(capacity: Int, messages: Int) async -> UInt64 {
  let channel = try! SNChannel<UInt64>.spsc(capacity: capacity)
  let sender = Handoff(channel.sender)
  let receiver = Handoff(channel.receiver)
  let start = now()
  let producer = Task {
    var tx = sender.take()
    for value in 0..<UInt64(messages) { try! await tx.send(value) }
  }
  let consumer = Task { () -> UInt64 in
    var expected: UInt64 = 0
    for try await value in receiver.take().messages() {
      precondition(value == expected, "out of order")
      expected &+= 1
    }
    return expected
  }
  await producer.value
  let count = try! await consumer.value
  precondition(count == UInt64(messages), "lost messages")
  return now() - start
}

/// `producers` async producer tasks and one async consumer over an MPSC channel.
public func asyncMPSC(capacity: Int, messages: Int, producers: Int) async -> UInt64 {
  let channel = try! SNChannel<UInt64>.mpsc(capacity: capacity)
  let receiver = Handoff(channel.receiver)
  let each = messages / producers
  let start = now()
  var tasks: [Task<Void, Never>] = []
  for _ in 0..<producers {
    let mine = Handoff(channel.sender.clone())
    tasks.append(
      Task {
        var tx = mine.take()
        for value in 0..<UInt64(each) { try! await tx.send(value) }
      })
  }
  _ = consume channel.sender
  let consumer = Task { () -> UInt64 in
    var sum: UInt64 = 0
    var count = 0
    var rx = receiver.take()
    while let value = try? await rx.receive() {
      sum &+= value
      count += 1
    }
    precondition(count == each * producers, "lost messages")
    return sum
  }
  for task in tasks { await task.value }
  let sum = await consumer.value
  precondition(sum == UInt64(producers) * UInt64(each) * UInt64(each - 1) / 2, "bad sum")
  return now() - start
}

/// The baseline: an unbounded `AsyncStream` between two tasks.
public func asyncStreamBaseline(messages: Int) async -> UInt64 {
  let (stream, continuation) = AsyncStream<UInt64>.makeStream()
  let start = now()
  let producer = Task {
    for value in 0..<UInt64(messages) { continuation.yield(value) }
    continuation.finish()
  }
  let consumer = Task { () -> UInt64 in
    var expected: UInt64 = 0
    for await value in stream {
      precondition(value == expected, "out of order")
      expected &+= 1
    }
    return expected
  }
  await producer.value
  let received = await consumer.value
  precondition(received == UInt64(messages), "lost messages")
  return now() - start
}

/// Round trips between two OS threads over two SPSC channels with blocking
/// `send`/`receive`: the sync hop. Returns nanoseconds per one-way hop.
public func syncHop(rounds: Int) -> UInt64 {
  let ping = try! SNChannel<UInt64>.spsc(capacity: 1)
  let pong = try! SNChannel<UInt64>.spsc(capacity: 1)
  let echo = OSThread.spawn(taking: EchoPair(ping.receiver, pong.sender)) { pair in
    while let value = try? pair.rx.receive() { try! pair.tx.send(value) }
  }
  var tx = ping.sender
  var rx = pong.receiver
  let start = now()
  for round in 0..<UInt64(rounds) {
    try! tx.send(round)
    precondition(try! rx.receive() == round)
  }
  let elapsed = now() - start
  tx.close()
  echo.join()
  return elapsed / UInt64(2 * rounds)
}

/// The same round trips, with the echo side an async task: the hop from a
/// (blocking) thread into Swift concurrency and back.
public func syncToAsyncHop(rounds: Int) async -> UInt64 {
  let ping = try! SNChannel<UInt64>.spsc(capacity: 1)
  let pong = try! SNChannel<UInt64>.spsc(capacity: 1)
  let pair = Handoff(EchoPair(ping.receiver, pong.sender))
  let echo = Task {
    var pair = pair.take()
    while let value = try? await pair.rx.receive() { try! await pair.tx.send(value) }
  }
  let result = JoinBox()
  let thread = OSThread.spawn(taking: DrivePair(ping.sender, pong.receiver)) { pair in
    let start = now()
    for round in 0..<UInt64(rounds) {
      try! pair.tx.send(round)
      precondition(try! pair.rx.receive() == round)
    }
    result.store(now() - start)
  }  // the thread drops the pair here: the sender closes the channel
  // Never block a cooperative thread (join is a blocking wait): with two
  // cores the pool has two threads, and the echo task needs one of them.
  await joinOffPool(thread)
  await echo.value
  return result.load() / UInt64(2 * rounds)
}

struct EchoPair: ~Copyable, Sendable {
  var rx: SPSCReceiver<UInt64>
  var tx: SPSCSender<UInt64>
  init(_ rx: consuming SPSCReceiver<UInt64>, _ tx: consuming SPSCSender<UInt64>) {
    self.rx = rx
    self.tx = tx
  }
}

struct DrivePair: ~Copyable, Sendable {
  var tx: SPSCSender<UInt64>
  var rx: SPSCReceiver<UInt64>
  init(_ tx: consuming SPSCSender<UInt64>, _ rx: consuming SPSCReceiver<UInt64>) {
    self.tx = tx
    self.rx = rx
  }
}

final class JoinBox: Sendable {
  private let word = Atomic<UInt64>(0)
  func store(_ value: UInt64) { word.store(value, ordering: .releasing) }
  func load() -> UInt64 { word.load(ordering: .acquiring) }
}

// The echo methods touch actor state and are not inlined: a method whose
// inlined body needs no isolation lets the optimizer drop both executor
// hops (the loop then measured about 7 ns for either actor, pinned or not).

/// An actor whose methods run on a `PinnedExecutor`.
actor PinnedEcho {
  let executor: PinnedExecutor
  var calls: UInt64 = 0
  init(executor: PinnedExecutor) { self.executor = executor }
  nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
  @inline(never)
  func echo(_ value: UInt64) -> UInt64 {
    calls &+= 1
    return value
  }
}

/// An actor on the default executor, for comparison.
actor DefaultEcho {
  var calls: UInt64 = 0
  @inline(never)
  func echo(_ value: UInt64) -> UInt64 {
    calls &+= 1
    return value
  }
}

/// The same call with no executor hop: a nonisolated async function that
/// is not inlined, awaited from the same task.
@inline(never)
func plainEcho(_ value: UInt64) async -> UInt64 { value }

/// Which callee an executor-hop round trip goes to.
public enum HopTarget: String, Sendable, CaseIterable {
  /// A nonisolated async function: the call, without a hop.
  case plainCall = "plain-call"
  /// An actor on the default (global pool) executor.
  case defaultActor = "default-actor"
  /// An actor whose serial executor is a `PinnedExecutor`.
  case pinnedActor = "pinned-actor"
  /// The same, with the executor's worker never parking
  /// (`WaitStrategy.spinThenYield`): the hop without the worker's futex wake-up.
  case pinnedActorBusySpin = "pinned-actor-busy-spin"
}

/// Calls from a task on the global pool into `target` and back, `rounds`
/// times: nanoseconds per round trip (two executor hops for the actors).
///
/// `executor` is the pinned executor for the pinned targets; the caller
/// owns it (and shuts it down with the async `shutdown()`, which does not
/// join on a cooperative thread).
public func executorRoundTrip(
  _ target: HopTarget, rounds: Int, executor: PinnedExecutor
) async -> UInt64 {
  let start: UInt64
  switch target {
  case .plainCall:
    start = now()
    for round in 0..<UInt64(rounds) {
      let echoed = await plainEcho(round)
      precondition(echoed == round)
    }
  case .defaultActor:
    let actor = DefaultEcho()
    start = now()
    for round in 0..<UInt64(rounds) {
      let echoed = await actor.echo(round)
      precondition(echoed == round)
    }
  case .pinnedActor, .pinnedActorBusySpin:
    let actor = PinnedEcho(executor: executor)
    start = now()
    for round in 0..<UInt64(rounds) {
      let echoed = await actor.echo(round)
      precondition(echoed == round)
    }
  }
  return (now() - start) / UInt64(rounds)
}

/// Waits for `thread` without blocking a cooperative thread: another OS
/// thread does the blocking join and resumes the caller.
public func joinOffPool(_ thread: OSThread) async {
  await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
    _ = OSThread.spawn {
      thread.join()
      continuation.resume()
    }
  }
}

/// Runs an async workload to completion from synchronous code (a plain
/// thread), for runners that are not async.
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
  let parker = Parker()
  let box = ResultBox<T>()
  Task {
    box.value = await body()
    parker.unpark()
  }
  parker.park()
  return box.value!
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
  var value: T?
}
