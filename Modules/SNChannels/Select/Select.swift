import SNAtomics
import Synchronization

/// Which of two receivers ``Select`` took an element from, with the element.
@frozen
public enum Selected2<First: Sendable, Second: Sendable>: Sendable {
  /// From the first receiver.
  case first(First)
  /// From the second receiver.
  case second(Second)
}

/// Which of three receivers ``Select`` took an element from, with the element.
@frozen
public enum Selected3<First: Sendable, Second: Sendable, Third: Sendable>: Sendable {
  /// From the first receiver.
  case first(First)
  /// From the second receiver.
  case second(Second)
  /// From the third receiver.
  case third(Third)
}

/// Receives from whichever of several channels has an element first, as
/// Go's `select` and crossbeam's `select!` do.
///
/// <!-- snippet: setup
/// let ordersChannel = try SNChannel<Order>.spsc(capacity: 8)
/// var orders = ordersChannel.receiver
/// let controlChannel = try SNChannel<String>.mpsc(capacity: 8)
/// var control = controlChannel.receiver
/// let book = OrderBook()
/// func handle(_ command: String) {}
/// -->
/// ```swift
/// switch try await Select.receive(from: &orders, &control) {
/// case .first(let order): book.apply(order)
/// case .second(let command): handle(command)
/// }
/// ```
///
/// The forms, one family of overloads per arm shape (see <doc:SelectingOverChannels>):
///
/// - `receive(from:_:)` and `receive(from:_:_:)`: wait for two or three
///   receivers, blocking or async;
/// - the same with `timeout:`: the timeout arm, ``SNChannelError/timedOut``;
/// - ``tryReceive(from:_:)`` and ``tryReceive(from:_:_:)``: the default arm,
///   `nil` when nothing is ready now;
/// - `send(_:to:orReceiveFrom:)` and its `timeout:`, async and ``trySend(_:to:orReceiveFrom:)``
///   forms: a send arm and a receive arm (crossbeam's
///   `select! { send(tx, v) -> .., recv(rx) -> .. }`); a send that loses
///   hands its value back.
///
/// Every arm is an endpoint of any kind, each passed `inout`: endpoints are
/// `~Copyable`, so they cannot sit in an array or an arm value without
/// being moved. Four or more receivers of one kind go in a ``SelectGroup``.
///
/// Fairness: every call starts its scan at a different arm (round robin,
/// scrambled across callers), so an arm that is always ready cannot starve
/// the others. An arm that is closed (a receiver closed and drained, a
/// sender whose receivers are gone) drops out of the selection; when all
/// have, `select` throws ``SNChannelError/closed``.
///
/// Waiting: the sync forms spin, yield, then park the thread; the async forms
/// suspend the task. Either way one waiter is registered with every arm's
/// channel and the first element, room or close anywhere wakes it. An arm
/// that is not taken is not touched: nothing is taken from its channel.
///
/// Rendezvous arms: a select's waiting does not count as a waiting receiver,
/// so a ``RendezvousSender/trySend(_:)`` does not hand its value to it; a
/// blocking, timed or async send (which offers its value until taken) does.
/// Likewise a rendezvous send arm succeeds only while a receiver waits in a
/// blocking, timed or async receive.
public enum Select {
  /// Receives from `first` or `second`, waiting while both are empty.
  ///
  /// - Parameters:
  ///   - first: A receiver.
  ///   - second: Another receiver (of any kind and element type).
  /// - Returns: The element and which receiver it came from.
  /// - Throws: ``SNChannelError/closed`` once both are closed and drained,
  ///   or an arm's own error (``SNChannelError/lagged`` from a broadcast receiver).
  public static func receive<A: ReceivingEndpoint & ~Copyable, B: ReceivingEndpoint & ~Copyable>(
    from first: inout A, _ second: inout B
  ) throws(SNChannelError) -> Selected2<A.Element, B.Element> {
    var result: Selected2<A.Element, B.Element>?
    try _selectBlocking([first.receiveWaitPoint, second.receiveWaitPoint]) {
      (arm) throws(SNChannelError) in try _take(arm, &first, &second, into: &result)
    }
    return result!
  }

  /// Receives from `first` or `second`, waiting at most `timeout` while
  /// both are empty (the timeout arm).
  ///
  /// - Parameters:
  ///   - first: A receiver.
  ///   - second: Another receiver (of any kind and element type).
  ///   - timeout: The longest wait.
  /// - Returns: The element and which receiver it came from.
  /// - Throws: ``SNChannelError/timedOut`` (nothing taken),
  ///   ``SNChannelError/closed`` once both are closed and drained, or an
  ///   arm's own error.
  public static func receive<A: ReceivingEndpoint & ~Copyable, B: ReceivingEndpoint & ~Copyable>(
    from first: inout A, _ second: inout B, timeout: Duration
  ) throws(SNChannelError) -> Selected2<A.Element, B.Element> {
    var result: Selected2<A.Element, B.Element>?
    try _selectBlocking(
      [first.receiveWaitPoint, second.receiveWaitPoint],
      deadline: MonotonicClock.deadline(after: timeout)
    ) { (arm) throws(SNChannelError) in try _take(arm, &first, &second, into: &result) }
    return result!
  }

