import SNAtomics
import SNChannels
import Synchronization

/// Polls `condition` (yielding the task) until it holds or about 60 s pass.
///
/// The limit only bounds a failure: in CI's ThreadSanitizer step the whole
/// suite runs at once and a task may wait more than 10 s for a thread (a
/// cancelled-select test failed there on a 10 s limit).
func eventually(_ condition: () -> Bool) async -> Bool {
  let deadline = MonotonicClock.deadline(after: .seconds(60))
  while !condition() {
    if MonotonicClock.nanoseconds > deadline { return false }
    try? await Task.sleep(for: .microseconds(200))
  }
  return true
}

/// ``eventually(_:)`` for an OS thread: sleeps 100 µs at a time until
/// `condition` holds or about 60 s pass, and returns whether it held.
@discardableResult
func eventuallyOnThread(_ condition: () -> Bool) -> Bool {
  let deadline = MonotonicClock.deadline(after: .seconds(60))
  while !condition() {
    if MonotonicClock.nanoseconds > deadline { return false }
    sleepThread(microseconds: 100)
  }
  return true
}

/// An OS thread that async code can wait for without blocking a
/// cooperative thread: the thread signals its end through a channel the
/// task awaits, and only then is it joined (a join that returns at once).
/// A blocking join on the pool deadlocks as soon as the joined thread needs
/// work from the pool (two pool threads on a 2-core machine).
final class AsyncJoinable: @unchecked Sendable {
  private let thread: OSThread
  /// Received from once, by the one task that joins.
  private var finished: MPMCReceiver<Int>

  fileprivate init(_ thread: OSThread, _ finished: consuming MPMCReceiver<Int>) {
    self.thread = thread
    self.finished = finished
  }

  /// Suspends until the thread's body has returned, then joins it.
  func join() async {
    _ = try? await finished.receive()
    thread.join()
  }
}

private struct ThreadPayload<Value: ~Copyable & Sendable>: ~Copyable, Sendable {
  var value: Value
  let done: MultiSender<Int>
}

/// Starts an OS thread that owns `value` (as `OSThread.spawn(taking:)`),
/// for async tests: wait for it with ``AsyncJoinable/join()``.
func spawnThread<Value: ~Copyable & Sendable>(
  taking value: consuming Value, _ body: @escaping @Sendable (inout Value) -> Void
) -> AsyncJoinable {
  let channel = try! SNChannel<Int>.mpmc(capacity: 1)
  let payload = ThreadPayload(value: value, done: channel.sender)
  let thread = OSThread.spawn(taking: payload) { payload in
    body(&payload.value)
    try! payload.done.trySend(1)
  }
  return AsyncJoinable(thread, channel.receiver)
}

/// Sleeps the calling OS thread (not for use in tasks).
func sleepThread(microseconds: UInt32) { usleep(microseconds) }

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
