import SNAtomics

/// A receiving endpoint of a rendezvous channel.
///
/// Receives take the value a sender is holding out; while a receiver waits
/// in a blocking or async receive, ``RendezvousSender/trySend(_:)`` can hand
/// it a value. The channel closes for senders when the last receiver is
/// dropped.
public struct RendezvousReceiver<Element: Sendable>: ~Copyable, Sendable {
  @usableFromInline let core: _RendezvousCore<Element>
  /// Whether ``close()`` already counted this receiver out.
  var closed = false

  init(_ core: _RendezvousCore<Element>) { self.core = core }

  deinit { if !closed { core.releaseReceiver() } }

  /// Another receiver for the same channel.
  ///
  /// - Returns: A new receiver; senders see the close when every receiver is gone.
  public func clone() -> RendezvousReceiver<Element> {
    core.retainReceiver()
    return RendezvousReceiver(core)
  }

  /// The channel's counters (see ``RendezvousSender/stats``).
  public var stats: ChannelStats { core.stats }

  /// Takes the value a sender is offering now, without waiting.
  ///
  /// - Returns: The value, or `nil` if no sender is offering one.
  /// - Throws: ``SNChannelError/closed`` once every sender is gone.
  @inlinable
  public func tryReceive() throws(SNChannelError) -> Element? {
    var unused = false
    switch core.take(waiting: false, usedCount: &unused) {
    case .element(let element): return element
    case .empty: return nil
    case .closed: throw .closed
    }
  }

  /// Receives a value, blocking the thread (spin, yield, park) until a
  /// sender offers one.
  ///
  /// - Returns: The value.
  /// - Throws: ``SNChannelError/closed`` once every sender is gone.
  @inlinable
  public func receive() throws(SNChannelError) -> Element {
    try receiveBlocking(deadline: nil)
  }

  /// Receives a value, blocking the thread for at most `timeout`.
  ///
  /// - Parameter timeout: How long to wait.
  /// - Returns: The value.
  /// - Throws: ``SNChannelError/timedOut`` or ``SNChannelError/closed``.
  public func receive(timeout: Duration) throws(SNChannelError) -> Element {
    try receiveBlocking(deadline: MonotonicClock.deadline(after: timeout))
  }

  /// Receives a value from async code, suspending the task until a sender
  /// offers one. A cancelled task takes nothing.
  ///
  /// - Returns: The value.
  /// - Throws: ``SNChannelError/closed`` or ``SNChannelError/cancelled``.
  nonisolated(nonsending)
    public func receive() async throws(SNChannelError) -> Element
  {
    try await receiveSuspending(deadline: nil)
  }

  /// Receives a value from async code, suspending the task for at most
  /// `timeout`.
  ///
  /// - Parameter timeout: How long to wait.
  /// - Returns: The value.
  /// - Throws: ``SNChannelError/timedOut``, ``SNChannelError/closed`` or
  ///   ``SNChannelError/cancelled``.
  nonisolated(nonsending)
    public func receive(timeout: Duration) async throws(SNChannelError) -> Element
  {
    try await receiveSuspending(deadline: MonotonicClock.deadline(after: timeout))
  }

  @inlinable
  func receiveBlocking(deadline: UInt64?) throws(SNChannelError) -> Element {
    if let element = try tryReceive() { return element }
    let core = core
    core.enterWaiting()
    var usedCount = false
    let outcome = core.receiverSignal.block(
      strategy: core.strategy, deadline: deadline,
      attempt: { () -> _RendezvousCore<Element>.Take? in
        let result = core.take(waiting: true, usedCount: &usedCount)
        if case .empty = result { return nil }
        return result
      }, ready: { core.canTake })
    return try Self.finish(core, outcome, usedCount: usedCount, failure: .timedOut)
  }

  nonisolated(nonsending)
    func receiveSuspending(deadline: UInt64?) async throws(SNChannelError) -> Element
  {
    if Task.isCancelled { throw .cancelled }
    if let element = try tryReceive() { return element }
    let core = core
    core.enterWaiting()
    var usedCount = false
    let end = await core.receiverSignal.suspend(
      strategy: core.strategy, deadline: deadline,
      attempt: { () -> _RendezvousCore<Element>.Take? in
        let result = core.take(waiting: true, usedCount: &usedCount)
        if case .empty = result { return nil }
        return result
      }, ready: { core.canTake })
    switch end {
    case .done(let outcome):
      return try Self.finish(core, outcome, usedCount: usedCount, failure: .timedOut)
    case .timedOut: return try Self.finish(core, nil, usedCount: false, failure: .timedOut)
    case .cancelled: return try Self.finish(core, nil, usedCount: false, failure: .cancelled)
    }
  }

  /// Counts a waiting receiver out: after an element, gives its count back
  /// unless a committed element used it; after none (closed, deadline,
  /// cancellation), takes the committed element its count stands for, if
  /// any (see ``_RendezvousCore``).
  @inlinable
  static func finish(
    _ core: _RendezvousCore<Element>, _ outcome: _RendezvousCore<Element>.Take?,
    usedCount: Bool, failure: SNChannelError
  ) throws(SNChannelError) -> Element {
    if case .element(let element)? = outcome {
      if !usedCount { core.leaveWaitingAfterTake() }
      return element
    }
    if let element = core.leaveWaiting() { return element }
    if case .closed? = outcome { throw .closed }
    throw failure
  }
}
