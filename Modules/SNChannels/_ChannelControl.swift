import SNAtomics
import Synchronization

/// The shared control block of one channel: indices, wait/close state and
/// error counters, each group on its own cache line.
///
/// Line layout (each line ``lineSize`` bytes):
/// 0. `tail`: next position senders write (written by senders).
/// 1. `head`: next position receivers read (written by receivers).
/// 2. receiver events: waiting receivers, and the "senders closed" flag.
///    Read by senders after every send, written only when a receiver sleeps.
/// 3. sender events: waiting senders, and the "receivers closed" flag.
///    Read by senders before every send and by receivers after every receive.
/// 4. live endpoint counts (senders, receivers): touched on clone and drop;
///    and a constant word that always reads as "someone may wait" (see
///    ``sleeperWatch(line:)``).
/// 5. send-error counters: touched only on failures.
///
/// Waiters that do not sleep on a futex (async tasks, `select`) register in
/// `receiverWaiters` / `senderWaiters`, the observers of the two event
/// counts: the senders' and receivers' hot paths stay one relaxed load.
@usableFromInline
final class _ChannelControl: @unchecked Sendable {
  @usableFromInline let base: UnsafeMutableRawPointer
  @usableFromInline let capacity: Int
  @usableFromInline let strategy: WaitStrategy
  @usableFromInline let fence: AsymmetricFence
  /// Async and select waiters for "an element or the close arrived".
  @usableFromInline let receiverWaiters: _WaiterQueue
  /// Async and select waiters for "room or the close arrived".
  @usableFromInline let senderWaiters: _WaiterQueue

  @usableFromInline static let lineCount = 6

  /// Bytes per line of the control block: 128 on every platform (x86-64
  /// prefetches lines in pairs, Apple silicon has 128-byte lines). A
  /// compile-time constant, so an endpoint that keeps only `base` reaches
  /// every index and event word at a fixed offset, with no extra loads.
  @inlinable static var lineSize: Int { 128 }

  /// The shared `tail` of the block at `base`.
  @inlinable @inline(__always)
  static func tail(at base: UnsafeMutableRawPointer) -> UnsafeMutablePointer<Atomic<Int>> {
    base.assumingMemoryBound(to: Atomic<Int>.self)
  }

  /// The shared `head` of the block at `base`.
  @inlinable @inline(__always)
  static func head(at base: UnsafeMutableRawPointer) -> UnsafeMutablePointer<Atomic<Int>> {
    (base + lineSize).assumingMemoryBound(to: Atomic<Int>.self)
  }

  /// The state word (flag and waiter counts) of the receiver (line 2) or
  /// sender (line 3) events of the block at `base`. Only the word: waking
  /// needs the full ``receiverEvents``/``senderEvents``, which carry the
  /// async waiters.
  @inlinable @inline(__always)
  static func eventState(at base: UnsafeMutableRawPointer, line: Int)
    -> UnsafeMutablePointer<Atomic<Int>>
  {
    (base + line &* lineSize).assumingMemoryBound(to: Atomic<Int>.self)
  }

  init(capacity: Int, strategy: WaitStrategy, senders: Int, receivers: Int) {
    let line = Self.lineSize
    base = .allocate(byteCount: Self.lineCount * line, alignment: line)
    base.initializeMemory(as: UInt8.self, repeating: 0, count: Self.lineCount * line)
    self.capacity = capacity
    self.strategy = strategy
    self.fence = .process
    for index in 0..<2 {
      (base + index * line).initializeMemory(as: Atomic<Int>.self, to: Atomic(0))
    }
    for index in 2..<4 {
      (base + index * line).initializeMemory(as: Atomic<Int>.self, to: Atomic(0))
      (base + index * line + 8).initializeMemory(as: Atomic<UInt32>.self, to: Atomic(0))
    }
    (base + 4 * line).initializeMemory(as: Atomic<Int>.self, to: Atomic(senders))
    (base + 4 * line + 8).initializeMemory(as: Atomic<Int>.self, to: Atomic(receivers))
    (base + 4 * line + 16).initializeMemory(as: Atomic<Int>.self, to: Atomic(Int.max))
    for offset in [0, 8, 16] {
      (base + 5 * line + offset).initializeMemory(as: Atomic<UInt64>.self, to: Atomic(0))
    }
    receiverWaiters = _WaiterQueue(
      state: (base + 2 * line).assumingMemoryBound(to: Atomic<Int>.self))
    senderWaiters = _WaiterQueue(
      state: (base + 3 * line).assumingMemoryBound(to: Atomic<Int>.self))
  }

