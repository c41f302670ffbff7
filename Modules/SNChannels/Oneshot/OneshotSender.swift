import SNAtomics
import Synchronization

/// The sending endpoint of a one-shot channel: sends one value, once.
///
/// Sending consumes the sender, so a second send does not compile. Dropping
/// it without sending closes the channel: the receiver then sees
/// ``SNChannelError/closed``.
@frozen
public struct OneshotSender<Element: Sendable>: ~Copyable, Sendable {
  @usableFromInline let core: _OneshotStorage<Element>

  @usableFromInline
  init(_ core: _OneshotStorage<Element>) { self.core = core }

  // Dropped unsent (a send discards `self`): the receiver sees the close.
  deinit { _ = core.finishSending(with: 0) }

  /// Whether the receiver is gone, so a send would fail: a producer can
  /// skip computing a value nobody will read.
  @inlinable
  public var isClosed: Bool {
    core.state.pointee.load(ordering: .relaxed)
      & (_OneshotStorage<Element>.receiverGone | _OneshotStorage<Element>.closedBit) != 0
  }

  /// Sends the value and wakes the receiver if it waits. Never blocks.
  ///
  /// - Parameter element: The value.
  /// - Throws: ``SendError`` with ``SNChannelError/closed``, holding `element`,
  ///   if the receiver is gone.
  /// - Complexity: O(1); one read-modify-write.
  @inlinable
  public consuming func send(_ element: consuming Element) throws(SendError<Element>) {
    let core = core
    discard self
    core.valuePointer.initialize(to: element)
    _referenceBarrier(for: Element.self)
    if let back = core.finishSending(with: _OneshotStorage<Element>.valueBit) {
      throw SendError(reason: .closed, element: back)
    }
  }
}
