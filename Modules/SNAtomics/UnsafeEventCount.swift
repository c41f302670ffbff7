import CSNShim
import Synchronization

/// A wait/notify primitive for lock-free structures: threads sleep until a
/// condition they check themselves may have changed (an "event count").
///
/// It works over two words that the owner keeps in its own memory:
/// - `state`: bit 0 is a flag free for the owner (channels use it for
///   "closed"); the rest counts sleeping or about-to-sleep waiters.
/// - `epoch`: a 32-bit futex word bumped on every wake-up.
///
/// The protocol closes the lost-wake-up race with an ``AsymmetricFence``:
///
/// <!-- snippet: setup
/// let words = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: 1)
/// words.initialize(to: Atomic(0))
/// let epochs = UnsafeMutablePointer<Atomic<UInt32>>.allocate(capacity: 1)
/// epochs.initialize(to: Atomic(0))
/// let events = UnsafeEventCount(state: words, epoch: epochs)
/// let fence = AsymmetricFence.process
/// func conditionHolds() -> Bool { true }
/// -->
/// ```swift
/// // Waiter
/// while !conditionHolds() {
///   let key = events.prepareWait(fence)     // count self in, heavy fence, read epoch
///   if conditionHolds() { events.cancelWait(); break }
///   _ = events.wait(key, deadline: nil)     // sleeps only if epoch is still `key`
/// }
/// // Notifier, after making the condition true
/// events.notify(fence, count: 1)            // light fence, wake only if someone waits
/// ```
///
/// Either the notifier's change is visible to the waiter's re-check, or the
/// waiter's count is visible to the notifier's check (the fence pair forbids
/// both loads missing both stores); in the second case the notifier bumps
/// `epoch`, so a waiter that has not reached the futex yet returns at once.
///
/// Waiters that cannot sleep on the futex (async tasks, threads waiting on
/// several event counts at once) register with an ``UnsafeEventCountObserver``
/// instead: each counts itself into `state` with ``observerUnit`` (bits 32
/// and up, so ``notify(_:count:)`` still sees "someone waits" with its one
/// load), and ``wake(count:)`` hands the wake-up to the observer. The futex
/// is only touched when a thread sleeps on it (bits 1 to 31).
///
/// The type is a few pointers: whoever owns the words (and the observer)
/// keeps them alive.
@frozen
public struct UnsafeEventCount: @unchecked Sendable {
  /// The flag and waiter-count word.
  public let state: UnsafeMutablePointer<Atomic<Int>>
  /// The futex word bumped on every wake-up.
  public let epoch: UnsafeMutablePointer<Atomic<UInt32>>
  /// Who also hears every wake-up, or `nil`. Not retained: the owner of the
  /// words keeps it alive.
  public unowned(unsafe) let observer: (any UnsafeEventCountObserver)?

  /// The `state` flag bit (bit 0).
  public static let flagBit = 1
  /// The amount one futex waiter adds to `state`.
  public static let waiterUnit = 2
  /// The amount one observer-registered waiter adds to `state`.
  public static let observerUnit = 1 << 32
  /// The bits of `state` that count futex waiters.
  public static let futexWaiterMask = observerUnit - waiterUnit

  /// Wraps two initialised atomics owned by the caller.
  ///
  /// - Parameters:
  ///   - state: The flag and waiter-count word, initially 0.
  ///   - epoch: The futex word, any initial value.
  ///   - observer: An object told about every wake-up, for waiters that
  ///     count themselves in with ``observerUnit``; not retained.
  @inlinable
  public init(
    state: UnsafeMutablePointer<Atomic<Int>>, epoch: UnsafeMutablePointer<Atomic<UInt32>>,
    observer: (any UnsafeEventCountObserver)? = nil
  ) {
    self.state = state
    self.epoch = epoch
    self.observer = observer
  }

  /// Whether the flag (bit 0 of `state`) is set; an acquiring load.
  @inlinable
  public var isFlagSet: Bool {
    state.pointee.load(ordering: .acquiring) & Self.flagBit != 0
  }

  /// Whether the flag is set; a relaxed load, for checks that order no data.
  @inlinable
  public var isFlagSetRelaxed: Bool {
    state.pointee.load(ordering: .relaxed) & Self.flagBit != 0
  }

  /// Sets the flag and wakes every waiter.
  ///
  /// - Returns: `true` if this call set it, `false` if it was already set.
  @discardableResult
  public func setFlagAndWakeAll() -> Bool {
    let old = state.pointee.bitwiseOr(Self.flagBit, ordering: .sequentiallyConsistent).oldValue
    wake(count: Int(Int32.max))
    return old & Self.flagBit == 0
  }

  /// After making a waiter's condition true: wakes up to `count` waiters if
  /// any are counted in. Costs a compiler barrier and one load when nobody
  /// waits.
  ///
  /// - Parameters:
  ///   - fence: The fence whose ``AsymmetricFence/heavy()`` side waiters use.
  ///   - count: How many sleepers to wake at most.
  @inlinable @inline(__always)
  public func notify(_ fence: AsymmetricFence, count: Int = 1) {
    fence.light()
    if Self.hasWaiters(state.pointee.load(ordering: .relaxed)) {
      wake(count: count)
    }
  }

