import SNAtomics
import Synchronization

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
