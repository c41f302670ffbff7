import SNAtomics
import Synchronization

/// A receiving endpoint of an MPMC channel.
///
/// Noncopyable and `Sendable`: make one per consumer with ``clone()``. Each
/// element goes to exactly one receiver. When the last receiver is dropped,
/// or any receiver calls ``close()``, later sends fail with
/// ``SNChannelError/closed``.
public struct MPMCReceiver<Element: Sendable>: ReceivingEndpoint, ~Copyable, Sendable {
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
  /// - Throws: ``SNChannelError/closed`` once every sender is gone and the
  ///   channel is drained.
  /// - Complexity: O(1) without contention; one compare-and-swap.
  @inlinable @inline(__always)
  public func tryReceive() throws(SNChannelError) -> Element? {
    try ring.popShared()
  }

  /// Receives, waiting while the channel is empty: spins briefly, then
  /// parks (an idle blocked receiver uses no CPU).
  ///
  /// - Returns: An element.
  /// - Throws: ``SNChannelError/closed`` once every sender is gone and the
  ///   channel is drained.
  @inlinable
  public func receive() throws(SNChannelError) -> Element {
    if let element = try ring.popShared() { return element }
    let ring = ring
    return try receiveWaitPoint.block(deadline: nil) { () throws(SNChannelError) -> Element? in
      try ring.popShared()
    }
  }

  /// Moves up to `maxCount` ready elements into `buffer` (appending),
  /// claiming them with one compare-and-swap; never blocks.
  ///
  /// - Parameters:
  ///   - buffer: Where received elements are appended.
  ///   - maxCount: The most elements to take.
  /// - Returns: How many were appended (0 if none is ready now).
  /// - Throws: ``SNChannelError/closed`` once every sender is gone and the
  ///   channel is drained.
  /// - Complexity: O(number received).
  @inlinable
  public func tryReceive(into buffer: inout [Element], maxCount: Int) throws(SNChannelError) -> Int
  {
    try ring.popShared(into: &buffer, maxCount: maxCount)
  }

  /// Closes the channel for sending, for every sender: later sends fail with
  /// ``SNChannelError/closed``. Queued elements can still be received.
  public func close() { ring.control.markReceiversGone() }

  /// The channel's counters.
  public var stats: ChannelStats { ring.control.stats() }

  /// Where a receive that must wait for an element waits, as of now.
  public var receiveWaitPoint: EndpointWaitPoint {
    EndpointWaitPoint(ring.control, .sharedElements(ring))
  }
}
