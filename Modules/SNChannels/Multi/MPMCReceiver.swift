import SNAtomics
import Synchronization

/// A receiving endpoint of an MPMC channel.
///
/// Noncopyable and `Sendable`: make one per consumer with ``clone()``. Each
/// element goes to exactly one receiver. When the last receiver is dropped,
/// or any receiver calls ``close()``, later sends fail with
/// ``ChannelError/closed``.
public struct MPMCReceiver<Element: Sendable>: ~Copyable, Sendable {
  @usableFromInline let ring: _SlotRing<Element>

  init(_ ring: _SlotRing<Element>) { self.ring = ring }

  deinit { ring.control.releaseReceiver() }

  /// Another receiver for the same channel, for another consumer.
  ///
  /// - Returns: A new receiver.
  public func clone() -> MPMCReceiver<Element> {
    ring.control.retainReceiver()
    return MPMCReceiver(ring)
  }

  /// Receives without blocking.
  ///
  /// - Returns: An element, or `nil` if none is ready now (also while the
  ///   sender that claimed the next slot is still writing it).
  /// - Throws: ``ChannelError/closed`` once every sender is gone and the
  ///   channel is drained.
  /// - Complexity: O(1) without contention; one compare-and-swap.
  @inlinable @inline(__always)
  public func tryReceive() throws(ChannelError) -> Element? {
    try ring.popShared()
  }

  /// Receives, waiting while the channel is empty: spins briefly, then
  /// parks (an idle blocked receiver uses no CPU).
  ///
  /// - Returns: An element.
  /// - Throws: ``ChannelError/closed`` once every sender is gone and the
  ///   channel is drained.
  @inlinable
  public func receive() throws(ChannelError) -> Element {
    if let element = try ring.popShared() { return element }
    return try receiveSlow(deadline: nil)
  }

  /// Receives, waiting at most `timeout`.
  ///
  /// - Parameter timeout: The longest wait.
  /// - Returns: An element.
  /// - Throws: ``ChannelError/timedOut`` or ``ChannelError/closed``.
  @inlinable
  public func receive(timeout: Duration) throws(ChannelError) -> Element {
    try receiveSlow(deadline: MonotonicClock.deadline(after: timeout))
  }

  /// Receives, waiting until a `MonotonicClock` deadline.
  ///
  /// - Parameter deadline: Nanoseconds on `MonotonicClock`.
  /// - Returns: An element.
  /// - Throws: ``ChannelError/timedOut`` or ``ChannelError/closed``.
  @inlinable
  public func receive(deadline: UInt64) throws(ChannelError) -> Element {
    try receiveSlow(deadline: deadline)
  }

  @inlinable
  func receiveSlow(deadline: UInt64?) throws(ChannelError) -> Element {
    let ring = ring
    return try _blockingLoop(
      events: ring.control.receiverEvents, control: ring.control, deadline: deadline,
      attempt: { () throws(ChannelError) -> Element? in try ring.popShared() },
      ready: ring.readyToReceive)
  }

  /// Moves up to `maxCount` ready elements into `buffer` (appending),
  /// claiming them with one compare-and-swap; never blocks.
  ///
  /// - Parameters:
  ///   - buffer: Where received elements are appended.
  ///   - maxCount: The most elements to take.
  /// - Returns: How many were appended (0 if none is ready now).
  /// - Throws: ``ChannelError/closed`` once every sender is gone and the
  ///   channel is drained.
  /// - Complexity: O(number received).
  @inlinable
  public func tryReceive(into buffer: inout [Element], maxCount: Int) throws(ChannelError) -> Int {
    try ring.popShared(into: &buffer, maxCount: maxCount)
  }

  /// Moves at least one and up to `maxCount` elements into `buffer`,
  /// waiting while the channel is empty.
  ///
  /// - Parameters:
  ///   - buffer: Where received elements are appended.
  ///   - maxCount: The most elements to take; at least 1.
  /// - Returns: How many were appended (at least 1).
  /// - Throws: ``ChannelError/closed`` once every sender is gone and the
  ///   channel is drained.
  @inlinable
  public func receive(into buffer: inout [Element], maxCount: Int) throws(ChannelError) -> Int {
    precondition(maxCount >= 1, "maxCount must be at least 1")
    let ring = ring
    return try _blockingLoop(
      events: ring.control.receiverEvents, control: ring.control, deadline: nil,
      attempt: { () throws(ChannelError) -> Int? in
        let count = try ring.popShared(into: &buffer, maxCount: maxCount)
        return count > 0 ? count : nil
      },
      ready: ring.readyToReceive)
  }

  /// Closes the channel for sending, for every sender: later sends fail with
  /// ``ChannelError/closed``. Queued elements can still be received.
  public func close() { ring.control.closeForSending() }

  /// The channel's counters.
  public var stats: ChannelStats { ring.control.stats() }
}
