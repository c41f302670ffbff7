import SNAtomics

// Send arms: a select over a send to one channel and a receive from
// another (crossbeam's `select! { send(tx, v) -> .., recv(rx) -> .. }`).
//
// The value is consumed by the call and comes back whenever it was not
// sent: inside ``SentOrReceived/received(_:unsent:)`` when the receive arm
// won, inside ``SendError`` when the select failed. A send arm tries the
// sender's non-blocking send, which takes the value only when it goes in.

/// How a select over a send arm and a receive arm ended.
@frozen
public enum SentOrReceived<Element: Sendable, Received: Sendable>: Sendable {
  /// The send arm won: the value is in the channel.
  case sent
  /// The receive arm won: the received element, and the value that was not
  /// sent, handed back.
  case received(Received, unsent: Element)
}

extension Select {
  /// Sends `element` to `sender` or receives from `receiver`, whichever is
  /// ready first, waiting while neither is.
  ///
  /// <!-- snippet: setup
  /// let jobsChannel = try SNChannel<Int>.spsc(capacity: 8)
  /// var jobs = jobsChannel.sender
  /// let resultsChannel = try SNChannel<String>.mpsc(capacity: 8)
  /// var results = resultsChannel.receiver
  /// var backlog = [1, 2, 3]
  /// -->
  /// ```swift
  /// switch try Select.send(backlog.removeFirst(), to: &jobs, orReceiveFrom: &results) {
  /// case .sent: break
  /// case .received(let result, let unsent):
  ///   backlog.insert(unsent, at: 0)
  ///   print(result)
  /// }
  /// ```
  ///
  /// - Parameters:
  ///   - element: The value to send.
  ///   - sender: Where to send it (any sender kind).
  ///   - receiver: Where to receive from instead (any receiver kind).
  /// - Returns: ``SentOrReceived/sent``, or the received element with
  ///   `element` handed back.
  /// - Throws: ``SendError`` holding `element`: ``SNChannelError/closed``
  ///   once both arms are closed, or the receive arm's own error.
  public static func send<S: SendingEndpoint & ~Copyable, R: ReceivingEndpoint & ~Copyable>(
    _ element: consuming S.Element, to sender: inout S, orReceiveFrom receiver: inout R
  ) throws(SendError<S.Element>) -> SentOrReceived<S.Element, R.Element> {
    let element = element
    var received: R.Element?
    do {
      try _selectBlocking([sender.sendWaitPoint, receiver.receiveWaitPoint]) {
        (arm) throws(SNChannelError) in
        try _sendOrTake(arm, element, &sender, &receiver, into: &received)
      }
    } catch {
      throw SendError(reason: error, element: element)
    }
    return _outcome(element, received)
  }

  /// Sends `element` to `sender` or receives from `receiver`, whichever is
  /// ready first, waiting at most `timeout`.
  ///
  /// - Parameters:
  ///   - element: The value to send.
  ///   - sender: Where to send it (any sender kind).
  ///   - receiver: Where to receive from instead (any receiver kind).
  ///   - timeout: The longest wait.
  /// - Returns: ``SentOrReceived/sent``, or the received element with
  ///   `element` handed back.
  /// - Throws: ``SendError`` holding `element`: ``SNChannelError/timedOut``
  ///   (nothing sent or received), ``SNChannelError/closed`` once both arms
  ///   are closed, or the receive arm's own error.
  public static func send<S: SendingEndpoint & ~Copyable, R: ReceivingEndpoint & ~Copyable>(
    _ element: consuming S.Element, to sender: inout S, orReceiveFrom receiver: inout R,
    timeout: Duration
  ) throws(SendError<S.Element>) -> SentOrReceived<S.Element, R.Element> {
    let element = element
    var received: R.Element?
    do {
      try _selectBlocking(
        [sender.sendWaitPoint, receiver.receiveWaitPoint],
        deadline: MonotonicClock.deadline(after: timeout)
      ) { (arm) throws(SNChannelError) in
        try _sendOrTake(arm, element, &sender, &receiver, into: &received)
      }
    } catch {
      throw SendError(reason: error, element: element)
    }
    return _outcome(element, received)
  }

