import SNAtomics
import Synchronization

/// A sending endpoint of a latest-value channel.
///
/// Sends replace the value (they never wait) and wake receivers waiting for
/// a change. When the last sender is dropped, receivers see
/// ``SNChannelError/closed`` once they have seen the last value.
public struct WatchSender<Element: Sendable>: ~Copyable, Sendable {
  @usableFromInline let core: _WatchCore<Element>

  @usableFromInline
  init(_ core: _WatchCore<Element>) { self.core = core }

  deinit { core.releaseSender() }

  /// Another sender for the same channel.
  ///
  /// - Returns: A new sender; the channel stays open while any sender lives.
  public func clone() -> WatchSender<Element> {
    core.senders.wrappingAdd(1, ordering: .relaxed)
    return WatchSender(core)
  }

  /// Drops this sender now (the last one closes the channel).
  public consuming func close() {}

  /// A new receiver that counts the value held now as seen.
  ///
  /// - Returns: The receiver.
  public func subscribe() -> WatchReceiver<Element> {
    core.receivers.wrappingAdd(1, ordering: .relaxed)
    return WatchReceiver(core, seen: core.version.load(ordering: .acquiring))
  }

  /// The value held now (a copy).
  public var current: Element { core.snapshot().0 }

  /// The channel's counters.
  public var stats: WatchStats { core.stats }

  /// Stores `value` as the newest value, if any receiver is left to see it.
  ///
  /// - Parameter value: The new value.
  /// - Throws: ``SendError`` with ``SNChannelError/closed``, holding `value`,
  ///   if every receiver is gone (the held value is unchanged).
  /// - Complexity: O(1): one short lock.
  @inlinable
  public func send(_ value: consuming Element) throws(SendError<Element>) {
    if core.receivers.load(ordering: .relaxed) == 0 {
      core.closedSends.wrappingAdd(1, ordering: .relaxed)
      throw SendError(reason: .closed, element: value)
    }
    _ = core.replace(value)
  }

  /// Stores `value` as the newest value whether or not any receiver is
  /// left (a later ``subscribe()`` sees it).
  ///
  /// - Parameter value: The new value.
  /// - Returns: The value it replaced.
  @discardableResult
  @inlinable
  public func replace(_ value: consuming Element) -> Element { core.replace(value) }
}
