import SNAtomics
import Synchronization

/// A rendezvous receiver is a ``ReceivingEndpoint``.
///
/// Its own receives (``receive()``, ``receive(timeout:)``,
/// ``receive(deadline:)`` and their async forms) count it as a waiting
/// receiver, so a ``RendezvousSender/trySend(_:)`` can hand it a value. The
/// forms that come from the shared layer in generic code, a ``Select`` arm
/// among them, poll ``tryReceive()`` instead: they take a value a blocking,
/// timed or async send offers, not one a `trySend` would hand over.
extension RendezvousReceiver: ReceivingEndpoint {
  /// Closes this receiver: it no longer keeps the channel open for senders
  /// (sends fail with ``SNChannelError/closed`` once every receiver has
  /// closed or been dropped; a send waiting for a taker gets its value back).
  public mutating func close() {
    guard !closed else { return }
    closed = true
    core.releaseReceiver()
  }

  /// Where a receive that must wait for an offer waits, as of now: the
  /// receivers' signal, until a sender offers a value or every sender is
  /// gone.
  public var receiveWaitPoint: EndpointWaitPoint {
    let core = core
    return EndpointWaitPoint(
      _SignalWait(core.receiverSignal, strategy: core.strategy) { core.canTake })
  }

  /// Receives a value, blocking the thread until a sender offers one or
  /// `deadline` passes.
  ///
  /// - Parameter deadline: When to give up.
  /// - Returns: The value.
  /// - Throws: ``SNChannelError/timedOut`` or ``SNChannelError/closed``.
  public func receive(deadline: ContinuousClock.Instant) throws(SNChannelError) -> Element {
    try receiveBlocking(deadline: _monotonicDeadline(deadline))
  }

  /// Receives a value from async code, suspending the task until a sender
  /// offers one or `deadline` passes.
  ///
  /// - Parameter deadline: When to give up.
  /// - Returns: The value.
  /// - Throws: ``SNChannelError/timedOut``, ``SNChannelError/closed`` or
  ///   ``SNChannelError/cancelled``.
  nonisolated(nonsending)
    public func receive(deadline: ContinuousClock.Instant) async throws(SNChannelError) -> Element
  {
    try await receiveSuspending(deadline: _monotonicDeadline(deadline))
  }
}
