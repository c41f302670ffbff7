import SNAtomics
import Synchronization

// Checked continuations trap on a double resume and report a leak. They are
// used in release builds too: with Swift 6.3.1 the UnsafeContinuation variant
// of the same code hung in release builds (the suspended task was never
// resumed), while the checked one passes; the extra cost (about 70 ns) is
// paid only when a task really suspends.
@usableFromInline typealias _Continuation = CheckedContinuation<Void, Never>

/// One waiter that does not sleep on a futex: an async task suspended on a
/// continuation, or a thread in `select` parked on its own ``Parker``.
///
/// It may be registered in several queues at once (one per `select` arm);
/// whoever moves it out of `waiting` first (a waker, the cancellation
/// handler) owns the wake-up, so its continuation is resumed exactly once.
/// Every transition happens under `state`'s lock; the continuation is taken
/// out of the lock before it is resumed.
@usableFromInline
final class _Waiter: @unchecked Sendable {
  @usableFromInline
  enum Phase: Sendable {
    case waiting
    /// Woken by the queue registered with this tag.
    case fired(tag: Int)
    case cancelled
  }

  @usableFromInline
  struct State: Sendable {
    var phase = Phase.waiting
    var continuation: _Continuation?
  }

  let state = _SpinLocked(State())
  /// Set for thread waiters (sync `select`); `nil` for tasks.
  let parker: Parker?

  init(parker: Parker? = nil) { self.parker = parker }

  /// Moves the waiter to `fired` unless someone else got there first.
  ///
  /// - Returns: Whether this call woke it.
  func fire(tag: Int) -> Bool {
    let (didFire, continuation) = state.withLock {
      state -> (Bool, _Continuation?) in
      guard case .waiting = state.phase else { return (false, nil) }
      state.phase = .fired(tag: tag)
      defer { state.continuation = nil }
      return (true, state.continuation)
    }
    if didFire {
      continuation?.resume()
      parker?.unpark()
    }
    return didFire
  }

  /// Moves the waiter to `cancelled` unless it was woken already.
  func cancel() {
    let continuation = state.withLock { state -> _Continuation? in
      guard case .waiting = state.phase else { return nil }
      state.phase = .cancelled
      defer { state.continuation = nil }
      return state.continuation
    }
    continuation?.resume()
  }

  /// Parks the task's continuation, or resumes it at once if the waiter was
  /// woken or cancelled before the task got here.
  func suspend(_ continuation: _Continuation) {
    let parked = state.withLock { state -> Bool in
      guard case .waiting = state.phase else { return false }
      assert(state.continuation == nil, "a waiter suspends once")
      state.continuation = continuation
      return true
    }
    if !parked { continuation.resume() }
  }

  /// The phase now (after the wait: how it ended).
  var phase: Phase { state.withLock { $0.phase } }
}

/// The waiters of one side of a channel that do not sleep on its futex, and
/// the observer of that side's ``UnsafeEventCount``.
///
/// Protocol (the futex protocol with a list instead of a futex): a waiter
/// appends itself here, adds ``UnsafeEventCount/observerUnit`` to the state
/// word, runs ``AsymmetricFence/heavy()`` and re-checks its condition before
/// it suspends. A notifier publishes, runs the light fence and reads the state
/// word (``UnsafeEventCount/notify(_:count:)``); it sees the unit, and
/// ``UnsafeEventCount/wake(count:)`` calls ``eventCountDidWake(count:)``,
/// which takes waiters out of the list and fires them. If the notifier's load
/// misses the unit, the fence pair guarantees that the waiter's re-check sees
/// what the notifier published. Each list entry stands for one unit in the
/// state word; whoever removes the entry (waker or the waiter itself, under
/// the lock) subtracts it.
@usableFromInline
final class _WaiterQueue: UnsafeEventCountObserver, @unchecked Sendable {
  struct Entry {
    let waiter: _Waiter
    let tag: Int
  }

  let stateWord: UnsafeMutablePointer<Atomic<Int>>
  let entries = _SpinLocked<[Entry]>([])

  init(state: UnsafeMutablePointer<Atomic<Int>>) { self.stateWord = state }

  /// Adds `waiter` and counts it into the state word (the caller then fences
  /// and re-checks).
  func register(_ waiter: _Waiter, tag: Int) {
    entries.withLock { $0.append(Entry(waiter: waiter, tag: tag)) }
    stateWord.pointee.wrappingAdd(UnsafeEventCount.observerUnit, ordering: .sequentiallyConsistent)
  }

