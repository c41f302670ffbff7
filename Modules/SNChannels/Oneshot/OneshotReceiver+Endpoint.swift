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
    // The same read-modify-write as the deinit's: the sender that sees the
    // bit takes its value back; a value already in (`valueBit` before the
    // close) stays this receiver's.
    let old = core.state.bitwiseOr(
      _OneshotCore<Element>.receiverGone, ordering: .acquiringAndReleasing
    ).oldValue
    if old & _OneshotCore<Element>.valueBit == 0 { received = true }
  }

  /// The channel's counters: capacity 1, at most one sent and received; the
  /// one-shot kind counts no send errors.
  public var stats: ChannelStats {
    let state = core.state.load(ordering: .relaxed)
    let sent: UInt64 = state & _OneshotCore<Element>.valueBit != 0 ? 1 : 0
    let taken: UInt64 = received && sent == 1 ? 1 : 0
    return ChannelStats(
      capacity: 1, sent: sent, received: taken,
      sendErrors: SendErrorCounts(full: 0, closed: 0, timedOut: 0))
  }

  /// Where a receive that must wait for the value waits, as of now: the
  /// channel's single waiter slot, fired when the sender sends or is dropped.
  public var receiveWaitPoint: EndpointWaitPoint { EndpointWaitPoint(slot: core) }
}

/// The one-shot channel's waiter slot, for the shared layer's waits and
/// ``Select``: the same publish and withdraw as the receiver's own waits
/// (see ``_OneshotCore`` for the ordering argument). Only the one receiver
/// uses it, one wait at a time, and every select scans the channel between
/// a withdraw and the next publish, so `waiter` is never replaced while the
/// sender may read it.
extension _OneshotCore: _WaiterSlot {
  @usableFromInline
  func isReady() -> Bool {
    state.load(ordering: .acquiring) & (Self.valueBit | Self.senderGone) != 0
  }

  @usableFromInline
  func register(_ waiter: _Waiter, tag: Int) -> Bool {
    self.waiter = waiter
    waiterTag = tag
    let old = state.bitwiseOr(Self.waitingBit, ordering: .acquiringAndReleasing).oldValue
    return old & Self.senderGone == 0
  }

  @usableFromInline
  func deregister(_ waiter: _Waiter) {
    state.bitwiseAnd(~Self.waitingBit, ordering: .acquiringAndReleasing)
  }
}
