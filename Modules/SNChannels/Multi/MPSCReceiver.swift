import SNAtomics
import Synchronization

/// The receiving endpoint of an MPSC channel.
///
/// Noncopyable, and every operation is `mutating`: there is exactly one, used
/// through one `var`, moved to another thread by capturing it in a `sending`
/// closure (later use in the spawning scope is a compile error). Being alone,
/// it claims
/// slots with plain stores instead of compare-and-swap. Dropping it (or
/// calling ``close()``) makes every later send fail with
/// ``SNChannelError/closed``.
public struct MPSCReceiver<Element: Sendable>: ReceivingEndpoint, ~Copyable, @unchecked Sendable {
  @usableFromInline let ring: _SlotRing<Element>
  @usableFromInline let sharedHead: UnsafeMutablePointer<Atomic<Int>>
  @usableFromInline let capacity: Int
  @usableFromInline let senders: UnsafeEventCount
  @usableFromInline let receivers: UnsafeEventCount
  @usableFromInline let fence: AsymmetricFence
  /// The next position to read; only this endpoint advances it.
  @usableFromInline var head = 0

  init(_ ring: _SlotRing<Element>) {
    self.ring = ring
    sharedHead = ring.control.head
    capacity = ring.mask + 1
    senders = ring.senderEvents
    receivers = ring.receiverEvents
    fence = ring.fence
  }

  deinit { ring.control.releaseReceiver() }

  /// Receives without blocking.
  ///
  /// Elements from one sender arrive in the order it sent them.
  ///
  /// - Returns: The oldest published element, or `nil` if there is none now
  ///   (also while the sender that claimed the next slot is still writing it).
  /// - Throws: ``SNChannelError/closed`` once every sender is gone and the
  ///   channel is drained.
  /// - Complexity: O(1); no read-modify-write instruction.
  @inlinable @inline(__always)
  public mutating func tryReceive() throws(SNChannelError) -> Element? {
    let position = head
    let sequence = ring.sequence(position)
    if sequence.pointee.load(ordering: .acquiring) != position &+ 1 {
      guard receivers.isFlagSet else { return nil }
      if sequence.pointee.load(ordering: .acquiring) != position &+ 1 { throw .closed }
    }
    let element = ring.value(position).move()
    sequence.pointee.store(position &+ capacity, ordering: .releasing)
    head = position &+ 1
    sharedHead.pointee.store(position &+ 1, ordering: .relaxed)
    senders.notify(fence)
    return element
  }

  /// Receives, waiting while the channel is empty: spins briefly, then
  /// parks (an idle blocked receiver uses no CPU).
  ///
  /// - Returns: The oldest element.
  /// - Throws: ``SNChannelError/closed`` once every sender is gone and the
  ///   channel is drained.
  @inlinable
  public mutating func receive() throws(SNChannelError) -> Element {
    if let element = try tryReceive() { return element }
    return try _receiveBlocking(deadline: nil)
  }

  /// Moves up to `maxCount` published elements into `buffer` (appending);
  /// never blocks.
  ///
  /// - Parameters:
  ///   - buffer: Where received elements are appended.
  ///   - maxCount: The most elements to take.
  /// - Returns: How many were appended (0 if none is ready now).
  /// - Throws: ``SNChannelError/closed`` once every sender is gone and the
  ///   channel is drained.
  /// - Complexity: O(number received).
  @inlinable
  public mutating func tryReceive(
    into buffer: inout [Element], maxCount: Int
  ) throws(SNChannelError) -> Int {
    precondition(maxCount >= 0, "maxCount must not be negative")
    let position = head
    var count = 0
    while count < maxCount,
      ring.sequence(position &+ count).pointee.load(ordering: .acquiring) == position &+ count &+ 1
    {
      count &+= 1
    }
    if count == 0 {
      if maxCount == 0 { return 0 }
      guard ring.control.receiverEvents.isFlagSet else { return 0 }
      if ring.sequence(position).pointee.load(ordering: .acquiring) != position &+ 1 {
        throw .closed
      }
      return try tryReceive(into: &buffer, maxCount: maxCount)
    }
    buffer.reserveCapacity(buffer.count + count)
    for offset in 0..<count {
      buffer.append(ring.value(position &+ offset).move())
      ring.sequence(position &+ offset).pointee.store(
        position &+ offset &+ capacity, ordering: .releasing)
    }
    head = position &+ count
    sharedHead.pointee.store(position &+ count, ordering: .relaxed)
    ring.control.senderEvents.notify(ring.control.fence, count: count)
    return count
  }

  /// Closes the channel for sending: later sends fail with
  /// ``SNChannelError/closed``. Elements already queued can still be received.
  public mutating func close() { ring.control.markReceiversGone() }

  /// The channel's counters.
  public var stats: ChannelStats { ring.control.stats() }

  /// Where a receive that must wait for an element waits, as of now.
  public var receiveWaitPoint: EndpointWaitPoint {
    EndpointWaitPoint(ring.control, .slotElement(sequence: ring.sequence(head), position: head))
  }
}
