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

  /// The lock word (inline: one allocation per waiter, not two).
  private let locked = Atomic<Bool>(false)
  private var phaseValue = Phase.waiting
  private var continuation: _Continuation?
  /// Set for thread waiters (sync `select`); `nil` for tasks.
  let parker: Parker?

  init(parker: Parker? = nil) { self.parker = parker }

  private func withLock<Result>(_ body: () -> Result) -> Result {
    if !locked.weakCompareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
      var backoff = Backoff()
      while !locked.weakCompareExchange(expected: false, desired: true, ordering: .acquiring)
        .exchanged
      {
        backoff.snooze()
      }
    }
    defer { locked.store(false, ordering: .releasing) }
    return body()
  }

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

/// The waiters of one side of a channel that do not sleep on its futex, and
/// the observer of that side's `UnsafeEventCount`.
///
/// Protocol (the futex protocol with a list instead of a futex): a waiter
/// appends itself here, adds `UnsafeEventCount.observerUnit` to the state
/// word, runs `AsymmetricFence.heavy()` and re-checks its condition before
/// it suspends. A notifier publishes, runs the light fence and reads the state
/// word (`UnsafeEventCount.notify(_:count:)`); it sees the unit, and
/// `UnsafeEventCount.wake(count:)` calls ``eventCountDidWake(count:)``,
/// which takes waiters out of the list and fires them. If the notifier's load
/// misses the unit, the fence pair guarantees that the waiter's re-check sees
/// what the notifier published. Each list entry stands for one unit in the
/// state word; whoever removes the entry (waker or the waiter itself, under
/// the lock) subtracts it.
@usableFromInline
final class _WaiterQueue: UnsafeEventCountObserver, @unchecked Sendable {
  struct Entry: Sendable {
    let waiter: _Waiter
    let tag: Int
  }

  let stateWord: UnsafeMutablePointer<Atomic<Int>>
  let entries = _SpinLocked<[Entry]>([])
  /// How well spinning has paid off on this side lately: 0 to 3, up on a
  /// spin that saw the condition (or a re-check after registering that
  /// did), down on one that did not. A hint: the racy load-then-store
  /// updates may lose a step, which does no harm.
  private let spinScore = Atomic<Int>(1)

  /// How long an async wait spins before it suspends.
  enum SpinLength { case none, short, long }

  /// How long the next async wait on this side spins: not at all while
  /// spinning has not paid off (the peer cannot run meanwhile, as when both
  /// tasks share one pool thread), long while it has.
  var spinLength: SpinLength {
    switch spinScore.load(ordering: .relaxed) {
    case 0: .none
    case 1: .short
    default: .long
    }
  }

  /// Records how a spin ended.
  func recordSpin(succeeded: Bool) {
    let score = spinScore.load(ordering: .relaxed)
    let next = succeeded ? min(score &+ 1, 3) : max(score &- 1, 0)
    if next != score { spinScore.store(next, ordering: .relaxed) }
  }

  init(state: UnsafeMutablePointer<Atomic<Int>>) { self.stateWord = state }

