import SNAtomics

// Blocking receives that wait with a limit, and the blocking batch receive:
// one implementation over every receiver kind. A thread spins, yields, then
// parks on the channel's receiver side (``EndpointWaitPoint``).

extension ReceivingEndpoint where Self: ~Copyable {
  /// Receives, waiting at most `timeout`.
  ///
  /// - Parameter timeout: The longest wait.
  /// - Returns: An element.
  /// - Throws: ``SNChannelError/timedOut``, or ``SNChannelError/closed`` once the
  ///   channel is closed and drained.
  @inlinable
  public mutating func receive(timeout: Duration) throws(SNChannelError) -> Element {
    try _receiveBlocking(deadline: MonotonicClock.deadline(after: timeout))
  }

  /// Receives, waiting until `deadline`.
  ///
  /// - Parameter deadline: When to give up.
  /// - Returns: An element.
  /// - Throws: ``SNChannelError/timedOut``, or ``SNChannelError/closed`` once the
  ///   channel is closed and drained.
  @inlinable
  public mutating func receive(deadline: ContinuousClock.Instant) throws(SNChannelError) -> Element
  {
    try _receiveBlocking(deadline: _monotonicDeadline(deadline))
  }

  /// Moves at least one and up to `maxCount` elements into `buffer`,
  /// waiting while the channel is empty.
  ///
  /// - Parameters:
  ///   - buffer: Where received elements are appended.
  ///   - maxCount: The most elements to take; at least 1.
  /// - Returns: How many were appended (at least 1).
  /// - Throws: ``SNChannelError/closed`` once the channel is closed and drained.
  /// - Complexity: O(number received).
  @inlinable
  public mutating func receive(
    into buffer: inout [Element], maxCount: Int
  ) throws(SNChannelError) -> Int {
    precondition(maxCount >= 1, "maxCount must be at least 1")
    let wait = receiveWaitPoint
    return try wait.block(deadline: nil) { () throws(SNChannelError) -> Int? in
      let count = try tryReceive(into: &buffer, maxCount: maxCount)
      return count > 0 ? count : nil
    }
  }

  /// The slow half of every blocking receive: waits until an element
  /// arrives, the channel is closed and drained, or the monotonic `deadline`.
  @inlinable
  mutating func _receiveBlocking(deadline: UInt64?) throws(SNChannelError) -> Element {
    let wait = receiveWaitPoint
    return try wait.block(deadline: deadline) { () throws(SNChannelError) -> Element? in
      try tryReceive()
    }
  }

  /// Async waiters registered on each side of the channel, for tests.
  package var registeredWaiters: (receivers: Int, senders: Int) {
    receiveWaitPoint.control?.registeredWaiters ?? (0, 0)
  }
}
