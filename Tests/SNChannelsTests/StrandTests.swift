import SNAtomics
import SNChannels
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One element that takes `delayMicros` to read. A batch send claims its
/// slots first and reads the collection afterwards, so sending this keeps a
/// claimed slot unwritten for that long: the in-flight window of the audit
/// (a sender preempted between its claim and its publish), made
/// deterministic.
struct SlowOne: Collection, Sendable {
  let value: Int
  let delayMicros: UInt32
  var startIndex: Int { 0 }
  var endIndex: Int { 1 }
  func index(after index: Int) -> Int { index + 1 }
  subscript(index: Int) -> Int {
    usleep(delayMicros)
    return value
  }
}

/// Which small values were received, and how many receives returned, from
/// any thread or task (atomics only, so ThreadSanitizer sees everything).
final class Deliveries: Sendable {
  private let seen = Atomic<Int>(0)
  private let returned = Atomic<Int>(0)
  private let duplicated = Atomic<Bool>(false)

  func note(_ value: Int) {
    let old = seen.bitwiseOr(1 << value, ordering: .relaxed).oldValue
    if old & (1 << value) != 0 { duplicated.store(true, ordering: .relaxed) }
    returned.wrappingAdd(1, ordering: .releasing)
  }

  var count: Int { returned.load(ordering: .acquiring) }

  /// Whether exactly the values `0..<count` arrived, each once.
  func isExactly(_ count: Int) -> Bool {
    !duplicated.load(ordering: .relaxed) && seen.load(ordering: .relaxed) == (1 << count) - 1
  }
}

/// Polls `condition` from a thread (not a task) until it holds or `seconds` pass.
func waitOnThread(seconds: Double, until condition: () -> Bool) -> Bool {
  let deadline = MonotonicClock.deadline(after: .milliseconds(Int(seconds * 1000)))
  while !condition() {
    if MonotonicClock.nanoseconds > deadline { return false }
    usleep(200)
  }
  return true
}

/// Polls `condition` from a task until it holds or `seconds` pass.
func waitInTask(seconds: Double, until condition: () -> Bool) async -> Bool {
  let deadline = MonotonicClock.deadline(after: .milliseconds(Int(seconds * 1000)))
  while !condition() {
    if MonotonicClock.nanoseconds > deadline { return false }
    try? await Task.sleep(for: .microseconds(200))
  }
  return true
}

/// Two MPMC receivers for one `select` thread: the channel under test and an
/// idle one.
struct SelectPair: ~Copyable, Sendable {
  var busy: MPMCReceiver<Int>
  var idle: MPMCReceiver<Int>
}

/// The audit's stranded-element reproduction (issue 15, item 1): every
/// receiver is asleep; a sender claims slot 0 and holds it unwritten for
/// ``window`` while the others are published behind it. Each published
/// element's wake-up goes to a receiver that finds slot 0 empty; once slot 0
/// is written, every receiver must get an element. Before the fix a receiver
/// went back to sleep and an element stayed in the channel (3 of 3 runs).
@Suite struct StrandTests {
  /// How long slot 0 stays claimed and unwritten.
  static let window: UInt32 = 20_000
  /// Trials per receiver kind (half with 2 receivers, half with 3).
  static var trials: Int { AsyncStressSize.underThreadSanitizer ? 10 : 100 }
  /// Failed trials after which a kind stops (keeps a failing run short).
  static let stopAfterFailures = 3

  @Test func blockingReceivers() throws {
    var failures = 0
    for trial in 0..<Self.trials where failures < Self.stopAfterFailures {
      if try !blockingTrial(receivers: 2 + trial % 2) { failures += 1 }
    }
    #expect(failures == 0, "stranded in \(failures) trials")
  }

  @Test func asyncReceivers() async throws {
    var failures = 0
    for trial in 0..<Self.trials where failures < Self.stopAfterFailures {
      if try await !asyncTrial(receivers: 2 + trial % 2) { failures += 1 }
    }
    #expect(failures == 0, "stranded in \(failures) trials")
  }