  /// Adds `waiter` and counts it into the state word (the caller then fences
  /// and re-checks).
  ///
  /// Invariant: the observer units in the state word are never fewer than
  /// the entries here, so the word never goes negative. The add happens in
  /// the same critical section as the append, and a waker removes an entry
  /// (and subtracts its unit) under the same lock, so its subtract always
  /// follows the add. (Adding after the lock let a wake-all or a `count: 1`
  /// wake that skipped cancelled entries subtract a unit not yet added: the
  /// word went negative and `notify` skipped a futex sleeper; issue 15,
  /// item 2.) The seq_cst add still precedes the caller's heavy fence, so
  /// the Dekker argument is unchanged.
  func register(_ waiter: _Waiter, tag: Int) {
    let word = stateWord
    entries.withLock {
      $0.append(Entry(waiter: waiter, tag: tag))
      word.pointee.wrappingAdd(UnsafeEventCount.observerUnit, ordering: .sequentiallyConsistent)
    }
    #if DEBUG
      _DebugSchedule.reach(.waiterRegistered, self)
    #endif
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
  /// The condition held at a check: nothing was consumed.
  case ready
  /// A notifier woke this waiter: it owes the side a wake-up if it leaves
  /// without acting on it.
  case woken
  /// The task was cancelled while waiting.
  case cancelled
  /// The deadline passed while waiting.
  case timedOut
}

/// Pauses the async spin makes between two checks of its condition: short,
/// so a peer's answer is seen within a few tens of nanoseconds.
@usableFromInline let _asyncSpinStride = 4

/// Spins on `ready()`, checking every ``_asyncSpinStride`` pauses.
///
/// Short: 2^(spinExponent+1) pauses (256 with the default strategy, the
/// budget a blocking wait spins before it yields). Long: up to
/// 2^(spinExponent+7) ns (16 µs by default), longer than a thread wake-up
/// on the reference VM. The long spin is what keeps a ping-pong with a
/// thread out of the slow mode where both sides answer only after a
/// wake-up: once either side suspends, the other's short spin runs out
/// before the answer comes, and it suspends too, and so on.
///
/// - Returns: Whether `ready()` held.
@inline(__always)
func _spin(until ready: () -> Bool, strategy: WaitStrategy, long: Bool) -> Bool {
  let exponent = min(strategy.spinExponent, 12)
  let pauses = 1 << (exponent &+ 1)
  var spun = 0
  while spun < pauses {
    if ready() { return true }
    for _ in 0..<_asyncSpinStride { Backoff.pause() }
    spun &+= _asyncSpinStride
  }
  guard long else { return false }
  let deadline = MonotonicClock.nanoseconds &+ (UInt64(1) << (exponent &+ 7))
  while true {
    for _ in 0..<8 {
      if ready() { return true }
      for _ in 0..<_asyncSpinStride { Backoff.pause() }
    }
    if MonotonicClock.nanoseconds >= deadline { return ready() }
  }
}

/// Spins, then suspends the current task until `queue` fires it, the task
/// is cancelled, the monotonic `deadline` passes, or `ready()` holds at the
/// re-check.
///
/// Never blocks a thread: the longest busy stretch is the spin, long only
/// while spinning has paid off on this side of the channel lately
/// (``_WaiterQueue/spinLength``). Where it does not (both tasks on one
/// pool thread: the peer cannot run while this task spins), there is none.
nonisolated(nonsending)
  func _awaitReady(
    _ queue: _WaiterQueue, fence: AsymmetricFence, strategy: WaitStrategy,
    deadline: UInt64? = nil, ready: () -> Bool
  ) async -> _WaitOutcome
{
  let spin = queue.spinLength
  if spin != .none {
    if _spin(until: ready, strategy: strategy, long: spin == .long) {
      queue.recordSpin(succeeded: true)
      return .ready
    }
    queue.recordSpin(succeeded: false)
  } else if ready() {
    return .ready
  }
  if let deadline, MonotonicClock.nanoseconds >= deadline { return ready() ? .ready : .timedOut }
  let waiter = _Waiter()
  queue.register(waiter, tag: 0)
  fence.heavy()
  if ready() {
    // The peer answered within the registration: a spin would have caught it.
    queue.recordSpin(succeeded: true)
    queue.deregister(waiter)
    if waiter.fireSelf() { return .ready }
    return .woken
  }
  await _suspend(waiter, deadline: deadline)
  switch waiter.phase {
  case .fired: return .woken
  case .timedOut:
    queue.deregister(waiter)
    return .timedOut
  case .cancelled, .waiting:
    queue.deregister(waiter)
    return .cancelled
  }
}

/// Suspends the current task until `waiter` leaves `waiting`: fired by a
/// queue, cancelled with the task, or expired at `deadline` (monotonic
/// nanoseconds; a detached timer task expires it, and is cancelled as soon
/// as the wait ends another way).
nonisolated(nonsending)
  func _suspend(_ waiter: _Waiter, deadline: UInt64?) async
{
  var timer: Task<Void, Never>?
  if let deadline {
    timer = Task.detached {
      let now = MonotonicClock.nanoseconds
      if deadline > now {
        do {
          try await Task.sleep(for: .nanoseconds(Int64(clamping: deadline &- now)))
        } catch {
          return  // the wait ended first
        }
      }
      waiter.expire()
    }
  }
  await withTaskCancellationHandler {
    #if DEBUG
      await withCheckedContinuation { (continuation: _Continuation) in
        waiter.suspend(continuation)
      }
    #else
      await withUnsafeContinuation { (continuation: _Continuation) in
        waiter.suspend(continuation)
      }
    #endif
  } onCancel: {
    waiter.cancel()
  }
  timer?.cancel()
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

extension _ChannelControl {
  /// Threads counted in on each side's futex (parked or about to park), for tests.
  var parkedThreads: (receivers: Int, senders: Int) {
    let mask = UnsafeEventCount.futexWaiterMask
    return (
      (receiverEvents.state.pointee.load(ordering: .relaxed) & mask) / UnsafeEventCount.waiterUnit,
      (senderEvents.state.pointee.load(ordering: .relaxed) & mask) / UnsafeEventCount.waiterUnit
    )
  }
}
