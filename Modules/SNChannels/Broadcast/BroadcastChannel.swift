import SNAtomics
import Synchronization

/// The two endpoints of a new broadcast channel: every receiver sees every
/// message, from a bounded ring that never makes the sender wait.
///
/// A send writes the newest slot of the ring, replacing the oldest message
/// (overwrite-oldest); each receiver reads at its own pace. A receiver that
/// falls a whole ring behind is told how many messages it missed
/// (``SNChannelError/lagged``, with ``SNChannelError/missed``) and continues
/// from the oldest message still there, as with tokio's `broadcast`. Each
/// receiver gets its own copy of each message, so `Element` is copied, not
/// moved: a class reference or a small value.
///
/// ```swift
/// let channel = try SNChannel<String>.broadcast(capacity: 64)
/// let audit = channel.receiver.subscribe()   // starts at the next message
/// try channel.sender.send("deploy started")
/// ```
@frozen
public struct BroadcastChannel<Element: Sendable>: ~Copyable {
  /// The first sender; ``BroadcastSender/clone()`` makes more.
  public var sender: BroadcastSender<Element>
  /// The first receiver; ``BroadcastSender/subscribe()`` and
  /// ``BroadcastReceiver/subscribe()`` make more.
  public var receiver: BroadcastReceiver<Element>

  @usableFromInline
  init(capacity: Int, strategy: WaitStrategy) {
    let core = _BroadcastCore<Element>(capacity: capacity, strategy: strategy)
    sender = BroadcastSender(core)
    receiver = BroadcastReceiver(core, next: 0)
  }
}

extension SNChannel {
  /// Creates a broadcast channel: every receiver sees every message, from a
  /// ring of `capacity` messages that overwrites its oldest.
  ///
  /// - Parameters:
  ///   - capacity: Messages kept for slow receivers; rounded up to a power
  ///     of two (see ``ChannelCapacity``).
  ///   - waitStrategy: How blocking receives wait.
  /// - Returns: The first sender and the first receiver.
  /// - Throws: ``SNChannelError/invalidCapacity`` for a capacity below 1 or
  ///   above ``ChannelCapacity/maximum``.
  public static func broadcast(capacity: Int, waitStrategy: WaitStrategy = .default)
    throws(SNChannelError) -> BroadcastChannel<Element>
  {
    BroadcastChannel(capacity: try ChannelCapacity.rounded(capacity), strategy: waitStrategy)
  }
}

/// Why a broadcast receive failed: an ``SNChannelError``.
///
/// A broadcast receiver throws the error every receiver throws, so it is a
/// ``ReceivingEndpoint`` like the others (``Select``, ``ChannelMessages``
/// and the timeout and async forms serve it); the one broadcast-only case is
/// ``SNChannelError/lagged``, with ``SNChannelError/missed``. The other cases
/// it throws: ``SNChannelError/closed``, ``SNChannelError/timedOut`` and
/// ``SNChannelError/cancelled``.
public typealias BroadcastError = SNChannelError

/// A snapshot of a broadcast channel's counters (relaxed loads: exact when
/// the channel is quiet).
public struct BroadcastStats: Sendable, Hashable, CustomStringConvertible {
  /// Messages the ring keeps (after rounding).
  public var capacity: Int
  /// Messages sent so far.
  public var sent: UInt64
  /// Live receivers.
  public var receivers: Int
  /// Messages receivers missed by lagging, summed over all receivers.
  public var missed: UInt64
  /// Sends refused because no receiver was left.
  public var closedSends: UInt64

  /// A one-line summary.
  public var description: String {
    "sent \(sent), capacity \(capacity), receivers \(receivers), missed \(missed),"
      + " closed sends \(closedSends)"
  }
}

extension _BroadcastCore {
  var stats: BroadcastStats {
    BroadcastStats(
      capacity: capacity, sent: UInt64(tail[0].load(ordering: .relaxed)),
      receivers: receivers.load(ordering: .relaxed), missed: missed.load(ordering: .relaxed),
      closedSends: closedSends.load(ordering: .relaxed))
  }
}