  deinit {
    // Atomic<Int>/<UInt32>/<UInt64> are trivial: no per-field deinitialisation needed.
    base.deallocate()
  }

  @inlinable
  func atomicInt(line: Int, offset: Int = 0) -> UnsafeMutablePointer<Atomic<Int>> {
    (base + (line &* Self.lineSize &+ offset)).assumingMemoryBound(to: Atomic<Int>.self)
  }

  @inlinable var tail: UnsafeMutablePointer<Atomic<Int>> { atomicInt(line: 0) }
  @inlinable var head: UnsafeMutablePointer<Atomic<Int>> { atomicInt(line: 1) }

  /// Receivers sleep here; the flag means "no more sends will come".
  @inlinable
  var receiverEvents: UnsafeEventCount {
    UnsafeEventCount(
      state: atomicInt(line: 2),
      epoch: (base + (2 &* Self.lineSize &+ 8)).assumingMemoryBound(to: Atomic<UInt32>.self),
      observer: receiverWaiters)
  }

  /// Senders sleep here; the flag means "receivers are closed or gone".
  @inlinable
  var senderEvents: UnsafeEventCount {
    UnsafeEventCount(
      state: atomicInt(line: 3),
      epoch: (base + (3 &* Self.lineSize &+ 8)).assumingMemoryBound(to: Atomic<UInt32>.self),
      observer: senderWaiters)
  }

  @inlinable var liveSenders: UnsafeMutablePointer<Atomic<Int>> { atomicInt(line: 4) }
  @inlinable var liveReceivers: UnsafeMutablePointer<Atomic<Int>> { atomicInt(line: 4, offset: 8) }

  @usableFromInline
  func errorCounter(_ code: SNChannelError.Code) -> UnsafeMutablePointer<Atomic<UInt64>> {
    let offset: Int
    switch code {
    case .full: offset = 0
    case .closed: offset = 8
    default: offset = 16
    }
    return (base + 5 * Self.lineSize + offset).assumingMemoryBound(to: Atomic<UInt64>.self)
  }

  /// The word an SPSC endpoint loads, after its index store, to decide
  /// whether to take the out-of-line wake-up path (``wakeReceivers()`` /
  /// ``wakeSenders()``): the event state of `line` itself when the fence is
  /// asymmetric (a compiler-ordered load of it is the whole check), else a
  /// constant word that always says "check", so the out-of-line path issues
  /// the full fence and loads the real state. The fence mode thus costs the
  /// hot path nothing: no flag to test per operation.
  @usableFromInline
  func sleeperWatch(line: Int) -> UnsafeMutablePointer<Atomic<Int>> {
    fence.isAsymmetric ? atomicInt(line: line) : atomicInt(line: 4, offset: 16)
  }

  /// The out-of-line half of a send's check for sleepers: wakes up one
  /// sleeping receiver (a thread or an async waiter), if any.
  @usableFromInline @inline(never)
  func wakeReceivers() { Self.wakeOne(receiverEvents, fence: fence) }

  /// The out-of-line half of a receive's check for sleepers: wakes up one
  /// sleeping sender (a thread or an async waiter), if any.
  @usableFromInline @inline(never)
  func wakeSenders() { Self.wakeOne(senderEvents, fence: fence) }

  /// Wakes one waiter of `events` after the caller's index store. With an
  /// asymmetric fence the caller's check (``sleeperWatch(line:)``) already
  /// saw a waiter; otherwise it read the constant word, and the full fence
  /// and the load of the real state happen here.
  static func wakeOne(_ events: UnsafeEventCount, fence: AsymmetricFence) {
    if !fence.isAsymmetric {
      fence.light()
      guard UnsafeEventCount.hasWaiters(events.state.pointee.load(ordering: .relaxed)) else {
        return
      }
    }
    events.wake(count: 1)
  }

