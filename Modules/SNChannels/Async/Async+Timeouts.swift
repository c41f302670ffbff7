import SNAtomics
import Synchronization

// Timed async operations. A wait that expires deregisters its waiter (a
// detached timer task expires it, and is cancelled as soon as the wait ends
// another way); a timed-out send hands its element back in the error.

extension SPSCSender {
  /// Sends from async code, suspending the task while the channel is full,
  /// for at most `timeout`.
  ///
  /// - Parameters:
  ///   - element: The element to send.
  ///   - timeout: The longest wait for room.
  /// - Throws: ``SendError`` holding `element`, with
  ///   ``ChannelError/timedOut``, ``ChannelError/closed`` or
  ///   ``ChannelError/cancelled``.
  nonisolated(nonsending)
    public mutating func send(
      _ element: consuming Element, timeout: Duration
    ) async throws(SendError<Element>)
  {
    try await send(element, deadline: MonotonicClock.deadline(after: timeout))
  }

  /// Sends from async code, suspending the task while the channel is full,
  /// until a `MonotonicClock` deadline.
  ///
  /// - Parameters:
  ///   - element: The element to send.
  ///   - deadline: Nanoseconds on `MonotonicClock`.
  /// - Throws: ``SendError`` holding `element`, with
  ///   ``ChannelError/timedOut``, ``ChannelError/closed`` or
  ///   ``ChannelError/cancelled``.
  nonisolated(nonsending)
    public mutating func send(
      _ element: consuming Element, deadline: UInt64
    ) async throws(SendError<Element>)
  {
    if Task.isCancelled { throw SendError(reason: .cancelled, element: element) }
    switch push(element) {
    case .sent: return
    case .full(let element): try await sendWaiting(element, deadline: deadline)
    case .closed(let element):
      storage.control.countSendError(.closed)
      throw SendError(reason: ChannelError(.closed), element: element)
    }
  }
}

extension SPSCReceiver {
  /// Receives from async code, suspending the task while the channel is
  /// empty, for at most `timeout`. Takes nothing unless it returns.
  ///
  /// - Parameter timeout: The longest wait.
  /// - Returns: The oldest element.
  /// - Throws: ``ChannelError/timedOut``, ``ChannelError/closed`` (sender
  ///   gone and channel drained) or ``ChannelError/cancelled``.
  nonisolated(nonsending)
    public mutating func receive(timeout: Duration) async throws(ChannelError) -> Element
  {
    try await receive(deadline: MonotonicClock.deadline(after: timeout))
  }

  /// Receives from async code, suspending the task while the channel is
  /// empty, until a `MonotonicClock` deadline.
  ///
  /// - Parameter deadline: Nanoseconds on `MonotonicClock`.
  /// - Returns: The oldest element.
  /// - Throws: ``ChannelError/timedOut``, ``ChannelError/closed`` or
  ///   ``ChannelError/cancelled``.
  nonisolated(nonsending)
    public mutating func receive(deadline: UInt64) async throws(ChannelError) -> Element
  {
    if !Task.isCancelled, let element = try tryReceive() { return element }
    return try await receiveWaiting(deadline: deadline)
  }
}

extension MultiSender {
  /// Sends from async code, suspending the task while the channel is full,
  /// for at most `timeout`.
  ///
  /// - Parameters:
  ///   - element: The element to send.
  ///   - timeout: The longest wait for room.
  /// - Throws: ``SendError`` holding `element`, with
  ///   ``ChannelError/timedOut``, ``ChannelError/closed`` or
  ///   ``ChannelError/cancelled``.
  nonisolated(nonsending)
    public func send(_ element: consuming Element, timeout: Duration) async throws(SendError<
      Element
    >)
  {
    try await send(element, deadline: MonotonicClock.deadline(after: timeout))
  }

  /// Sends from async code, suspending the task while the channel is full,
  /// until a `MonotonicClock` deadline.
  ///
  /// - Parameters:
  ///   - element: The element to send.
  ///   - deadline: Nanoseconds on `MonotonicClock`.
  /// - Throws: ``SendError`` holding `element`, with
  ///   ``ChannelError/timedOut``, ``ChannelError/closed`` or
  ///   ``ChannelError/cancelled``.
  nonisolated(nonsending)
    public func send(_ element: consuming Element, deadline: UInt64) async throws(SendError<
      Element
    >)
  {
    if Task.isCancelled { throw SendError(reason: .cancelled, element: element) }
    switch ring.push(element) {
    case .sent: return
    case .full(let element): try await ring.sendWaiting(element, deadline: deadline)
    case .closed(let element):
      ring.control.countSendError(.closed)
      throw SendError(reason: ChannelError(.closed), element: element)
    }
  }
}

extension MPSCReceiver {
  /// Receives from async code, suspending the task while the channel is
  /// empty, for at most `timeout`. Takes nothing unless it returns.
  ///
  /// - Parameter timeout: The longest wait.
  /// - Returns: The oldest element of some sender.
  /// - Throws: ``ChannelError/timedOut``, ``ChannelError/closed`` (senders
  ///   gone and channel drained) or ``ChannelError/cancelled``.
  nonisolated(nonsending)
    public mutating func receive(timeout: Duration) async throws(ChannelError) -> Element
  {
    try await receive(deadline: MonotonicClock.deadline(after: timeout))
  }

  /// Receives from async code, suspending the task while the channel is
  /// empty, until a `MonotonicClock` deadline.
  ///
  /// - Parameter deadline: Nanoseconds on `MonotonicClock`.
  /// - Returns: The oldest element of some sender.
  /// - Throws: ``ChannelError/timedOut``, ``ChannelError/closed`` or
  ///   ``ChannelError/cancelled``.
  nonisolated(nonsending)
    public mutating func receive(deadline: UInt64) async throws(ChannelError) -> Element
  {
    if !Task.isCancelled, let element = try tryReceive() { return element }
    return try await receiveWaiting(deadline: deadline)
  }
}

extension MPMCReceiver {
  /// Receives from async code, suspending the task while the channel is
  /// empty, for at most `timeout`. Takes nothing unless it returns.
  ///
  /// - Parameter timeout: The longest wait.
  /// - Returns: An element.
  /// - Throws: ``ChannelError/timedOut``, ``ChannelError/closed`` (senders
  ///   gone and channel drained) or ``ChannelError/cancelled``.
  nonisolated(nonsending)
    public func receive(timeout: Duration) async throws(ChannelError) -> Element
  {
    try await receive(deadline: MonotonicClock.deadline(after: timeout))
  }

  /// Receives from async code, suspending the task while the channel is
  /// empty, until a `MonotonicClock` deadline.
  ///
  /// - Parameter deadline: Nanoseconds on `MonotonicClock`.
  /// - Returns: An element.
  /// - Throws: ``ChannelError/timedOut``, ``ChannelError/closed`` or
  ///   ``ChannelError/cancelled``.
  nonisolated(nonsending)
    public func receive(deadline: UInt64) async throws(ChannelError) -> Element
  {
    if !Task.isCancelled, let element = try ring.popShared() { return element }
    return try await ring.receiveWaiting(deadline: deadline)
  }
}
