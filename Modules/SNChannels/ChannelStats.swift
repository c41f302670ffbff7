/// A snapshot of a channel's counters.
///
/// Counters are read with relaxed loads, one after another, while other
/// threads keep going: a snapshot is exact when the channel is quiet and
/// approximate (each field individually correct at some recent instant)
/// while it is busy. Counting costs the hot path nothing: ``sent`` and
/// ``received`` are derived from the ring indices themselves, and errors are
/// counted only on the failure path.
public struct ChannelStats: Sendable, Hashable, CustomStringConvertible {
  /// The channel's capacity (after rounding).
  public var capacity: Int
  /// Elements accepted by the channel so far (for MPSC/MPMC: slots claimed
  /// by senders, including any still being written).
  public var sent: UInt64
  /// Elements taken out of the channel so far.
  public var received: UInt64
  /// Failed sends, by reason.
  public var sendErrors: SendErrorCounts

  /// Elements queued now: `sent - received`, clamped to `0...capacity`.
  public var depth: Int {
    let difference = sent &- received
    return Int(min(UInt64(capacity), difference > UInt64(Int.max) ? 0 : difference))
  }

  /// Creates a snapshot.
  ///
  /// - Parameters:
  ///   - capacity: The channel's capacity.
  ///   - sent: Elements sent.
  ///   - received: Elements received.
  ///   - sendErrors: Failed sends by reason.
  public init(capacity: Int, sent: UInt64, received: UInt64, sendErrors: SendErrorCounts) {
    self.capacity = capacity
    self.sent = sent
    self.received = received
    self.sendErrors = sendErrors
  }

  /// A one-line summary.
  public var description: String {
    "sent \(sent), received \(received), depth \(depth)/\(capacity), send errors \(sendErrors.total)"
      + " (full \(sendErrors.full), closed \(sendErrors.closed), timed out \(sendErrors.timedOut))"
  }
}

/// Failed sends, counted by reason.
public struct SendErrorCounts: Sendable, Hashable {
  /// Non-blocking sends that found the channel full.
  public var full: UInt64
  /// Sends refused because the receiving side was closed or gone.
  public var closed: UInt64
  /// Blocking sends whose deadline passed.
  public var timedOut: UInt64

  /// All failed sends.
  public var total: UInt64 { full &+ closed &+ timedOut }

  /// Creates counts.
  ///
  /// - Parameters:
  ///   - full: Sends that found the channel full.
  ///   - closed: Sends refused as closed.
  ///   - timedOut: Sends that timed out.
  public init(full: UInt64 = 0, closed: UInt64 = 0, timedOut: UInt64 = 0) {
    self.full = full
    self.closed = closed
    self.timedOut = timedOut
  }
}
