import SNAtomics
import Synchronization

/// A receiving endpoint of a broadcast channel: its own cursor into the
/// shared ring.
///
/// Each receiver sees every message sent after it subscribed, in order,
/// unless it falls a whole ring behind: then a receive throws
/// ``BroadcastError/lagged`` with the number missed, and the next receive
/// continues from the oldest message still in the ring.
public struct BroadcastReceiver<Element: Sendable>: ~Copyable, Sendable {
  @usableFromInline let core: _BroadcastCore<Element>
  @usableFromInline var next: Int
  @usableFromInline var _received: UInt64 = 0
  @usableFromInline var _missed: UInt64 = 0

  /// Messages this receiver has received.
  public var received: UInt64 { _received }
  /// Messages this receiver missed by lagging.
  public var missed: UInt64 { _missed }

  @usableFromInline
  init(_ core: _BroadcastCore<Element>, next: Int) {
    self.core = core
    self.next = next
  }

  deinit { core.receivers.wrappingSubtract(1, ordering: .relaxed) }

  /// A new receiver that sees the messages sent after this call.
  ///
  /// - Returns: The receiver.
  public func subscribe() -> BroadcastReceiver<Element> {
    core.receivers.wrappingAdd(1, ordering: .relaxed)
    return BroadcastReceiver(core, next: core.tail[0].load(ordering: .acquiring))
  }

  /// Messages sent but not yet read by this receiver (at most the
  /// capacity keeps them; more means a receive will report a lag).
  public var pending: Int { max(0, core.tail[0].load(ordering: .relaxed) &- next) }

  /// The channel's counters.
  public var stats: BroadcastStats { core.stats }

  /// Receives the next message if it has been sent.
  ///
  /// - Returns: The message, or `nil` if there is nothing new.
  /// - Throws: ``BroadcastError/lagged`` (with ``BroadcastError/missed``)
  ///   if messages were overwritten before this receiver read them;
  ///   ``BroadcastError/closed`` once every sender is gone and everything
  ///   sent was read.
  /// - Complexity: O(1): one slot lock.
  @inlinable
  public mutating func tryReceive() throws(BroadcastError) -> Element? {
    // Inlinable again: the receiver whose cursor seemed to go back (an
    // older message after a newer one, in release builds where this was
    // inlined into the caller) was not a lost write of `next` but a
    // use-after-free: specialized for a class element, the copy's retain
    // was moved after the slot's unlock (see `_copyUnderLock`).
    // The close is loaded before the slot: every send before it is visible.
    let closed = core.isClosed
    switch core.read(next) {
    case .element(let element):
      next &+= 1
      _received &+= 1
      return element
    case .empty:
      if closed { throw .closed }
      return nil
    case .lagged(let newNext):
      let count = UInt64(newNext &- next)
      next = newNext
      _missed &+= count
      core.missed.wrappingAdd(count, ordering: .relaxed)
      throw BroadcastError(.lagged, missed: count)
    }
  }

  /// The next message if it is in the ring now, without throwing: the
  /// inlinable fast path (lag, close and empty go to the out-of-line path).
  @inlinable @inline(__always)
  mutating func takeReady() -> Element? {
    if Task.isCancelled { return nil }
    guard case .element(let element) = core.readIfWritten(next) else { return nil }
    next &+= 1
    _received &+= 1
    return element
  }

  /// Receives the next message, blocking the thread (spin, yield, park)
  /// until one is sent.
  ///
  /// - Returns: The message.
  /// - Throws: ``BroadcastError/lagged`` or ``BroadcastError/closed`` (see
  ///   ``tryReceive()``).
  public mutating func receive() throws(BroadcastError) -> Element {
    if let element = try tryReceive() { return element }
    return try receiveBlocking(deadline: nil)
  }

  /// Receives the next message, blocking the thread for at most `timeout`.
  ///
  /// - Parameter timeout: How long to wait.
  /// - Returns: The message.
  /// - Throws: ``BroadcastError/timedOut``, ``BroadcastError/lagged`` or
  ///   ``BroadcastError/closed``.
  public mutating func receive(timeout: Duration) throws(BroadcastError) -> Element {
    try receiveBlocking(deadline: MonotonicClock.deadline(after: timeout))
  }

  /// Receives the next message from async code, suspending the task until
  /// one is sent. A cancelled task reads nothing.
  ///
  /// - Returns: The message.
  /// - Throws: ``BroadcastError/lagged``, ``BroadcastError/closed`` or
  ///   ``BroadcastError/cancelled``.
  @inlinable
  nonisolated(nonsending)
    public mutating func receive() async throws(BroadcastError) -> Element
  {
    if let element = takeReady() { return element }
    return try await receiveSuspending(deadline: nil)
  }

  /// Receives the next message from async code, suspending the task for at
  /// most `timeout`.
  ///
  /// - Parameter timeout: How long to wait.
  /// - Returns: The message.
  /// - Throws: ``BroadcastError/timedOut``, ``BroadcastError/lagged``,
  ///   ``BroadcastError/closed`` or ``BroadcastError/cancelled``.
  nonisolated(nonsending)
    public mutating func receive(timeout: Duration) async throws(BroadcastError) -> Element
  {
    try await receiveSuspending(deadline: MonotonicClock.deadline(after: timeout))
  }

  @usableFromInline
  mutating func receiveBlocking(deadline: UInt64?) throws(BroadcastError) -> Element {
    var backoff = Backoff(strategy: core.strategy)
    let events = core.signal.events
    let fence = core.signal.fence
    // A fine-grained spin first (see `_KindSignal.block`).
    do {
      let core = core
      let position = next
      _ = _spin(until: { core.ready(position) }, strategy: core.strategy, long: false)
    }
    while true {
      if let element = try tryReceive() { return element }
      if let deadline, MonotonicClock.nanoseconds >= deadline { throw .timedOut }
      if backoff.shouldPark {
        let key = events.prepareWait(fence)
        if core.ready(next) {
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

  @usableFromInline
  nonisolated(nonsending)
    mutating func receiveSuspending(deadline: UInt64?) async throws(BroadcastError)
    -> Element
  {
    while true {
      if Task.isCancelled { throw .cancelled }
      if let element = try tryReceive() { return element }
      let core = core
      let position = next
      switch await _awaitReady(
        core.signal.queue, fence: core.signal.fence, strategy: core.strategy, deadline: deadline,
        ready: { core.ready(position) })
      {
      case .ready, .woken: continue
      case .cancelled: throw .cancelled
      case .timedOut:
        if let element = try tryReceive() { return element }
        throw .timedOut
      }
    }
  }
}
