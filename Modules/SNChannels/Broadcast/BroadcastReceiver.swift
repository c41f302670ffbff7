import SNAtomics
import Synchronization

/// A receiving endpoint of a broadcast channel: its own cursor into the
/// shared ring.
///
/// Each receiver sees every message sent after it subscribed, in order,
/// unless it falls a whole ring behind: then a receive throws
/// ``SNChannelError/lagged`` with the number missed, and the next receive
/// continues from the oldest message still in the ring.
public struct BroadcastReceiver<Element: Sendable>: ~Copyable, Sendable {
  @usableFromInline let core: _BroadcastCore<Element>
  @usableFromInline var next: Int
  @usableFromInline var _received: UInt64 = 0
  @usableFromInline var _missed: UInt64 = 0
  /// Whether ``close()`` already counted this receiver out.
  @usableFromInline var _closed = false

  /// Messages this receiver has received.
  public var received: UInt64 { _received }
  /// Messages this receiver missed by lagging.
  public var missed: UInt64 { _missed }

  @usableFromInline
  init(_ core: _BroadcastCore<Element>, next: Int) {
    self.core = core
    self.next = next
  }

  deinit { if !_closed { core.receivers.wrappingSubtract(1, ordering: .relaxed) } }

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

  /// The channel's counters, broadcast's own: receivers, messages missed.
  public var broadcastStats: BroadcastStats { core.stats }

  /// Receives the next message if it has been sent.
  ///
  /// - Returns: The message, or `nil` if there is nothing new.
  /// - Throws: ``SNChannelError/lagged`` (with ``SNChannelError/missed``)
  ///   if messages were overwritten before this receiver read them;
  ///   ``SNChannelError/closed`` once every sender is gone and everything
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

  /// Receives the next message, blocking the thread (spin, yield, park)
  /// until one is sent.
  ///
  /// The timeout, deadline and async forms come from ``ReceivingEndpoint``.
  ///
  /// - Returns: The message.
  /// - Throws: ``SNChannelError/lagged`` or ``SNChannelError/closed`` (see
  ///   ``tryReceive()``).
  public mutating func receive() throws(BroadcastError) -> Element {
    if let element = try tryReceive() { return element }
    return try _receiveBlocking(deadline: nil)
  }
}
