import SNAtomics
import Synchronization

/// A broadcast receiver is a ``ReceivingEndpoint``: the timeout, deadline,
/// async and batch receives, ``ChannelMessages``, `blockingMessages()` and
/// ``Select`` come from the shared layer.
///
/// A lag surfaces as a thrown ``SNChannelError/lagged`` (with
/// ``SNChannelError/missed``) from every receive form, including the
/// shared ones and a ``Select`` arm: the receiver has already moved on to
/// the oldest message still in the ring, so the caller notes the loss and
/// receives again (a `for try await` loop over ``ChannelMessages`` ends at
/// a lag; catch it and iterate again to continue).
extension BroadcastReceiver: ReceivingEndpoint {
  /// Moves up to `maxCount` ready messages into `buffer` (appending); never
  /// blocks.
  ///
  /// - Parameters:
  ///   - buffer: Where received messages are appended.
  ///   - maxCount: The most messages to take.
  /// - Returns: How many were appended (0 if none is ready now).
  /// - Throws: ``SNChannelError/lagged`` if messages were overwritten before
  ///   this receiver read them (its ``SNChannelError/transferred`` counts the
  ///   messages appended before the gap); ``SNChannelError/closed`` once every
  ///   sender is gone and everything sent was read (nothing appended).
  /// - Complexity: O(number received).
  public mutating func tryReceive(
    into buffer: inout [Element], maxCount: Int
  ) throws(BroadcastError) -> Int {
    var count = 0
    do {
      while count < maxCount, let element = try tryReceive() {
        buffer.append(element)
        count &+= 1
      }
    } catch {
      if error == .closed, count > 0 { return count }
      throw error.with(transferred: count)
    }
    return count
  }

  /// Unsubscribes this receiver: it no longer keeps the channel open for
  /// senders (a send fails with ``SNChannelError/closed`` once every receiver
  /// has closed or been dropped). Messages already sent can still be read
  /// from it while the ring holds them.
  public mutating func close() {
    guard !_closed else { return }
    _closed = true
    core.receivers.wrappingSubtract(1, ordering: .relaxed)
  }

  /// The channel's counters in the shape every kind shares: `sent` counts
  /// the channel's messages, `received` those this receiver read or missed,
  /// so `depth` is what it has still to read (up to the capacity); closed
  /// sends are `sendErrors.closed`. See ``broadcastStats`` for receivers and misses.
  public var stats: ChannelStats {
    let shared = core.stats
    return ChannelStats(
      capacity: shared.capacity, sent: shared.sent, received: _received &+ _missed,
      sendErrors: SendErrorCounts(closed: shared.closedSends))
  }

  /// Where a receive that must wait for a message waits, as of now: the
  /// channel's signal, until position `next` is written or every sender is
  /// gone (`_BroadcastCore.ready(_:)`).
  public var receiveWaitPoint: EndpointWaitPoint {
    let core = core
    let position = next
    return EndpointWaitPoint(
      _SignalWait(core.signal, strategy: core.strategy) { core.ready(position) })
  }
}
