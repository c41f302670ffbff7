import SNAtomics
import Synchronization

/// A receiving endpoint of a latest-value channel: reads the newest value
/// and waits for it to change.
///
/// The receiver remembers the version it saw last (``seenVersion``). A
/// `receiveChange` returns the newest value once its version differs, and
/// marks it seen; values stored in between are skipped, never delivered out
/// of order.
public struct WatchReceiver<Element: Sendable>: ~Copyable, Sendable {
  @usableFromInline let core: _WatchCore<Element>
  @usableFromInline var _seenVersion: UInt64
  /// Whether ``close()`` already counted this receiver out.
  @usableFromInline var _closed = false

  /// The version of the value this receiver saw last.
  public var seenVersion: UInt64 { _seenVersion }

  @usableFromInline
  init(_ core: _WatchCore<Element>, seen: UInt64) {
    self.core = core
    self._seenVersion = seen
  }

  deinit { if !_closed { core.receivers.wrappingSubtract(1, ordering: .relaxed) } }

  /// Another receiver with the same seen version.
  ///
  /// - Returns: The receiver.
  public func clone() -> WatchReceiver<Element> {
    core.receivers.wrappingAdd(1, ordering: .relaxed)
    return WatchReceiver(core, seen: seenVersion)
  }

  /// The value held now, without marking it seen.
  public var current: Element { core.snapshot().0 }

  /// Whether a newer value than the one seen last has been stored.
  public var hasChanged: Bool { core.version.load(ordering: .acquiring) != seenVersion }

  /// Whether every sender is gone (the value can no longer change).
  public var isClosed: Bool { core.isClosed }

  /// The channel's counters, latest value's own: version, receivers.
  public var watchStats: WatchStats { core.stats }

  /// Returns the newest value and marks it seen, whether or not it changed.
  ///
  /// - Returns: The value held now.
  public mutating func receiveLatest() -> Element {
    let (value, version) = core.snapshot()
    _seenVersion = version
    return value
  }

  /// Returns the newest value if it changed since the one seen last, and
  /// marks it seen.
  ///
  /// - Returns: The new value, or `nil` if it has not changed.
  /// - Throws: ``SNChannelError/closed`` if it has not changed and every
  ///   sender is gone.
  @inlinable
  public mutating func tryReceiveChange() throws(SNChannelError) -> Element? {
    // The close is loaded before the value: the last value sent is seen.
    let closed = core.isClosed
    if core.version.load(ordering: .acquiring) != _seenVersion {
      let (value, version) = core.snapshot()
      _seenVersion = version
      return value
    }
    if closed { throw .closed }
    return nil
  }

  /// Waits for a value newer than the one seen last, blocking the thread
  /// (spin, yield, park), and returns it marked seen.
  ///
  /// - Returns: The newest value.
  /// - Throws: ``SNChannelError/closed`` if every sender is gone and the
  ///   value did not change.
  @inlinable
  public mutating func receiveChange() throws(SNChannelError) -> Element {
    if let value = try tryReceiveChange() { return value }
    return try _receiveBlocking(deadline: nil)
  }

  /// Waits at most `timeout` for a value newer than the one seen last.
  ///
  /// - Parameter timeout: How long to wait.
  /// - Returns: The newest value.
  /// - Throws: ``SNChannelError/timedOut`` or ``SNChannelError/closed``.
  @inlinable
  public mutating func receiveChange(timeout: Duration) throws(SNChannelError) -> Element {
    try receive(timeout: timeout)
  }

  /// Waits from async code (suspending the task) for a value newer than the
  /// one seen last.
  ///
  /// - Returns: The newest value.
  /// - Throws: ``SNChannelError/closed`` or ``SNChannelError/cancelled``.
  @inlinable
  nonisolated(nonsending)
    public mutating func receiveChange() async throws(SNChannelError) -> Element
  {
    try await receive()
  }

  /// Waits from async code at most `timeout` for a value newer than the one
  /// seen last.
  ///
  /// - Parameter timeout: How long to wait.
  /// - Returns: The newest value.
  /// - Throws: ``SNChannelError/timedOut``, ``SNChannelError/closed`` or
  ///   ``SNChannelError/cancelled``.
  @inlinable
  nonisolated(nonsending)
    public mutating func receiveChange(timeout: Duration) async throws(SNChannelError) -> Element
  {
    try await receive(timeout: timeout)
  }
}
