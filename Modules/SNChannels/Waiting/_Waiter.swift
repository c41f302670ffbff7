import SNAtomics
import Synchronization

// Release builds use unsafe continuations: the waiter's phase machine below
// resumes each one exactly once (whoever moves the waiter out of `waiting`
// takes the continuation out under the lock), which the stress and
// cancellation tests check. A suspension-bound A/B (both tasks on one
// thread, capacity 1) measured them about 14 % faster per message than
// checked ones. An earlier hang blamed on them was a blocking
// `OSThread.join()` in async code.
//
// Debug builds (and so the ThreadSanitizer runs) use checked continuations:
// they trap on a double resume and report a leaked continuation, and
// ThreadSanitizer sees the atomic exchange inside them. With unsafe ones it
// reports a race between `withUnsafeContinuation` and `resume` when the
// resume lands before the task has finished suspending, a path the
// runtime synchronises in code TSan does not see (swiftlang/swift#57803).
#if DEBUG
  @usableFromInline typealias _Continuation = CheckedContinuation<Void, Never>
#else
  @usableFromInline typealias _Continuation = UnsafeContinuation<Void, Never>
#endif

/// One waiter that does not sleep on a futex: an async task suspended on a
/// continuation, or a thread in `select` parked on its own `Parker`.
///
/// It may be registered in several queues at once (one per `select` arm);
/// whoever moves it out of `waiting` first (a waker, the cancellation
/// handler, the deadline timer) owns the wake-up, so its continuation is
/// resumed exactly once. Every transition happens under the waiter's own
/// lock; the continuation is taken out of the lock before it is resumed.
@usableFromInline
final class _Waiter: @unchecked Sendable {
  @usableFromInline
  enum Phase: Sendable {
    case waiting
    /// Woken by the queue registered with this tag.
    case fired(tag: Int)
    case cancelled
    /// The wait's deadline passed first.
    case timedOut
  }

  /// The lock (inline: one allocation per waiter, not two).
  private let lock = _SpinLock()
  private var phaseValue = Phase.waiting
  private var continuation: _Continuation?
  /// Set for thread waiters (sync `select`); `nil` for tasks.
  let parker: Parker?

  init(parker: Parker? = nil) { self.parker = parker }

  private func withLock<Result>(_ body: () -> Result) -> Result { lock.withLock(body) }

  /// Moves the waiter from `waiting` to `phase` and takes its continuation.
  private func leaveWaiting(to phase: Phase) -> (Bool, _Continuation?) {
    withLock {
      guard case .waiting = phaseValue else { return (false, nil) }
      phaseValue = phase
      defer { continuation = nil }
      return (true, continuation)
    }
  }

  /// Moves the waiter to `fired` unless someone else got there first.
  ///
  /// - Returns: Whether this call woke it.
  func fire(tag: Int) -> Bool {
    let (didFire, continuation) = leaveWaiting(to: .fired(tag: tag))
    if didFire {
      continuation?.resume()
      parker?.unpark()
    }
    return didFire
  }

  /// Moves the waiter to `cancelled` unless it was woken already.
  func cancel() {
    let (_, continuation) = leaveWaiting(to: .cancelled)
    continuation?.resume()
  }

  /// Moves the waiter to `timedOut` unless it was woken already.
  func expire() {
    let (didExpire, continuation) = leaveWaiting(to: .timedOut)
    if didExpire {
      continuation?.resume()
      parker?.unpark()
    }
  }

  /// Parks the task's continuation, or resumes it at once if the waiter was
  /// woken, cancelled or timed out before the task got here.
  func suspend(_ continuation: _Continuation) {
    let parked = withLock { () -> Bool in
      guard case .waiting = phaseValue else { return false }
      assert(self.continuation == nil, "a waiter suspends once")
      self.continuation = continuation
      return true
    }
    if !parked { continuation.resume() }
  }

  /// The phase now (after the wait: how it ended).
  var phase: Phase { withLock { phaseValue } }
}

extension _Waiter {
  /// Claims the waiter for its own re-check (no continuation exists yet).
  ///
  /// - Returns: `false` if a waker fired it first (the caller owes the wake-up).
  func fireSelf() -> Bool { fire(tag: -1) }
}
