import SNAtomics
import Synchronization

/// One "something changed" signal of a lock-based channel kind (rendezvous,
/// broadcast, latest value): an ``UnsafeEventCount`` for threads, with a
/// ``_WaiterQueue`` as its observer for async tasks, in memory the signal
/// owns.
///
/// Every notification wakes every waiter: each waiter re-checks its own
/// condition, so a wake-up is never owed to anyone and a waiter that leaves
/// (timeout, cancellation) needs to pass nothing on. The kinds that use it
/// have few waiters per side (a sender waiting for its value to be taken,
/// receivers waiting for a new value), so waking all costs little.
///
/// Memory ordering: the state changes a waiter checks are made under the
/// kind's lock (or with release stores); `notifyAll()` runs the light fence
/// after them and loads the waiter count, the waiter counts itself in and
/// runs the heavy fence before its re-check: the event count's Dekker
/// argument (one of the two sees the other's store) covers both threads and
/// tasks.
@usableFromInline
final class _KindSignal: @unchecked Sendable {
  @usableFromInline let words: UnsafeMutableRawPointer
  @usableFromInline let queue: _WaiterQueue
  @usableFromInline let fence = AsymmetricFence.process

  @usableFromInline
  init() {
    words = .allocate(byteCount: 16, alignment: 8)
    words.initializeMemory(as: Atomic<Int>.self, to: Atomic(0))
    (words + 8).initializeMemory(as: Atomic<UInt32>.self, to: Atomic(0))
    queue = _WaiterQueue(state: words.assumingMemoryBound(to: Atomic<Int>.self))
  }

  deinit { words.deallocate() }

  @inlinable
  var events: UnsafeEventCount {
    UnsafeEventCount(
      state: words.assumingMemoryBound(to: Atomic<Int>.self),
      epoch: (words + 8).assumingMemoryBound(to: Atomic<UInt32>.self), observer: queue)
  }

  /// Wakes every waiter, if any is counted in (a light fence and one load
  /// when nobody waits).
  @inlinable @inline(__always)
  func notifyAll() { events.notify(fence, count: Int(Int32.max)) }

  /// Blocks the thread (spin, yield, park) until `attempt` returns a value
  /// or `deadline` passes.
  ///
  /// - Parameters:
  ///   - strategy: How long to spin and yield before parking.
  ///   - deadline: A ``MonotonicClock`` deadline, or `nil`.
  ///   - attempt: Tries the operation; non-nil when done.
  ///   - ready: Whether `attempt` could succeed now (checked after counting
  ///     in, before sleeping).
  /// - Returns: The attempt's result, or `nil` if the deadline passed.
  @usableFromInline
  func block<Result>(
    strategy: WaitStrategy, deadline: UInt64?, attempt: () -> Result?, ready: () -> Bool
  ) -> Result? {
    var backoff = Backoff(strategy: strategy)
    let events = events
    var spun = false
    var yields: UInt32 = 0
    while true {
      if let result = attempt() { return result }
      if let deadline, MonotonicClock.nanoseconds >= deadline { return nil }
      if !spun {
        // One fine-grained spin first (a check every 4 pauses): an answer
        // that comes within it is seen at once, where a Backoff's doubling
        // pauses would notice it late. Only while spinning pays off on this
        // side (`_WaiterQueue.spinLength`, shared with the async waits):
        // on a loaded 2-core machine the peer is often off its core, or
        // queued behind this thread on the same one, and every pause then
        // only delays it; a short probe keeps measuring. Then, as
        // crossbeam's `Backoff` does, a few yields before parking.
        spun = true
        let succeeded =
          queue.spinLength == .none
          ? _spinProbe(until: ready, strategy: strategy)
          : _spin(until: ready, strategy: strategy, long: false)
        queue.recordSpin(succeeded: succeeded)
        continue
      }
      if !strategy.parks {
        backoff.snooze()
        continue
      }
      if yields < strategy.yieldCount {
        yields &+= 1
        Backoff.yieldCore()
        continue
      }
      let key = events.prepareWait(fence)
      if ready() {
        events.cancelWait()
      } else {
        events.wait(key, deadline: deadline)
      }
      spun = false
      yields = 0
    }
  }

  /// The spin of a side where spinning has not paid off lately: half the
  /// full one (crossbeam's `Backoff` spins about as long, 127 pauses,
  /// before it yields), enough to notice when it starts to pay off again.
  @inline(__always)
  func _spinProbe(until ready: () -> Bool, strategy: WaitStrategy) -> Bool {
    let pauses = 1 << min(strategy.spinExponent, 12)
    var spun = 0
    while spun < pauses {
      if ready() { return true }
      for _ in 0..<_asyncSpinStride { Backoff.pause() }
      spun &+= _asyncSpinStride
    }
    return ready()
  }

  /// Suspends the task (after a short spin) until `attempt` returns a
  /// value, the task is cancelled, or `deadline` passes.
  ///
  /// - Parameters:
  ///   - strategy: How long to spin before suspending.
  ///   - deadline: A ``MonotonicClock`` deadline, or `nil`.
  ///   - attempt: Tries the operation; non-nil when done.
  ///   - ready: Whether `attempt` could succeed now.
  /// - Returns: How the wait ended.
  nonisolated(nonsending)
    func suspend<Result>(
      strategy: WaitStrategy, deadline: UInt64?, attempt: () -> Result?, ready: () -> Bool
    ) async -> _KindWaitEnd<Result>
  {
    while true {
      if Task.isCancelled { return .cancelled }
      if let result = attempt() { return .done(result) }
      switch await _awaitReady(
        queue, fence: fence, strategy: strategy, deadline: deadline, ready: ready)
      {
      case .ready, .woken: continue
      case .cancelled: return .cancelled
      case .timedOut:
        if let result = attempt() { return .done(result) }
        return .timedOut
      }
    }
  }
}

/// How a wait of ``_KindSignal/suspend(strategy:deadline:attempt:ready:)`` ended.
enum _KindWaitEnd<Result> {
  case done(Result)
  case timedOut
  case cancelled
}

/// A lock of one spin word, for the kinds' short critical sections (a few
/// loads and stores, one element moved). Spins, then yields the core.
///
/// Why not `Mutex`: ThreadSanitizer cannot see the ordering of the standard
/// library's uninstrumented `Mutex` on Linux (see ``_SpinLocked``).
/// Acquire on taking, release on leaving: whatever one holder wrote is seen
/// by the next.
@usableFromInline
@frozen
struct _KindLock: ~Copyable {
  @usableFromInline let word = Atomic<Bool>(false)

  @usableFromInline
  init() {}

  @inlinable
  func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure)
    -> Result
  {
    if !word.weakCompareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
      var backoff = Backoff()
      while word.load(ordering: .relaxed)
        || !word.weakCompareExchange(expected: false, desired: true, ordering: .acquiring)
          .exchanged
      {
        backoff.snooze()
      }
    }
    defer { word.store(false, ordering: .releasing) }
    return try body()
  }
}
