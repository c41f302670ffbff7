import SNAtomics
import Synchronization

/// A sending endpoint of a broadcast channel.
///
/// A send never waits: it writes the newest slot of the ring (overwriting
/// the oldest message) and wakes waiting receivers. So ``send(_:)`` is the
/// try, blocking, timeout and async form at once. When the last sender is
/// dropped, receivers read what is left and then see
/// ``SNChannelError/closed``.
public struct BroadcastSender<Element: Sendable>: ~Copyable, Sendable {
  @usableFromInline let core: _BroadcastCore<Element>

  @usableFromInline
  init(_ core: _BroadcastCore<Element>) { self.core = core }

  deinit { core.releaseSender() }

  /// Another sender for the same channel.
  ///
  /// - Returns: A new sender; the channel stays open while any sender lives.
  public func clone() -> BroadcastSender<Element> {
    core.senders.wrappingAdd(1, ordering: .relaxed)
    return BroadcastSender(core)
  }

  /// Drops this sender now (the last one closes the channel).
  public consuming func close() {}

  /// A new receiver that sees the messages sent after this call.
  ///
  /// - Returns: The receiver.
  public func subscribe() -> BroadcastReceiver<Element> {
    core.receivers.wrappingAdd(1, ordering: .relaxed)
    return BroadcastReceiver(core, next: core.tail[0].load(ordering: .acquiring))
  }

  /// The channel's counters.
  public var stats: BroadcastStats { core.stats }

  /// Sends `message` to every receiver, overwriting the oldest message of
  /// the ring. Never waits.
  ///
  /// - Parameter message: The message.
  /// - Throws: ``SendError`` with ``SNChannelError/closed``, holding `message`,
  ///   if no receiver is left.
  /// - Complexity: O(1): one fetch-add, one slot lock.
  @inlinable @inline(__always)
  public func send(_ message: consuming Element) throws(SendError<Element>) {
    if let back = core.send(message) { throw SendError(reason: .closed, element: back) }
  }
}
