import SNAtomics
import Synchronization

/// The receiving endpoint of a one-shot channel.
///
/// Receives the one value; after that (or once the sender is dropped without
/// sending) every receive throws ``SNChannelError/closed``. Dropping the
/// receiver makes a later send fail and hand its value back.
public struct OneshotReceiver<Element: Sendable>: ~Copyable, Sendable {
  @usableFromInline let core: _OneshotStorage<Element>
  @usableFromInline var received = false

  @usableFromInline
  init(_ core: _OneshotStorage<Element>) { self.core = core }

  deinit { core.receiverLeaves(received: received) }

  /// Whether the value has been sent and not yet received.
  @inlinable
  public var isReady: Bool {
    !received
      && core.state.pointee.load(ordering: .relaxed) & _OneshotStorage<Element>.valueBit != 0
  }

  /// Receives the value if it has been sent.
  ///
  /// - Returns: The value, or `nil` if it has not been sent yet.
  /// - Throws: ``SNChannelError/closed`` if the sender was dropped without
  ///   sending, or the value was received already.
  /// - Complexity: O(1); one load.
  @inlinable
  public mutating func tryReceive() throws(SNChannelError) -> Element? {
    if received { throw .closed }
    let state = core.state.pointee.load(ordering: .acquiring)
    if state & _OneshotStorage<Element>.valueBit != 0 {
      received = true
      return core.valuePointer.move()
    }
    if state & _OneshotStorage<Element>.senderGone != 0 { throw .closed }
    return nil
  }

  /// Receives the value, blocking the thread (spin, yield, park) until it is
  /// sent.
  ///
  /// - Returns: The value.
  /// - Throws: ``SNChannelError/closed`` if the sender was dropped without
  ///   sending, or the value was received already.
  @inlinable
  public mutating func receive() throws(SNChannelError) -> Element {
    if let element = try tryReceive() { return element }
    return try receiveBlocking(deadline: nil)
  }

  /// Receives the value, blocking the thread for at most `timeout`.
  ///
  /// - Parameter timeout: How long to wait.
  /// - Returns: The value.
  /// - Throws: ``SNChannelError/timedOut`` if it was not sent in time (the
  ///   receiver stays usable); ``SNChannelError/closed`` as `receive()`.
  public mutating func receive(timeout: Duration) throws(SNChannelError) -> Element {
    try receiveBlocking(deadline: MonotonicClock.deadline(after: timeout))
  }

  /// Receives the value from async code, suspending the task until it is
  /// sent. A cancelled task leaves the value in the channel.
  ///
  /// - Returns: The value.
  /// - Throws: ``SNChannelError/closed`` as `receive()`;
  ///   ``SNChannelError/cancelled`` if the task is cancelled.
  nonisolated(nonsending)
    public mutating func receive() async throws(SNChannelError) -> Element
  {
    try await receiveSuspending(deadline: nil)
  }

  /// Receives the value from async code, suspending the task for at most
  /// `timeout`.
  ///
  /// - Parameter timeout: How long to wait.
  /// - Returns: The value.
  /// - Throws: ``SNChannelError/timedOut``, ``SNChannelError/cancelled`` or
  ///   ``SNChannelError/closed``.
  nonisolated(nonsending)
    public mutating func receive(timeout: Duration) async throws(SNChannelError) -> Element
  {
    try await receiveSuspending(deadline: MonotonicClock.deadline(after: timeout))
  }

  // MARK: - Waiting

  /// Publishes `waiter` in the channel's slot (``_OneshotStorage``'s
  /// `register`): `false` if the sender has finished.
  private func publish(_ waiter: _Waiter) -> Bool { core.register(waiter, tag: 0) }

  /// Withdraws the published waiter after a wait that ended without a
  /// wake-up (``_OneshotStorage``'s `deregister`).
  private func withdraw(_ waiter: _Waiter) { core.deregister(waiter) }

  @usableFromInline
  mutating func receiveBlocking(deadline: UInt64?) throws(SNChannelError) -> Element {
    var backoff = Backoff(strategy: core.strategy)
    var spun = false
    let core = core
    while true {
      if let element = try tryReceive() { return element }
      if let deadline, MonotonicClock.nanoseconds >= deadline { throw .timedOut }
      if !spun {
        // A fine-grained spin first (see `_KindSignal.block`).
        spun = true
        _ = _spin(
          until: {
            core.state.pointee.load(ordering: .acquiring)
              & (_OneshotStorage<Element>.valueBit | _OneshotStorage<Element>.senderGone) != 0
          }, strategy: core.strategy, long: false)
        continue
      }
      guard backoff.shouldPark else {
        backoff.snooze()
        continue
      }
      let parker = Parker(spinCount: 0)
      let waiter = _Waiter(parker: parker)
      if publish(waiter) {
        while case .waiting = waiter.phase {
          if !parker.park(deadline: deadline) { waiter.expire() }
        }
        if case .timedOut = waiter.phase {
          withdraw(waiter)
          if let element = try tryReceive() { return element }
          throw .timedOut
        }
      }
    }
  }

  nonisolated(nonsending)
    private mutating func receiveSuspending(deadline: UInt64?) async throws(SNChannelError)
    -> Element
  {
    while true {
      if Task.isCancelled { throw .cancelled }
      if let element = try tryReceive() { return element }
      let waiter = _Waiter()
      guard publish(waiter) else { continue }
      await _suspend(waiter, deadline: deadline)
      switch waiter.phase {
      case .fired: continue
      case .timedOut:
        withdraw(waiter)
        if let element = try tryReceive() { return element }
        throw .timedOut
      case .cancelled, .waiting:
        withdraw(waiter)
        throw .cancelled
      }
    }
  }
}
