import SNAtomics

// The async forms of `Select`: the task suspends (never blocking its
// thread) until an arm is ready. A cancelled or timed-out select takes
// nothing.

extension Select {
  /// Receives from `first` or `second`, suspending the task while both are
  /// empty. A cancelled task takes nothing.
  ///
  /// - Parameters:
  ///   - first: A receiver.
  ///   - second: Another receiver (of any kind and element type).
  /// - Returns: The element and which receiver it came from.
  /// - Throws: ``SNChannelError/closed`` once both are closed and drained;
  ///   ``SNChannelError/cancelled`` if the task is cancelled; or an arm's
  ///   own error.
  nonisolated(nonsending)
    public static func receive<
      A: ReceivingEndpoint & ~Copyable, B: ReceivingEndpoint & ~Copyable
    >(
      from first: inout A, _ second: inout B
    ) async throws(SNChannelError) -> Selected2<A.Element, B.Element>
  {
    var result: Selected2<A.Element, B.Element>?
    try await _selectSuspending([first.receiveWaitPoint, second.receiveWaitPoint]) {
      (arm) throws(SNChannelError) in try _take(arm, &first, &second, into: &result)
    }
    return result!
  }

  /// Receives from `first` or `second`, suspending the task for at most
  /// `timeout` while both are empty. Takes nothing unless it returns.
  ///
  /// - Parameters:
  ///   - first: A receiver.
  ///   - second: Another receiver (of any kind and element type).
  ///   - timeout: The longest wait.
  /// - Returns: The element and which receiver it came from.
  /// - Throws: ``SNChannelError/timedOut``, ``SNChannelError/closed`` (both
  ///   closed and drained), ``SNChannelError/cancelled``, or an arm's own
  ///   error.
  nonisolated(nonsending)
    public static func receive<
      A: ReceivingEndpoint & ~Copyable, B: ReceivingEndpoint & ~Copyable
    >(
      from first: inout A, _ second: inout B, timeout: Duration
    ) async throws(SNChannelError) -> Selected2<A.Element, B.Element>
  {
    var result: Selected2<A.Element, B.Element>?
    try await _selectSuspending(
      [first.receiveWaitPoint, second.receiveWaitPoint],
      deadline: MonotonicClock.deadline(after: timeout)
    ) { (arm) throws(SNChannelError) in try _take(arm, &first, &second, into: &result) }
    return result!
  }

  /// Receives from `first`, `second` or `third`, suspending the task while
  /// all are empty. A cancelled task takes nothing.
  ///
  /// - Parameters:
  ///   - first: A receiver.
  ///   - second: Another receiver.
  ///   - third: A third receiver.
  /// - Returns: The element and which receiver it came from.
  /// - Throws: ``SNChannelError/closed`` once all are closed and drained;
  ///   ``SNChannelError/cancelled`` if the task is cancelled; or an arm's
  ///   own error.
  nonisolated(nonsending)
    public static func receive<
      A: ReceivingEndpoint & ~Copyable, B: ReceivingEndpoint & ~Copyable,
      C: ReceivingEndpoint & ~Copyable
    >(
      from first: inout A, _ second: inout B, _ third: inout C
    ) async throws(SNChannelError) -> Selected3<A.Element, B.Element, C.Element>
  {
    var result: Selected3<A.Element, B.Element, C.Element>?
    try await _selectSuspending([
      first.receiveWaitPoint, second.receiveWaitPoint, third.receiveWaitPoint,
    ]) { (arm) throws(SNChannelError) in try _take(arm, &first, &second, &third, into: &result) }
    return result!
  }

  /// Receives from `first`, `second` or `third`, suspending the task for at
  /// most `timeout` while all are empty. Takes nothing unless it returns.
  ///
  /// - Parameters:
  ///   - first: A receiver.
  ///   - second: Another receiver.
  ///   - third: A third receiver.
  ///   - timeout: The longest wait.
  /// - Returns: The element and which receiver it came from.
  /// - Throws: ``SNChannelError/timedOut``, ``SNChannelError/closed`` (all
  ///   closed and drained), ``SNChannelError/cancelled``, or an arm's own
  ///   error.
  nonisolated(nonsending)
    public static func receive<
      A: ReceivingEndpoint & ~Copyable, B: ReceivingEndpoint & ~Copyable,
      C: ReceivingEndpoint & ~Copyable
    >(
      from first: inout A, _ second: inout B, _ third: inout C, timeout: Duration
    ) async throws(SNChannelError) -> Selected3<A.Element, B.Element, C.Element>
  {
    var result: Selected3<A.Element, B.Element, C.Element>?
    try await _selectSuspending(
      [first.receiveWaitPoint, second.receiveWaitPoint, third.receiveWaitPoint],
      deadline: MonotonicClock.deadline(after: timeout)
    ) { (arm) throws(SNChannelError) in try _take(arm, &first, &second, &third, into: &result) }
    return result!
  }
}
