import SNAtomics
import Synchronization

/// A latest-value receiver is a ``ReceivingEndpoint`` whose "receive" is
/// "the next change": ``tryReceive()`` and ``receive()`` return the newest
/// value once it differs from the one seen last, and mark it seen. So a
/// ``Select`` arm, ``ChannelMessages`` and the timeout and async forms wait
/// for changes and never return a value older than one already returned;
/// intermediate values are skipped.
extension WatchReceiver: ReceivingEndpoint {
  /// Returns the newest value if it changed since the one seen last, and
  /// marks it seen (``tryReceiveChange()``).
  ///
  /// - Returns: The new value, or `nil` if it has not changed.
  /// - Throws: ``SNChannelError/closed`` if it has not changed and every
  ///   sender is gone.
  @inlinable
  public mutating func tryReceive() throws(SNChannelError) -> Element? { try tryReceiveChange() }

  /// Waits for a value newer than the one seen last, blocking the thread
  /// (`receiveChange()`).
  ///
  /// - Returns: The newest value.
  /// - Throws: ``SNChannelError/closed`` if every sender is gone and the
  ///   value did not change.
  @inlinable
  public mutating func receive() throws(SNChannelError) -> Element { try receiveChange() }

  /// Unsubscribes this receiver: it no longer counts as a receiver, so once
  /// every receiver has closed or been dropped ``WatchSender/send(_:)``
  /// fails with ``SNChannelError/closed``. It can still read the value.
  public mutating func close() {
    guard !_closed else { return }
    _closed = true
    core.receivers.wrappingSubtract(1, ordering: .relaxed)
  }

  /// The channel's counters in the shape every kind shares: capacity 1,
  /// `sent` is the version held now, `received` the version this receiver
  /// saw last (so `depth` is 1 while it has a change to read); closed sends
  /// are `sendErrors.closed`. See ``watchStats``.
  public var stats: ChannelStats {
    let shared = core.stats
    return ChannelStats(
      capacity: 1, sent: shared.version, received: _seenVersion,
      sendErrors: SendErrorCounts(closed: shared.closedSends))
  }

  /// Where a wait for a change waits, as of now: the channel's signal,
  /// until the version differs from the one seen last or every sender is
  /// gone.
  public var receiveWaitPoint: EndpointWaitPoint {
    let core = core
    let seen = _seenVersion
    return EndpointWaitPoint(_SignalWait(core.signal, strategy: core.strategy) { core.ready(seen) })
  }
}
