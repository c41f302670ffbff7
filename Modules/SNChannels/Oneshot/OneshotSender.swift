import SNAtomics
import Synchronization

/// The sending endpoint of a one-shot channel: sends one value, once.
///
/// Sending consumes the sender, so a second send does not compile. Dropping
/// it without sending closes the channel: the receiver then sees
/// ``SNChannelError/closed``.
public struct OneshotSender<Element: Sendable>: ~Copyable, Sendable {
  @usableFromInline let core: _OneshotCore<Element>

  @usableFromInline
  init(_ core: _OneshotCore<Element>) { self.core = core }

  deinit {
    // After a send the sender's own earlier read-modify-write set
    // `senderGone`; this thread reads it back (coherence), so the drop
    // costs a load, not a second read-modify-write.
    if core.state.load(ordering: .relaxed) & _OneshotCore<Element>.senderGone == 0 {
      _ = core.finishSending(with: 0)
    }
  }

  /// Whether the receiver is gone, so a send would fail: a producer can
  /// skip computing a value nobody will read.
  @inlinable
  public var isClosed: Bool {
    core.state.load(ordering: .relaxed) & _OneshotCore<Element>.receiverGone != 0
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
    if core.state.load(ordering: .relaxed) & _OneshotCore<Element>.receiverGone != 0 {
      throw SendError(reason: .closed, element: element)
    }
    core.value = element
    let old = core.finishSending(with: _OneshotCore<Element>.valueBit)
    if old & _OneshotCore<Element>.receiverGone != 0 {
      // The receiver left before the value went in and never looks at it:
      // the value is the sender's again.
      let element = core.value.take()!
      throw SendError(reason: .closed, element: element)
    }
  }
}
