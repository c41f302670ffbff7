import SNAtomics

// Async receives: one implementation over every receiver kind. The ring is
// tried first; only when it is empty does the task spin for a moment and
// then suspend (never blocking its thread) until a sender publishes. A
// cancelled or timed-out receive takes nothing.

extension ReceivingEndpoint where Self: ~Copyable {
  /// Receives from async code, suspending the task while the channel is empty.
  ///
  /// A cancelled task takes nothing from the channel.
  ///
  /// - Returns: An element (for the single-consumer kinds, the oldest).
  /// - Throws: ``SNChannelError/closed`` once the channel is closed and
  ///   drained; ``SNChannelError/cancelled`` if the task is cancelled (also
  ///   when called from a cancelled task).
  @inlinable
  nonisolated(nonsending)
    public mutating func receive() async throws(SNChannelError) -> Element
  {
    if !Task.isCancelled, let element = try tryReceive() { return element }
    return try await _receiveSuspending(deadline: nil)
  }

  /// Receives from async code, suspending the task while the channel is
  /// empty, for at most `timeout`. Takes nothing unless it returns.
  ///
  /// - Parameter timeout: The longest wait.
  /// - Returns: An element.
  /// - Throws: ``SNChannelError/timedOut``, ``SNChannelError/closed`` (channel
  ///   closed and drained) or ``SNChannelError/cancelled``.
  @inlinable
  nonisolated(nonsending)
    public mutating func receive(timeout: Duration) async throws(SNChannelError) -> Element
  {
    try await _receive(deadline: MonotonicClock.deadline(after: timeout))
  }

  /// Receives from async code, suspending the task while the channel is
  /// empty, until `deadline`. Takes nothing unless it returns.
  ///
  /// - Parameter deadline: When to give up.
  /// - Returns: An element.
  /// - Throws: ``SNChannelError/timedOut``, ``SNChannelError/closed`` or
  ///   ``SNChannelError/cancelled``.
  @inlinable
  nonisolated(nonsending)
    public mutating func receive(
      deadline: ContinuousClock.Instant
    ) async throws(SNChannelError) -> Element
  {
    try await _receive(deadline: _monotonicDeadline(deadline))
  }

  /// Moves at least one and up to `maxCount` elements into `buffer` from
  /// async code, suspending the task while the channel is empty.
  ///
  /// - Parameters:
  ///   - buffer: Where received elements are appended.
  ///   - maxCount: The most elements to take; at least 1.
  /// - Returns: How many were appended (at least 1).
  /// - Throws: ``SNChannelError/closed`` once the channel is closed and
  ///   drained; ``SNChannelError/cancelled`` if the task is cancelled
  ///   (nothing taken).
  /// - Complexity: O(number received).
  @inlinable
  nonisolated(nonsending)
    public mutating func receive(
      into buffer: inout [Element], maxCount: Int
    ) async throws(SNChannelError) -> Int
  {
    precondition(maxCount >= 1, "maxCount must be at least 1")
    var outcome = _WaitOutcome.ready
    while true {
      if Task.isCancelled {
        // A wake-up meant for a receiver that now leaves goes to the next one.
        if outcome == .woken { receiveWaitPoint.passOnWakeUp() }
        throw .cancelled
      }
      let count = try tryReceive(into: &buffer, maxCount: maxCount)
      if count > 0 { return count }
      outcome = await receiveWaitPoint.suspend(deadline: nil)
      if outcome == .cancelled { throw .cancelled }
    }
  }

  @inlinable
  nonisolated(nonsending)
    mutating func _receive(deadline: UInt64) async throws(SNChannelError) -> Element
  {
    if !Task.isCancelled, let element = try tryReceive() { return element }
    return try await _receiveSuspending(deadline: deadline)
  }

  /// The slow half of every async receive: waits (spin, suspend) and
  /// retries until an element arrives, the channel is closed and drained,
  /// the task is cancelled, or the monotonic `deadline` passes.
  @inlinable
  nonisolated(nonsending)
    mutating func _receiveSuspending(deadline: UInt64?) async throws(SNChannelError) -> Element
  {
    var outcome = _WaitOutcome.ready
    while true {
      if Task.isCancelled {
        // A wake-up meant for a receiver that now leaves goes to the next one.
        if outcome == .woken { receiveWaitPoint.passOnWakeUp() }
        throw .cancelled
      }
      if let element = try tryReceive() { return element }
      if outcome == .timedOut { throw .timedOut }
      outcome = await receiveWaitPoint.suspend(deadline: deadline)
      if outcome == .cancelled { throw .cancelled }
    }
  }
}