  /// Whether a `state` value counts any waiter (futex or observer).
  ///
  /// An unsigned compare: it costs what a signed one does, and it still
  /// says "someone waits" if an owner's accounting ever let the word dip
  /// below zero (bits 32 and up hold the observer count), rather than
  /// skipping a futex sleeper.
  ///
  /// - Parameter state: A value loaded from ``state``.
  /// - Returns: `true` if the waiter bits are not all zero.
  @inlinable @inline(__always)
  public static func hasWaiters(_ state: Int) -> Bool {
    UInt(bitPattern: state) >= UInt(bitPattern: waiterUnit)
  }

  /// Bumps the epoch and wakes up to `count` sleepers, unconditionally;
  /// with an observer, also passes `count` on to it when observer waiters
  /// are counted in.
  ///
  /// - Parameter count: How many sleepers to wake at most.
  public func wake(count: Int) {
    epoch.pointee.wrappingAdd(1, ordering: .releasing)
    guard let observer else {
      _ = csn_futex_wake(epochAddress, Int32(clamping: count))
      return
    }
    // This load comes after the caller's fence like the one in `notify`, so
    // a waiter it misses will see the caller's change in its re-check.
    let current = state.pointee.load(ordering: .acquiring)
    if current & Self.futexWaiterMask != 0 {
      _ = csn_futex_wake(epochAddress, Int32(clamping: count))
    }
    // Unsigned, as in `hasWaiters` (`current >> 32 != 0` says the same but
    // cost the SPSC send path an instruction per message in the callgrind
    // gate once inlined across modules).
    if UInt(bitPattern: current) >= UInt(bitPattern: Self.observerUnit) {
      observer.eventCountDidWake(count: count)
    }
  }

  /// Counts the caller in as a waiter and returns the key for ``wait(_:deadline:)``.
  ///
  /// After this call, re-check the condition; if it holds, call
  /// ``cancelWait()`` instead of waiting.
  ///
  /// - Parameter fence: The fence whose ``AsymmetricFence/light()`` side notifiers use.
  /// - Returns: The epoch to sleep on.
  public func prepareWait(_ fence: AsymmetricFence) -> UInt32 {
    state.pointee.wrappingAdd(Self.waiterUnit, ordering: .sequentiallyConsistent)
    fence.heavy()
    return epoch.pointee.load(ordering: .acquiring)
  }

  /// Counts the caller out again without sleeping.
  public func cancelWait() {
    state.pointee.wrappingSubtract(Self.waiterUnit, ordering: .relaxed)
  }

  /// Sleeps until woken or until the monotonic `deadline` (nanoseconds, from
  /// ``MonotonicClock``), unless the epoch has moved past `key` already; then
  /// counts the caller out. Wake-ups may be spurious: re-check the condition.
  ///
  /// - Parameters:
  ///   - key: The value ``prepareWait(_:)`` returned.
  ///   - deadline: When to give up, or `nil` to wait until woken.
  /// - Returns: `false` if the deadline passed, `true` otherwise.
  @discardableResult
  public func wait(_ key: UInt32, deadline: UInt64?) -> Bool {
    defer { cancelWait() }
    var timeout: Int64 = -1
    if let deadline {
      let now = MonotonicClock.nanoseconds
      if now >= deadline { return false }
      timeout = Int64(clamping: deadline - now)
    }
    let result = csn_futex_wait(epochAddress, key, timeout)
    return result != ETIMEDOUT
  }

  @usableFromInline
  var epochAddress: UnsafeMutablePointer<UInt32> {
    UnsafeMutableRawPointer(epoch).assumingMemoryBound(to: UInt32.self)
  }
}

/// An object that hears the wake-ups of an ``UnsafeEventCount``, for waiters
/// that do not sleep on its futex (async tasks, multi-way waits).
///
/// A waiter registers with the observer, then adds
/// ``UnsafeEventCount/observerUnit`` to `state`, issues
/// ``AsymmetricFence/heavy()`` and re-checks its condition, exactly as a futex
/// waiter does; the observer subtracts the unit when it takes the waiter out.
public protocol UnsafeEventCountObserver: AnyObject, Sendable {
  /// Called by ``UnsafeEventCount/wake(count:)`` while observer waiters are
  /// counted in: wake up to `count` of them.
  ///
  /// - Parameter count: How many waiters to wake at most.
  func eventCountDidWake(count: Int)
}

/// The monotonic clock the blocking operations use for deadlines.
public enum MonotonicClock {
  /// Nanoseconds since an arbitrary fixed point (CLOCK_MONOTONIC).
  @inlinable
  public static var nanoseconds: UInt64 { csn_monotonic_ns() }

  /// The deadline `duration` from now, saturating; negative durations mean now.
  ///
  /// - Parameter duration: How far ahead.
  /// - Returns: A deadline for ``UnsafeEventCount/wait(_:deadline:)``.
  public static func deadline(after duration: Duration) -> UInt64 {
    let (seconds, attoseconds) = duration.components
    if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return nanoseconds }
    let secondsPart = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
    if secondsPart.overflow { return .max }
    let total = secondsPart.partialValue.addingReportingOverflow(
      UInt64(attoseconds / 1_000_000_000) &+ nanoseconds)
    return total.overflow ? .max : total.partialValue
  }
}
