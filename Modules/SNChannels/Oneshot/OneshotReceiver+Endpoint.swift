import SNAtomics
import Synchronization

/// A one-shot receiver is a ``ReceivingEndpoint`` of at most one element:
/// a ``Select`` arm, ``ChannelMessages`` (one element, then the end) and
/// the deadline form come from the shared layer.
extension OneshotReceiver: ReceivingEndpoint {
  /// Closes the channel: a later send fails and hands its value back. A
  /// value sent before the close can still be received; otherwise receives
  /// throw ``SNChannelError/closed`` from now on.
  public mutating func close() {
    if received { return }
    // A value in before the close stays receivable; otherwise nothing will
    // come (a later send keeps its value), and receives throw.
    if !core.close() { received = true }
  }

  /// The channel's counters: capacity 1, at most one sent and received; the
  /// one-shot kind counts no send errors.
  public var stats: ChannelStats {
    let state = core.state.pointee.load(ordering: .relaxed)
    let sent: UInt64 = state & _OneshotStorage<Element>.valueBit != 0 ? 1 : 0
    let taken: UInt64 = received && sent == 1 ? 1 : 0
    return ChannelStats(
      capacity: 1, sent: sent, received: taken,
      sendErrors: SendErrorCounts(full: 0, closed: 0, timedOut: 0))
  }

  /// Where a receive that must wait for the value waits, as of now: the
  /// channel's single waiter slot, fired when the sender sends or is dropped.
  public var receiveWaitPoint: EndpointWaitPoint { EndpointWaitPoint(slot: core) }
}