  /// Counts a failed send of the only sender (SPSC): a plain load and store,
  /// so a sender spinning on a full ring does not issue a locked instruction
  /// per retry.
  @usableFromInline
  func countSendErrorFromOwner(_ code: SNChannelError.Code) {
    let counter = errorCounter(code)
    counter.pointee.store(counter.pointee.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
  }

  /// Counts a failed send. Off the hot path: only failures get here.
  @usableFromInline
  func countSendError(_ code: SNChannelError.Code) {
    errorCounter(code).pointee.wrappingAdd(1, ordering: .relaxed)
  }

  /// Whether receivers closed or are all gone (senders must fail).
  @inlinable
  var isClosedForSending: Bool {
    senderEvents.isFlagSetRelaxed
  }

  /// Marks the channel closed for sending and wakes every waiter on both sides.
  func markReceiversGone() {
    senderEvents.setFlagAndWakeAll()
    receiverEvents.wake(count: Int(Int32.max))
  }

  /// Marks that no more sends will come and wakes every waiting receiver.
  ///
  /// Precondition: no send is in flight (no sender left, or, for
  /// `PinnedExecutor`, its enqueue gate closed and drained). Receivers take
  /// "flag set and the slot at `head` empty" as final.
  func markSendersGone() {
    receiverEvents.setFlagAndWakeAll()
  }

  /// Drops one sender; the last one closes the channel for receiving.
  func releaseSender() {
    if liveSenders.pointee.wrappingSubtract(1, ordering: .acquiringAndReleasing).oldValue == 1 {
      markSendersGone()
    }
  }

  /// Drops one receiver; the last one closes the channel for sending.
  func releaseReceiver() {
    if liveReceivers.pointee.wrappingSubtract(1, ordering: .acquiringAndReleasing).oldValue == 1 {
      markReceiversGone()
    }
  }

  /// Adds a sender (for `clone()`).
  func retainSender() { liveSenders.pointee.wrappingAdd(1, ordering: .relaxed) }
  /// Adds a receiver (for `clone()`).
  func retainReceiver() { liveReceivers.pointee.wrappingAdd(1, ordering: .relaxed) }

  /// A snapshot of the counters.
  func stats() -> ChannelStats {
    ChannelStats(
      capacity: capacity,
      sent: UInt64(truncatingIfNeeded: tail.pointee.load(ordering: .relaxed)),
      received: UInt64(truncatingIfNeeded: head.pointee.load(ordering: .relaxed)),
      sendErrors: SendErrorCounts(
        full: errorCounter(.full).pointee.load(ordering: .relaxed),
        closed: errorCounter(.closed).pointee.load(ordering: .relaxed),
        timedOut: errorCounter(.timedOut).pointee.load(ordering: .relaxed)))
  }
}

/// Outcome of an internal push: the element comes back on failure.
@usableFromInline
@frozen
enum _PushResult<Element> {
  case sent
  case full(Element)
  case closed(Element)
}

/// Runs the spin, yield, park loop shared by every blocking operation.
///
/// `attempt` tries the operation and returns non-nil when done; `ready`
/// tells, after the waiter is counted in, whether `attempt` could succeed
/// now (elements or room, or closed), so the thread must not sleep.
@inlinable
func _blockingLoop<Result>(
  events: UnsafeEventCount, control: _ChannelControl, deadline: UInt64?,
  attempt: () throws(SNChannelError) -> Result?, ready: () -> Bool
) throws(SNChannelError) -> Result {
  var backoff = Backoff(strategy: control.strategy)
  while true {
    if let result = try attempt() { return result }
    if let deadline, MonotonicClock.nanoseconds >= deadline { throw .timedOut }
    if backoff.shouldPark {
      let key = events.prepareWait(control.fence)
      if ready() {
        events.cancelWait()
      } else {
        events.wait(key, deadline: deadline)
      }
      backoff.reset()
    } else {
      backoff.snooze()
    }
  }
}
