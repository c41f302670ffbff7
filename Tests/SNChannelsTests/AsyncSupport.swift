import SNAtomics
import SNChannels
import Synchronization

/// Message counts for the async stress tests: at least 100k (the issue's
/// floor), more in release; `SN_ASYNC_MESSAGES` overrides.
enum AsyncStressSize {
  static var messages: Int {
    if let text = Environment.value("SN_ASYNC_MESSAGES"), let value = Int(text), value > 0 {
      return value
    }
    // ThreadSanitizer slows the hand-offs about 20x: keep that run short.
    if underThreadSanitizer { return 20_000 }
    #if DEBUG
      return 100_000
    #else
      return 1_000_000
    #endif
  }

  /// Whether the process runs under ThreadSanitizer (its runtime is linked in).
  static let underThreadSanitizer: Bool = {
    guard let handle = dlopen(nil, RTLD_NOW) else { return false }
    defer { dlclose(handle) }
    return dlsym(handle, "__tsan_init") != nil
  }()
}

enum Environment {
  static func value(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
  }
}

/// Polls `condition` (yielding the task) until it holds or about 10 s pass.
func eventually(_ condition: () -> Bool) async -> Bool {
  let deadline = MonotonicClock.deadline(after: .seconds(10))
  while !condition() {
    if MonotonicClock.nanoseconds > deadline { return false }
    try? await Task.sleep(for: .microseconds(200))
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
  let channel = try! Channel<Int>.mpmc(capacity: 1)
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