  /// Receives from `first` or `second` if either has an element now (the
  /// default arm); never waits.
  ///
  /// - Parameters:
  ///   - first: A receiver.
  ///   - second: Another receiver (of any kind and element type).
  /// - Returns: The element and which receiver it came from, or `nil` if
  ///   neither has one now.
  /// - Throws: ``SNChannelError/closed`` if both are closed and drained, or
  ///   an arm's own error.
  public static func tryReceive<
    A: ReceivingEndpoint & ~Copyable, B: ReceivingEndpoint & ~Copyable
  >(
    from first: inout A, _ second: inout B
  ) throws(SNChannelError) -> Selected2<A.Element, B.Element>? {
    var result: Selected2<A.Element, B.Element>?
    _ = try _selectOnce(arms: 2) { (arm) throws(SNChannelError) in
      try _take(arm, &first, &second, into: &result)
    }
    return result
  }

  /// Receives from `first`, `second` or `third`, waiting while all are empty.
  ///
  /// - Parameters:
  ///   - first: A receiver.
  ///   - second: Another receiver.
  ///   - third: A third receiver.
  /// - Returns: The element and which receiver it came from.
  /// - Throws: ``SNChannelError/closed`` once all are closed and drained, or
  ///   an arm's own error.
  public static func receive<
    A: ReceivingEndpoint & ~Copyable, B: ReceivingEndpoint & ~Copyable,
    C: ReceivingEndpoint & ~Copyable
  >(
    from first: inout A, _ second: inout B, _ third: inout C
  ) throws(SNChannelError) -> Selected3<A.Element, B.Element, C.Element> {
    var result: Selected3<A.Element, B.Element, C.Element>?
    try _selectBlocking([first.receiveWaitPoint, second.receiveWaitPoint, third.receiveWaitPoint]) {
      (arm) throws(SNChannelError) in try _take(arm, &first, &second, &third, into: &result)
    }
    return result!
  }

  /// Receives from `first`, `second` or `third`, waiting at most `timeout`
  /// while all are empty (the timeout arm).
  ///
  /// - Parameters:
  ///   - first: A receiver.
  ///   - second: Another receiver.
  ///   - third: A third receiver.
  ///   - timeout: The longest wait.
  /// - Returns: The element and which receiver it came from.
  /// - Throws: ``SNChannelError/timedOut`` (nothing taken),
  ///   ``SNChannelError/closed`` once all are closed and drained, or an
  ///   arm's own error.
  public static func receive<
    A: ReceivingEndpoint & ~Copyable, B: ReceivingEndpoint & ~Copyable,
    C: ReceivingEndpoint & ~Copyable
  >(
    from first: inout A, _ second: inout B, _ third: inout C, timeout: Duration
  ) throws(SNChannelError) -> Selected3<A.Element, B.Element, C.Element> {
    var result: Selected3<A.Element, B.Element, C.Element>?
    try _selectBlocking(
      [first.receiveWaitPoint, second.receiveWaitPoint, third.receiveWaitPoint],
      deadline: MonotonicClock.deadline(after: timeout)
    ) { (arm) throws(SNChannelError) in try _take(arm, &first, &second, &third, into: &result) }
    return result!
  }

  /// Receives from `first`, `second` or `third` if any has an element now
  /// (the default arm); never waits.
  ///
  /// - Parameters:
  ///   - first: A receiver.
  ///   - second: Another receiver.
  ///   - third: A third receiver.
  /// - Returns: The element and which receiver it came from, or `nil` if
  ///   none has one now.
  /// - Throws: ``SNChannelError/closed`` if all are closed and drained, or
  ///   an arm's own error.
  public static func tryReceive<
    A: ReceivingEndpoint & ~Copyable, B: ReceivingEndpoint & ~Copyable,
    C: ReceivingEndpoint & ~Copyable
  >(
    from first: inout A, _ second: inout B, _ third: inout C
  ) throws(SNChannelError) -> Selected3<A.Element, B.Element, C.Element>? {
    var result: Selected3<A.Element, B.Element, C.Element>?
    _ = try _selectOnce(arms: 3) { (arm) throws(SNChannelError) in
      try _take(arm, &first, &second, &third, into: &result)
    }
    return result
  }

  /// One receive attempt of a two-arm select.
  static func _take<A: ReceivingEndpoint & ~Copyable, B: ReceivingEndpoint & ~Copyable>(
    _ arm: Int, _ first: inout A, _ second: inout B,
    into result: inout Selected2<A.Element, B.Element>?
  ) throws(SNChannelError) -> Bool {
    switch arm {
    case 0: result = try first.tryReceive().map { .first($0) }
    default: result = try second.tryReceive().map { .second($0) }
    }
    return result != nil
  }

  /// One receive attempt of a three-arm select.
  static func _take<
    A: ReceivingEndpoint & ~Copyable, B: ReceivingEndpoint & ~Copyable,
    C: ReceivingEndpoint & ~Copyable
  >(
    _ arm: Int, _ first: inout A, _ second: inout B, _ third: inout C,
    into result: inout Selected3<A.Element, B.Element, C.Element>?
  ) throws(SNChannelError) -> Bool {
    switch arm {
    case 0: result = try first.tryReceive().map { .first($0) }
    case 1: result = try second.tryReceive().map { .second($0) }
    default: result = try third.tryReceive().map { .third($0) }
    }
    return result != nil
  }
}
