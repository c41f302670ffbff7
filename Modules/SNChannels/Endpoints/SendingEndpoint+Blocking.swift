import SNAtomics

// Blocking sends that wait with a limit, and the blocking batch send: one
// implementation over every sender kind. A thread spins, yields, then parks
// on the channel's sender side (``EndpointWaitPoint``).

extension SendingEndpoint where Self: ~Copyable {
  /// Sends, waiting at most `timeout` for room.
  ///
  /// - Parameters:
  ///   - element: The element to send.
  ///   - timeout: The longest wait.
  /// - Throws: ``SendError`` with ``SNChannelError/timedOut`` or
  ///   ``SNChannelError/closed``, holding `element`.
  @inlinable
  public mutating func send(
    _ element: consuming Element, timeout: Duration
  ) throws(SendError<Element>) {
    try _sendBlocking(element, deadline: MonotonicClock.deadline(after: timeout))
  }

  /// Sends, waiting until `deadline` for room.
  ///
  /// - Parameters:
  ///   - element: The element to send.
  ///   - deadline: When to give up.
  /// - Throws: ``SendError`` with ``SNChannelError/timedOut`` or
  ///   ``SNChannelError/closed``, holding `element`.
  @inlinable
  public mutating func send(
    _ element: consuming Element, deadline: ContinuousClock.Instant
  ) throws(SendError<Element>) {
    try _sendBlocking(element, deadline: _monotonicDeadline(deadline))
  }

  /// Sends every element of `elements` in order, waiting for room as needed
  /// (other producers' elements may interleave between batches).
  ///
  /// - Parameter elements: The elements to send.
  /// - Throws: ``SNChannelError/closed`` if the receivers go away first; its
  ///   ``SNChannelError/transferred`` tells how many were sent before that.
  /// - Complexity: O(`elements.count`).
  @inlinable
  public mutating func send<C: Collection>(
    contentsOf elements: C
  ) throws(SNChannelError) where C.Element == Element {
    var remaining = elements[...]
    var sent = 0
    while !remaining.isEmpty {
      let wait = sendWaitPoint
      do {
        let count = try wait.block(deadline: nil) { () throws(SNChannelError) -> Int? in
          let count = try trySend(contentsOf: remaining)
          return count > 0 ? count : nil
        }
        remaining = remaining.dropFirst(count)
        sent &+= count
      } catch {
        throw error.with(transferred: sent)
      }
    }
  }

  /// One attempt of a waiting send: `true` once sent, `false` while full.
  /// Unlike ``trySend(_:)`` it counts no `full` failure (the wait is not
  /// one) and throws nothing for it: a throw calls a runtime hook.
  ///
  /// - Throws: ``SNChannelError/closed`` (counted).
  @inlinable @inline(__always)
  mutating func _trySendOne(_ element: Element) throws(SNChannelError) -> Bool {
    try trySend(contentsOf: CollectionOfOne(element)) == 1
  }

  /// The slow half of every blocking send: waits until sent, closed, or the
  /// monotonic `deadline`.
  @inlinable
  mutating func _sendBlocking(
    _ element: consuming Element, deadline: UInt64?
  ) throws(SendError<Element>) {
    let element = element
    let wait = sendWaitPoint
    do {
      _ = try wait.block(deadline: deadline) { () throws(SNChannelError) -> Bool? in
        try _trySendOne(element) ? true : nil
      }
    } catch {
      if error == .timedOut { wait.countSendError(error) }
      throw SendError(reason: error, element: element)
    }
  }

  /// Async waiters registered on each side of the channel, for tests.
  package var registeredWaiters: (receivers: Int, senders: Int) {
    sendWaitPoint.control?.registeredWaiters ?? (0, 0)
  }

  /// Threads parked (or about to park) on each side of the channel, for tests.
  package var parkedThreads: (receivers: Int, senders: Int) {
    sendWaitPoint.control?.parkedThreads ?? (0, 0)
  }
}