  /// Removes `waiter` if a waker has not taken it out already.
  func deregister(_ waiter: _Waiter) {
    let removed = entries.withLock { entries -> Bool in
      guard let index = entries.firstIndex(where: { $0.waiter === waiter }) else { return false }
      entries.remove(at: index)
      return true
    }
    if removed {
      stateWord.pointee.wrappingSubtract(UnsafeEventCount.observerUnit, ordering: .relaxed)
    }
  }

  /// Fires up to `count` waiters, oldest first; entries whose waiter was
  /// already fired elsewhere (another `select` arm) or cancelled do not count.
  @usableFromInline
  func eventCountDidWake(count: Int) {
    var woken = 0
    while woken < count {
      guard
        let entry = entries.withLock({ entries -> Entry? in
          entries.isEmpty ? nil : entries.removeFirst()
        })
      else { return }
      stateWord.pointee.wrappingSubtract(UnsafeEventCount.observerUnit, ordering: .relaxed)
      if entry.waiter.fire(tag: entry.tag) { woken += 1 }
    }
  }
}

/// How an async wait on one channel side ended.
@usableFromInline
enum _WaitOutcome: Sendable {
  /// The condition held at the re-check: nothing was consumed.
  case ready
  /// A notifier woke this waiter: it owes the side a wake-up if it leaves
  /// without acting on it.
  case woken
  /// The task was cancelled while waiting.
  case cancelled
}

/// Spins briefly, then suspends the current task until `queue` fires it,
/// the task is cancelled, or `ready()` holds at the re-check.
///
/// Never blocks a thread: the longest busy stretch is the short spin.
nonisolated(nonsending)
  func _awaitReady(
    _ queue: _WaiterQueue, fence: AsymmetricFence, strategy: WaitStrategy,
    ready: () -> Bool
  ) async -> _WaitOutcome
{
  // A peer running on another core usually frees the ring within a few
  // hundred nanoseconds, much less than a suspend/resume.
  for round in 0...min(strategy.spinExponent, 6) {
    if ready() { return .ready }
    for _ in 0..<(1 << round) { Backoff.pause() }
  }
  let waiter = _Waiter()
  queue.register(waiter, tag: 0)
  fence.heavy()
  if ready() {
    queue.deregister(waiter)
    if waiter.fireSelf() { return .ready }
    return .woken
  }
  await withTaskCancellationHandler {
    await withCheckedContinuation { (continuation: _Continuation) in
      waiter.suspend(continuation)
    }
  } onCancel: {
    waiter.cancel()
  }
  switch waiter.phase {
  case .fired: return .woken
  case .cancelled, .waiting:
    queue.deregister(waiter)
    return .cancelled
  }
}

extension _Waiter {
  /// Claims the waiter for its own re-check (no continuation exists yet).
  ///
  /// - Returns: `false` if a waker fired it first (the caller owes the wake-up).
  func fireSelf() -> Bool { fire(tag: -1) }
}

extension _ChannelControl {
  /// Registered async/select waiters on each side (for tests).
  var registeredWaiters: (receivers: Int, senders: Int) {
    (
      receiverEvents.state.pointee.load(ordering: .relaxed) >> 32,
      senderEvents.state.pointee.load(ordering: .relaxed) >> 32
    )
  }
}

extension SPSCSender {
  /// Async waiters registered on each side of the channel, for tests.
  package var registeredWaiters: (receivers: Int, senders: Int) {
    storage.control.registeredWaiters
  }
}

extension SPSCReceiver {
  /// Async waiters registered on each side of the channel, for tests.
  package var registeredWaiters: (receivers: Int, senders: Int) {
    storage.control.registeredWaiters
  }
}

extension MultiSender {
  /// Async waiters registered on each side of the channel, for tests.
  package var registeredWaiters: (receivers: Int, senders: Int) {
    ring.control.registeredWaiters
  }
}

extension MPSCReceiver {
  /// Async waiters registered on each side of the channel, for tests.
  package var registeredWaiters: (receivers: Int, senders: Int) {
    ring.control.registeredWaiters
  }
}

extension MPMCReceiver {
  /// Async waiters registered on each side of the channel, for tests.
  package var registeredWaiters: (receivers: Int, senders: Int) {
    ring.control.registeredWaiters
  }
}
