import SNAtomics
import Synchronization

/// The two endpoints of a new broadcast channel: every receiver sees every
/// message, from a bounded ring that never makes the sender wait.
///
/// A send writes the newest slot of the ring, replacing the oldest message
/// (overwrite-oldest); each receiver reads at its own pace. A receiver that
/// falls a whole ring behind is told how many messages it missed
/// (``BroadcastError/lagged``, with ``BroadcastError/missed``) and continues
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

/// Why a broadcast receive failed.
///
/// Compare with the static members (`error == .lagged`); equality looks only
/// at the kind of failure, not at ``missed``.
public struct BroadcastError: Error, Hashable, CustomStringConvertible {
  @usableFromInline
  enum Code: Hashable, Sendable { case lagged, closed, timedOut, cancelled }

  @usableFromInline let code: Code

  /// For ``lagged``, how many messages this receiver missed; 0 otherwise.
  public let missed: UInt64

  @usableFromInline
  init(_ code: Code, missed: UInt64 = 0) {
    self.code = code
    self.missed = missed
  }

  /// The receiver fell a whole ring behind: ``missed`` messages were
  /// overwritten before it read them. It continues from the oldest message
  /// still in the ring; the next receive returns it.
  public static let lagged = BroadcastError(.lagged)
  /// Every sender is gone and this receiver has read everything sent.
  public static let closed = BroadcastError(.closed)
  /// The deadline passed before a message arrived.
  public static let timedOut = BroadcastError(.timedOut)
  /// The task was cancelled while waiting; nothing was read.
  public static let cancelled = BroadcastError(.cancelled)

  /// Whether two errors are the same kind of failure.
  public static func == (lhs: BroadcastError, rhs: BroadcastError) -> Bool {
    lhs.code == rhs.code
  }

  /// Hashes the kind of failure.
  public func hash(into hasher: inout Hasher) { hasher.combine(code) }

  /// A short description of the failure.
  public var description: String {
    switch code {
    case .lagged: return "lagged: missed \(missed) messages"
    case .closed: return "channel closed"
    case .timedOut: return "timed out"
    case .cancelled: return "cancelled"
    }
  }
}

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
