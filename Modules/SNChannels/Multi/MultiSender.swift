import SNAtomics
import Synchronization

/// A sending endpoint of an MPSC or MPMC channel (one type for both: their
/// senders run the same algorithm).
///
/// Noncopyable and `Sendable`: make one per producer with ``clone()`` and
/// move each to its thread. When the last sender is dropped (or closed), the
/// receivers drain what was sent and then see ``SNChannelError/closed``.
public struct MultiSender<Element: Sendable>: SendingEndpoint, ~Copyable, Sendable {
  @usableFromInline let ring: _SlotRing<Element>

  init(_ ring: _SlotRing<Element>) { self.ring = ring }

  deinit { ring.control.releaseSender() }

  /// Another sender for the same channel, for another producer.
  ///
  /// - Returns: A new sender; the channel stays open while any sender lives.
  public func clone() -> MultiSender<Element> {
    ring.control.retainSender()
    return MultiSender(ring)
  }

  /// Sends without blocking.
  ///
  /// - Parameter element: The element to send.
  /// - Throws: ``SendError`` with ``SNChannelError/full`` or
  ///   ``SNChannelError/closed``, holding `element`. `full` may also be reported
  ///   while a receiver is still moving an element out of the slot.
  /// - Complexity: O(1) without contention; one compare-and-swap.
  @inlinable @inline(__always)
  public func trySend(_ element: consuming Element) throws(SendError<Element>) {
    switch ring.push(element) {
    case .sent: return
    case .full(let element):
      ring.control.countSendError(.full)
      throw SendError(reason: SNChannelError(.full), element: element)
    case .closed(let element):
      ring.control.countSendError(.closed)
      throw SendError(reason: SNChannelError(.closed), element: element)
    }
  }

  /// Sends, waiting for room while the channel is full: spins briefly,
  /// then parks (an idle blocked sender uses no CPU).
  ///
  /// - Parameter element: The element to send.
  /// - Throws: ``SendError`` with ``SNChannelError/closed``, holding `element`.
  @inlinable
  public func send(_ element: consuming Element) throws(SendError<Element>) {
    switch ring.push(element) {
    case .sent: return
    case .full(let element): try ring.sendBlocking(element, deadline: nil)
    case .closed(let element):
      ring.control.countSendError(.closed)
      throw SendError(reason: SNChannelError(.closed), element: element)
    }
  }

  /// Sends, waiting at most `timeout` for room.
  ///
  /// Non-mutating, like ``send(_:)``: one sender may be used by several
  /// threads at once (the worker pool shares its queue's sender). The
  /// generic form that ``SendingEndpoint`` gives every kind is `mutating`.
  ///
  /// - Parameters:
  ///   - element: The element to send.
  ///   - timeout: The longest wait.
  /// - Throws: ``SendError`` with ``SNChannelError/timedOut`` or
  ///   ``SNChannelError/closed``, holding `element`.
  @inlinable
  public func send(_ element: consuming Element, timeout: Duration) throws(SendError<Element>) {
    try ring.sendBlocking(element, deadline: MonotonicClock.deadline(after: timeout))
  }

  /// Sends, waiting until `deadline` for room; non-mutating, as
  /// ``send(_:timeout:)``.
  ///
  /// - Parameters:
  ///   - element: The element to send.
  ///   - deadline: When to give up.
  /// - Throws: ``SendError`` with ``SNChannelError/timedOut`` or
  ///   ``SNChannelError/closed``, holding `element`.
  @inlinable
  public func send(
    _ element: consuming Element, deadline: ContinuousClock.Instant
  ) throws(SendError<Element>) {
    try ring.sendBlocking(element, deadline: _monotonicDeadline(deadline))
  }

  /// Sends as many elements of `elements` as fit now, in order, claiming
  /// their slots with one compare-and-swap; never blocks.
  ///
  /// - Parameter elements: The elements to send.
  /// - Returns: How many were sent: a prefix of `elements`; the rest remain
  ///   the caller's.
  /// - Throws: ``SNChannelError/closed`` if the receivers are gone (nothing sent).
  /// - Complexity: O(number sent).
  @inlinable
  public func trySend<C: Collection>(
    contentsOf elements: C
  ) throws(SNChannelError) -> Int where C.Element == Element {
    try ring.trySend(contentsOf: elements)
  }

  /// Gives up this sender, as dropping it does: once no sender is left,
  /// receivers drain what was sent and then see ``SNChannelError/closed``.
  public consuming func close() {}

  /// Where a send that must wait for room waits, as of now.
  public var sendWaitPoint: EndpointWaitPoint { EndpointWaitPoint(ring.control, .sharedRoom(ring)) }

  /// The channel's counters.
  public var stats: ChannelStats { ring.control.stats() }

  /// Whether the receivers are closed or gone (sends would fail).
  public var isClosed: Bool { ring.control.isClosedForSending }
}

/// The sender of an MPSC channel.
public typealias MPSCSender<Element: Sendable> = MultiSender<Element>

/// The sender of an MPMC channel.
public typealias MPMCSender<Element: Sendable> = MultiSender<Element>