  /// Sends `element` to `sender` or receives from `receiver` if either is
  /// ready now (the default arm); never waits.
  ///
  /// - Parameters:
  ///   - element: The value to send.
  ///   - sender: Where to send it (any sender kind).
  ///   - receiver: Where to receive from instead (any receiver kind).
  /// - Returns: ``SentOrReceived/sent``, or the received element with
  ///   `element` handed back.
  /// - Throws: ``SendError`` holding `element`: ``SNChannelError/full`` if
  ///   neither arm is ready now, ``SNChannelError/closed`` if both are
  ///   closed, or the receive arm's own error.
  public static func trySend<S: SendingEndpoint & ~Copyable, R: ReceivingEndpoint & ~Copyable>(
    _ element: consuming S.Element, to sender: inout S, orReceiveFrom receiver: inout R
  ) throws(SendError<S.Element>) -> SentOrReceived<S.Element, R.Element> {
    let element = element
    var received: R.Element?
    let done: Bool
    do {
      done = try _selectOnce(arms: 2) { (arm) throws(SNChannelError) in
        try _sendOrTake(arm, element, &sender, &receiver, into: &received)
      }
    } catch {
      throw SendError(reason: error, element: element)
    }
    guard done else { throw SendError(reason: .full, element: element) }
    return _outcome(element, received)
  }

  /// Sends `element` to `sender` or receives from `receiver`, whichever is
  /// ready first, suspending the task while neither is. A cancelled task
  /// sends and takes nothing.
  ///
  /// - Parameters:
  ///   - element: The value to send.
  ///   - sender: Where to send it (any sender kind).
  ///   - receiver: Where to receive from instead (any receiver kind).
  /// - Returns: ``SentOrReceived/sent``, or the received element with
  ///   `element` handed back.
  /// - Throws: ``SendError`` holding `element`: ``SNChannelError/closed``
  ///   once both arms are closed, ``SNChannelError/cancelled``, or the
  ///   receive arm's own error.
  nonisolated(nonsending)
    public static func send<S: SendingEndpoint & ~Copyable, R: ReceivingEndpoint & ~Copyable>(
      _ element: consuming S.Element, to sender: inout S, orReceiveFrom receiver: inout R
    ) async throws(SendError<S.Element>) -> SentOrReceived<S.Element, R.Element>
  {
    try await _send(element, to: &sender, orReceiveFrom: &receiver, deadline: nil)
  }

  /// Sends `element` to `sender` or receives from `receiver`, whichever is
  /// ready first, suspending the task for at most `timeout`.
  ///
  /// - Parameters:
  ///   - element: The value to send.
  ///   - sender: Where to send it (any sender kind).
  ///   - receiver: Where to receive from instead (any receiver kind).
  ///   - timeout: The longest wait.
  /// - Returns: ``SentOrReceived/sent``, or the received element with
  ///   `element` handed back.
  /// - Throws: ``SendError`` holding `element`: ``SNChannelError/timedOut``,
  ///   ``SNChannelError/closed`` once both arms are closed,
  ///   ``SNChannelError/cancelled``, or the receive arm's own error.
  nonisolated(nonsending)
    public static func send<S: SendingEndpoint & ~Copyable, R: ReceivingEndpoint & ~Copyable>(
      _ element: consuming S.Element, to sender: inout S, orReceiveFrom receiver: inout R,
      timeout: Duration
    ) async throws(SendError<S.Element>) -> SentOrReceived<S.Element, R.Element>
  {
    try await _send(
      element, to: &sender, orReceiveFrom: &receiver,
      deadline: MonotonicClock.deadline(after: timeout))
  }

  nonisolated(nonsending)
    static func _send<S: SendingEndpoint & ~Copyable, R: ReceivingEndpoint & ~Copyable>(
      _ element: consuming S.Element, to sender: inout S, orReceiveFrom receiver: inout R,
      deadline: UInt64?
    ) async throws(SendError<S.Element>) -> SentOrReceived<S.Element, R.Element>
  {
    let element = element
    var received: R.Element?
    do {
      try await _selectSuspending(
        [sender.sendWaitPoint, receiver.receiveWaitPoint], deadline: deadline
      ) { (arm) throws(SNChannelError) in
        try _sendOrTake(arm, element, &sender, &receiver, into: &received)
      }
    } catch {
      throw SendError(reason: error, element: element)
    }
    return _outcome(element, received)
  }

  /// One attempt of a send-or-receive select: arm 0 sends a copy of
  /// `element` (nothing is counted as a failed send while the channel is
  /// full: the select is waiting, not failing), arm 1 receives.
  static func _sendOrTake<S: SendingEndpoint & ~Copyable, R: ReceivingEndpoint & ~Copyable>(
    _ arm: Int, _ element: S.Element, _ sender: inout S, _ receiver: inout R,
    into received: inout R.Element?
  ) throws(SNChannelError) -> Bool {
    if arm == 0 { return try sender._trySendOne(element) }
    received = try receiver.tryReceive()
    return received != nil
  }

  static func _outcome<Element, Received>(
    _ element: Element, _ received: Received?
  ) -> SentOrReceived<Element, Received> {
    if let received { return .received(received, unsent: element) }
    return .sent
  }
}