  @Test func selectingThreads() throws {
    var failures = 0
    for trial in 0..<Self.trials where failures < Self.stopAfterFailures {
      if try !selectTrial(receivers: 2 + trial % 2) { failures += 1 }
    }
    #expect(failures == 0, "stranded in \(failures) trials")
  }

  /// Claims slot 0 for ``window`` from another thread, publishes `1..<count`
  /// behind it, and returns once slot 0 is written.
  private func sendAroundAnOpenSlot(_ tx: borrowing MultiSender<Int>, count: Int) throws {
    let slow = OSThread.spawn(taking: tx.clone()) { sender in
      _ = try? sender.trySend(contentsOf: SlowOne(value: 0, delayMicros: Self.window))
    }
    #expect(waitOnThread(seconds: 2) { tx.stats.sent >= 1 })
    for value in 1..<count { try tx.trySend(value) }
    slow.join()
  }

  private func blockingTrial(receivers: Int) throws -> Bool {
    let channel = try SNChannel<Int>.mpmc(capacity: 8)
    let tx = channel.sender
    let rx = channel.receiver
    let got = Deliveries()
    var threads: [OSThread] = []
    for _ in 0..<receivers {
      threads.append(
        OSThread.spawn(taking: rx.clone()) { receiver in
          if let value = try? receiver.receive() { got.note(value) }
        })
    }
    #expect(waitOnThread(seconds: 2) { tx.parkedThreads.receivers == receivers })
    try sendAroundAnOpenSlot(tx, count: receivers)
    let delivered = waitOnThread(seconds: 1) { got.count == receivers }
    _ = consume tx  // the last sender: wakes any receiver still asleep
    for thread in threads { thread.join() }
    #expect(got.isExactly(receivers))
    return delivered
  }

  private func asyncTrial(receivers: Int) async throws -> Bool {
    let channel = try SNChannel<Int>.mpmc(capacity: 8)
    let tx = channel.sender
    let rx = channel.receiver
    let got = Deliveries()
    var tasks: [Task<Void, Never>] = []
    for _ in 0..<receivers {
      tasks.append(
        Task(taking: rx.clone()) { receiver in
          var iterator = receiver.clone().messages().makeAsyncIterator()
          if let value = try? await iterator.next() { got.note(value) }
        })
    }
    #expect(await waitInTask(seconds: 2) { tx.registeredWaiters.receivers == receivers })
    let slow = spawnThread(taking: tx.clone()) { sender in
      _ = try? sender.trySend(contentsOf: SlowOne(value: 0, delayMicros: Self.window))
    }
    #expect(await waitInTask(seconds: 2) { tx.stats.sent >= 1 })
    for value in 1..<receivers { try tx.trySend(value) }
    await slow.join()
    let delivered = await waitInTask(seconds: 1) { got.count == receivers }
    _ = consume tx
    for task in tasks { await task.value }
    #expect(got.isExactly(receivers))
    return delivered
  }

  private func selectTrial(receivers: Int) throws -> Bool {
    let channel = try SNChannel<Int>.mpmc(capacity: 8)
    let idle = try SNChannel<Int>.mpmc(capacity: 2)
    let tx = channel.sender
    let rx = channel.receiver
    let got = Deliveries()
    var threads: [OSThread] = []
    for _ in 0..<receivers {
      let pair = SelectPair(busy: rx.clone(), idle: idle.receiver.clone())
      threads.append(
        OSThread.spawn(taking: pair) { pair in
          if case .first(let value) = try? Select.receive(from: &pair.busy, &pair.idle) {
            got.note(value)
          }
        })
    }
    #expect(waitOnThread(seconds: 2) { tx.registeredWaiters.receivers == receivers })
    try sendAroundAnOpenSlot(tx, count: receivers)
    let delivered = waitOnThread(seconds: 1) { got.count == receivers }
    _ = consume tx
    _ = consume idle  // closes the idle arm too, so every select returns
    for thread in threads { thread.join() }
    #expect(got.isExactly(receivers))
    return delivered
  }
}
