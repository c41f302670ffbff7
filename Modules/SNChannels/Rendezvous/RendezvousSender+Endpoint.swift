import SNAtomics
import Synchronization

/// A rendezvous sender is a ``SendingEndpoint``.
///
/// Its own blocking, timed and async sends offer the value until a receiver
/// takes it. The forms that come from the shared layer in generic code, a
/// ``Select`` send arm among them, try ``trySend(_:)`` instead: they hand
/// the value only to a receiver waiting in a blocking, timed or async
/// receive.
extension RendezvousSender: SendingEndpoint {
  /// Hands the first element of `elements` to a receiver waiting now, if
  /// one is; never blocks.
  ///
  /// - Parameter elements: The elements to send.
  /// - Returns: 1 if the first element was handed over, else 0.
  /// - Throws: ``SNChannelError/closed`` if every receiver is gone (nothing sent).
  public func trySend<C: Collection>(
    contentsOf elements: C
  ) throws(SNChannelError) -> Int where C.Element == Element {
    guard let first = elements.first else { return 0 }
    var pending: Element? = first
    switch core.place(&pending, needReceiver: true) {
    case .handedOff, .placed: return 1
    case .busy: return 0
    case .closed:
      core.countFailure(.closed)
      throw .closed
    }
  }

  /// Whether every receiver is gone (sends would fail).
  public var isClosed: Bool { core.receiversGone.load(ordering: .acquiring) }

  /// Where a send that waits for a receiver waits, as of now: the senders'
  /// signal, until a receiver waits with the committed slot free (a
  /// ``trySend(_:)`` would hand it the value), or every receiver is gone. (The count of waiting receivers is read under the channel's
  /// lock: a wait's predicate, off the hot path.)
  public var sendWaitPoint: EndpointWaitPoint {
    let core = core
    return EndpointWaitPoint(
      _SignalWait(
        core.senderSignal, strategy: core.strategy,
        countSendError: { core.countFailure($0) }
      ) {
        core.receiversGone.load(ordering: .acquiring)
          || core.lock.withLock {
            core.waiting.load(ordering: .relaxed) > 0 && core.committed == nil
          }
      })
  }

  /// Sends `element`, blocking the thread until a receiver takes it or
  /// `deadline` passes.
  ///
  /// - Parameters:
  ///   - element: The value.
  ///   - deadline: When to give up.
  /// - Throws: ``SendError`` holding `element`, with ``SNChannelError/timedOut``
  ///   or ``SNChannelError/closed``.
  public func send(
    _ element: consuming Element, deadline: ContinuousClock.Instant
  ) throws(SendError<Element>) {
    try sendBlocking(element, deadline: _monotonicDeadline(deadline))
  }

  /// Sends `element` from async code, suspending the task until a receiver
  /// takes it or `deadline` passes.
  ///
  /// - Parameters:
  ///   - element: The value.
  ///   - deadline: When to give up.
  /// - Throws: ``SendError`` holding `element`, with ``SNChannelError/timedOut``,
  ///   ``SNChannelError/closed`` or ``SNChannelError/cancelled``.
  nonisolated(nonsending)
    public func send(
      _ element: consuming Element, deadline: ContinuousClock.Instant
    ) async throws(SendError<Element>)
  {
    try await sendSuspending(element, deadline: _monotonicDeadline(deadline))
  }
}
