import SNAtomics

// Async sends: one implementation over every sender kind. The ring is tried
// first; only when it is full does the task spin for a moment and then
// suspend (never blocking its thread) until a receiver makes room. A wait
// that expires deregisters its waiter (a detached timer task expires it);
// a failed send hands its element back in the error.

extension SendingEndpoint where Self: ~Copyable {
  /// Sends from async code, suspending the task while the channel is full.
  ///
  /// A task that is cancelled before the element goes in gets it back.
  ///
  /// - Parameter element: The element to send.
  /// - Throws: ``SendError`` holding `element`, with ``SNChannelError/closed``
  ///   (receivers closed or gone) or ``SNChannelError/cancelled``.
  @inlinable
  nonisolated(nonsending)
    public mutating func send(_ element: consuming Element) async throws(SendError<Element>)
  {
    try await _sendSuspending(element, deadline: nil)
  }

  /// Sends from async code, suspending the task while the channel is full,
  /// for at most `timeout`.
  ///
  /// - Parameters:
  ///   - element: The element to send.
  ///   - timeout: The longest wait for room.
  /// - Throws: ``SendError`` holding `element`, with
  ///   ``SNChannelError/timedOut``, ``SNChannelError/closed`` or
  ///   ``SNChannelError/cancelled``.
  @inlinable
  nonisolated(nonsending)
    public mutating func send(
      _ element: consuming Element, timeout: Duration
    ) async throws(SendError<Element>)
  {
    try await _sendSuspending(element, deadline: MonotonicClock.deadline(after: timeout))
  }

  /// Sends from async code, suspending the task while the channel is full,
  /// until `deadline`.
  ///
  /// - Parameters:
  ///   - element: The element to send.
  ///   - deadline: When to give up.
  /// - Throws: ``SendError`` holding `element`, with
  ///   ``SNChannelError/timedOut``, ``SNChannelError/closed`` or
  ///   ``SNChannelError/cancelled``.
  @inlinable
  nonisolated(nonsending)
    public mutating func send(
      _ element: consuming Element, deadline: ContinuousClock.Instant
    ) async throws(SendError<Element>)
  {
    try await _sendSuspending(element, deadline: _monotonicDeadline(deadline))
  }

  /// Sends every element of `elements` in order from async code, suspending
  /// the task while the channel is full (other producers' elements may
  /// interleave between batches).
  ///
  /// - Parameter elements: The elements to send.
  /// - Throws: ``SNChannelError/closed`` if the receivers go away first, or
  ///   ``SNChannelError/cancelled`` if the task is cancelled; the error's
  ///   ``SNChannelError/transferred`` tells how many were sent (a prefix), so
  ///   `elements.dropFirst(error.transferred)` were not.
  /// - Complexity: O(`elements.count`).
  @inlinable
  nonisolated(nonsending)
    public mutating func send<C: Collection>(
      contentsOf elements: C
    ) async throws(SNChannelError) where C.Element == Element
  {
    var remaining = elements[...]
    var sent = 0
    var outcome = _WaitOutcome.ready
    while !remaining.isEmpty {
      if Task.isCancelled {
        // A wake-up meant for a sender that now leaves goes to the next one.
        if outcome == .woken { sendWaitPoint.passOnWakeUp() }
        throw SNChannelError.cancelled.with(transferred: sent)
      }
      let count: Int
      do { count = try trySend(contentsOf: remaining) } catch {
        throw error.with(transferred: sent)
      }
      if count > 0 {
        remaining = remaining.dropFirst(count)
        sent &+= count
        outcome = .ready
        continue
      }
      outcome = await sendWaitPoint.suspend(deadline: nil)
      if outcome == .cancelled { throw SNChannelError.cancelled.with(transferred: sent) }
    }
  }

  /// Every async send: tries, then waits (spin, suspend) and retries until
  /// sent, closed, cancelled or past the monotonic `deadline`.
  @inlinable
  nonisolated(nonsending)
    mutating func _sendSuspending(
      _ element: consuming Element, deadline: UInt64?
    ) async throws(SendError<Element>)
  {
    let element = element
    if Task.isCancelled { throw SendError(reason: .cancelled, element: element) }
    var outcome = _WaitOutcome.ready
    while true {
      let sent: Bool
      do { sent = try _trySendOne(element) } catch {
        throw SendError(reason: error, element: element)
      }
      if sent { return }
      if outcome == .timedOut {
        sendWaitPoint.countSendError(.timedOut)
        throw SendError(reason: .timedOut, element: element)
      }
      outcome = await sendWaitPoint.suspend(deadline: deadline)
      if outcome == .cancelled || Task.isCancelled {
        // A wake-up meant for a sender that now leaves goes to the next one.
        if outcome == .woken { sendWaitPoint.passOnWakeUp() }
        throw SendError(reason: .cancelled, element: element)
      }
    }
  }
}
