import SNAtomics

/// A sending endpoint of a rendezvous channel.
///
/// Every send completes when a receiver has the value: handed to a
/// receiver already waiting in a receive, or taken by one that comes
/// (``trySend(_:)`` only succeeds if a receiver is already waiting). A send that fails hands its
/// value back in ``SendError``. The channel closes for receivers when the
/// last sender is dropped.
public struct RendezvousSender<Element: Sendable>: ~Copyable, Sendable {
  @usableFromInline let core: _RendezvousCore<Element>

  init(_ core: _RendezvousCore<Element>) { self.core = core }

  deinit { core.releaseSender() }

  /// Another sender for the same channel.
  ///
  /// - Returns: A new sender; receivers see the close when every sender is gone.
  public func clone() -> RendezvousSender<Element> {
    core.retainSender()
    return RendezvousSender(core)
  }

  /// Drops this sender now (the last one closes the channel for receivers).
  public consuming func close() {}

  /// The channel's counters: `capacity` is 0, `sent` and `received` both
  /// count completed hand-offs.
  public var stats: ChannelStats { core.stats }

  /// Hands `element` to a receiver that is waiting now, without waiting
  /// for one to arrive.
  ///
  /// When a receiver is blocked or suspended in a receive, the value is
  /// handed to it (it owes the value a home from then on) and this call
  /// returns at once. Otherwise nothing happens.
  ///
  /// - Parameter element: The value.
  /// - Throws: ``SendError`` holding `element`: ``SNChannelError/full`` if no
  ///   receiver was waiting (or another send holds the slot),
  ///   ``SNChannelError/closed`` if every receiver is gone.
  @inlinable
  public func trySend(_ element: consuming Element) throws(SendError<Element>) {
    var pending: Element? = element
    let core = core
    switch core.place(&pending, needReceiver: true) {
    case .handedOff, .placed: return
    case .busy:
      core.countFailure(.full)
      throw SendError(reason: .full, element: pending!)
    case .closed:
      core.countFailure(.closed)
      throw SendError(reason: .closed, element: pending!)
    }
  }

  /// Sends `element`, blocking the thread (spin, yield, park) until a
  /// receiver takes it.
  ///
  /// - Parameter element: The value.
  /// - Throws: ``SendError`` with ``SNChannelError/closed``, holding `element`,
  ///   if every receiver is gone before one takes it.
  @inlinable
  public func send(_ element: consuming Element) throws(SendError<Element>) {
    try sendBlocking(element, deadline: nil)
  }

  /// Sends `element`, blocking the thread for at most `timeout` until a
  /// receiver takes it.
  ///
  /// - Parameters:
  ///   - element: The value.
  ///   - timeout: How long to wait.
  /// - Throws: ``SendError`` holding `element`, with ``SNChannelError/timedOut``
  ///   or ``SNChannelError/closed``.
  public func send(_ element: consuming Element, timeout: Duration) throws(SendError<Element>) {
    try sendBlocking(element, deadline: MonotonicClock.deadline(after: timeout))
  }

  /// Sends `element` from async code, suspending the task until a receiver
  /// takes it. A cancelled task gets the value back unless a receiver took
  /// it first (then the send succeeded).
  ///
  /// - Parameter element: The value.
  /// - Throws: ``SendError`` holding `element`, with ``SNChannelError/closed``
  ///   or ``SNChannelError/cancelled``.
  nonisolated(nonsending)
    public func send(_ element: consuming Element) async throws(SendError<Element>)
  {
    try await sendSuspending(element, deadline: nil)
  }

  /// Sends `element` from async code, suspending the task for at most
  /// `timeout`.
  ///
  /// - Parameters:
  ///   - element: The value.
  ///   - timeout: How long to wait.
  /// - Throws: ``SendError`` holding `element`, with ``SNChannelError/timedOut``,
  ///   ``SNChannelError/closed`` or ``SNChannelError/cancelled``.
  nonisolated(nonsending)
    public func send(_ element: consuming Element, timeout: Duration) async throws(SendError<
      Element
    >)
  {
    try await sendSuspending(element, deadline: MonotonicClock.deadline(after: timeout))
  }

  @inlinable
  func sendBlocking(_ element: consuming Element, deadline: UInt64?) throws(SendError<
    Element
  >) {
    var pending: Element? = element
    let core = core
    let placed = core.senderSignal.block(
      strategy: core.strategy, deadline: deadline,
      attempt: { () -> _RendezvousCore<Element>.Place? in
        let result = core.place(&pending, needReceiver: false)
        if case .busy = result { return nil }
        return result
      },
      ready: { core.slotFree })
    let ticket: UInt64
    switch placed {
    case .handedOff?: return
    case .placed(let placedTicket): ticket = placedTicket
    case .closed?:
      core.countFailure(.closed)
      throw SendError(reason: .closed, element: pending!)
    case .busy?, nil:
      core.countFailure(.timedOut)
      throw SendError(reason: .timedOut, element: pending!)
    }
    let over: Void? = core.senderSignal.block(
      strategy: core.strategy, deadline: deadline,
      attempt: { core.handOffOver(ticket) ? () : nil },
      ready: { core.handOffOver(ticket) })
    let failure: SNChannelError = over == nil ? .timedOut : .closed
    if let back = core.settle(ticket, failure: failure.code) {
      throw SendError(reason: failure, element: back)
    }
  }

  nonisolated(nonsending)
    func sendSuspending(_ element: consuming Element, deadline: UInt64?)
    async throws(SendError<Element>)
  {
    var pending: Element? = element
    let core = core
    let placed = await core.senderSignal.suspend(
      strategy: core.strategy, deadline: deadline,
      attempt: { () -> _RendezvousCore<Element>.Place? in
        let result = core.place(&pending, needReceiver: false)
        if case .busy = result { return nil }
        return result
      },
      ready: { core.slotFree })
    let ticket: UInt64
    switch placed {
    case .done(.handedOff): return
    case .done(.placed(let placedTicket)): ticket = placedTicket
    case .done(.closed):
      core.countFailure(.closed)
      throw SendError(reason: .closed, element: pending!)
    case .done(.busy), .timedOut:
      core.countFailure(.timedOut)
      throw SendError(reason: .timedOut, element: pending!)
    case .cancelled:
      throw SendError(reason: .cancelled, element: pending!)
    }
    let over = await core.senderSignal.suspend(
      strategy: core.strategy, deadline: deadline,
      attempt: { core.handOffOver(ticket) ? () : nil },
      ready: { core.handOffOver(ticket) })
    let failure: SNChannelError
    switch over {
    case .done: failure = .closed
    case .timedOut: failure = .timedOut
    case .cancelled: failure = .cancelled
    }
    if let back = core.settle(ticket, failure: failure.code) {
      throw SendError(reason: failure, element: back)
    }
  }
}
