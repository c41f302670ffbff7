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
/// Fairness: every call starts its scan at a different receiver (round
/// robin), so a receiver that always has elements cannot starve the others.
/// A receiver that is closed and drained drops out of the selection; when
/// all are, `select` throws ``SNChannelError/closed``.
///
/// Waiting: the sync forms spin, yield, then park the thread; the async forms
/// suspend the task. Either way one waiter is registered with every receiver
/// and the first element (or close) anywhere wakes it.
///
/// Two or three receivers of any kinds go here; four or more receivers of
/// one kind go in a ``SelectGroup`` (endpoints are `~Copyable`, so they
/// cannot sit in an array).
public enum Select {
  /// Receives from `first` or `second`, waiting while both are empty.
  ///
  /// - Parameters:
  ///   - first: A receiver.
  ///   - second: Another receiver (of any kind and element type).
  /// - Returns: The element and which receiver it came from.
  /// - Throws: ``SNChannelError/closed`` once both are closed and drained.
  public static func receive<A: ReceivingEndpoint & ~Copyable, B: ReceivingEndpoint & ~Copyable>(
    from first: inout A, _ second: inout B
  ) throws(SNChannelError) -> Selected2<A.Element, B.Element> {
    var result: Selected2<A.Element, B.Element>?
    try _selectBlocking([first.receiveWaitPoint, second.receiveWaitPoint]) {
      (arm) throws(SNChannelError) in
      switch arm {
      case 0: result = try first.tryReceive().map { .first($0) }
      default: result = try second.tryReceive().map { .second($0) }
      }
      return result != nil
    }
    return result!
  }

  /// Receives from `first`, `second` or `third`, waiting while all are empty.
  ///
  /// - Parameters:
  ///   - first: A receiver.
  ///   - second: Another receiver.
  ///   - third: A third receiver.
  /// - Returns: The element and which receiver it came from.
  /// - Throws: ``SNChannelError/closed`` once all are closed and drained.
  public static func receive<
    A: ReceivingEndpoint & ~Copyable, B: ReceivingEndpoint & ~Copyable,
    C: ReceivingEndpoint & ~Copyable
  >(
    from first: inout A, _ second: inout B, _ third: inout C
  ) throws(SNChannelError) -> Selected3<A.Element, B.Element, C.Element> {
    var result: Selected3<A.Element, B.Element, C.Element>?
    try _selectBlocking([first.receiveWaitPoint, second.receiveWaitPoint, third.receiveWaitPoint]) {
      (arm) throws(SNChannelError) in
      switch arm {
      case 0: result = try first.tryReceive().map { .first($0) }
      case 1: result = try second.tryReceive().map { .second($0) }
      default: result = try third.tryReceive().map { .third($0) }
      }
      return result != nil
    }
    return result!
  }

  /// Receives from `first` or `second`, suspending the task while both are
  /// empty. A cancelled task takes nothing.
  ///
  /// - Parameters:
  ///   - first: A receiver.
  ///   - second: Another receiver (of any kind and element type).
  /// - Returns: The element and which receiver it came from.
  /// - Throws: ``SNChannelError/closed`` once both are closed and drained;
  ///   ``SNChannelError/cancelled`` if the task is cancelled.
  nonisolated(nonsending)
    public static func receive<
      A: ReceivingEndpoint & ~Copyable, B: ReceivingEndpoint & ~Copyable
    >(
      from first: inout A, _ second: inout B
    ) async throws(SNChannelError) -> Selected2<A.Element, B.Element>
  {
    var result: Selected2<A.Element, B.Element>?
    try await _selectSuspending([first.receiveWaitPoint, second.receiveWaitPoint]) {
      (arm) throws(SNChannelError) in
      switch arm {
      case 0: result = try first.tryReceive().map { .first($0) }
      default: result = try second.tryReceive().map { .second($0) }
      }
      return result != nil
    }
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
  ///   ``SNChannelError/cancelled`` if the task is cancelled.
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
    ]) {
      (arm) throws(SNChannelError) in
      switch arm {
      case 0: result = try first.tryReceive().map { .first($0) }
      case 1: result = try second.tryReceive().map { .second($0) }
      default: result = try third.tryReceive().map { .third($0) }
      }
      return result != nil
    }
    return result!
  }
}

/// Where the next `select` starts its scan: round robin across calls.
private let selectCursor = Atomic<Int>(0)

/// The next start of a scan: the shared cursor's next value, scrambled.
///
/// The cursor is shared by every select in the process, so a select whose
/// calls alternate with another thread's (or another select's on the same
/// thread) sees every other value: with the plain value and two arms it
/// always started at the same arm, and the other starved. A multiplicative
/// (Fibonacci) hash's high bits form a Weyl sequence, equidistributed over
/// any arm count whichever subsequence of the cursor a caller sees.
func _nextSelectStart() -> Int {
  let value = UInt64(truncatingIfNeeded: selectCursor.wrappingAdd(1, ordering: .relaxed).oldValue)
  return Int(truncatingIfNeeded: (value &* 0x9E37_79B9_7F4A_7C15) >> 33)
}

/// One pass over the arms from a rotating start. Returns the arm that
/// delivered, or `nil` if all open arms are empty; throws `.closed` when
/// every arm is closed and drained.
func _scan(
  _ open: inout [Bool], start: Int, attempt: (Int) throws(SNChannelError) -> Bool
) throws(SNChannelError) -> Int? {
  let count = open.count
  var anyOpen = false
  for offset in 0..<count {
    let arm = (start &+ offset) % count
    guard open[arm] else { continue }
    do {
      if try attempt(arm) { return arm }
      anyOpen = true
    } catch {
      if error != .closed { throw error }
      open[arm] = false
    }
  }
  if !anyOpen { throw .closed }
  return nil
}

/// Whether an open arm has a send in flight: a slot claimed and not yet
/// taken (`tail != head`). A selecting waiter must not sleep then: the
/// element's wake-up may go to another receiver of an MPMC arm (issue 15,
/// item 1; see `_SlotRing.readyToReceive()`). Called after the waiter is
/// registered and fenced, so a publish whose notify missed it is seen here.
func _sendInFlight(_ sources: [EndpointWaitPoint], open: [Bool]) -> Bool {
  for arm in sources.indices where open[arm] {
    let control = sources[arm].control
    if control.tail.pointee.load(ordering: .relaxed)
      != control.head.pointee.load(ordering: .relaxed)
    {
      return true
    }
  }
  return false
}

/// A waiter that fired from arm `tag` but took its element elsewhere (or
/// nothing) passes the wake-up on, so another waiter of that arm gets it.
private func _passOn(_ waiter: _Waiter, chosen: Int?, sources: [EndpointWaitPoint]) {
  if case .fired(let tag) = waiter.phase, tag >= 0, tag != chosen {
    let control = sources[tag].control
    control.receiverEvents.notify(control.fence)
  }
}

func _selectBlocking(
  _ sources: [EndpointWaitPoint], attempt: (Int) throws(SNChannelError) -> Bool
) throws(SNChannelError) {
  var open = [Bool](repeating: true, count: sources.count)
  let start = _nextSelectStart()
  var backoff = Backoff(strategy: sources[0].control.strategy)
  let fence = sources[0].control.fence
  while true {
    if try _scan(&open, start: start, attempt: attempt) != nil { return }
    guard backoff.shouldPark else {
      backoff.snooze()
      continue
    }
    let parker = Parker(spinCount: 0)
    let waiter = _Waiter(parker: parker)
    for arm in sources.indices where open[arm] {
      sources[arm].control.receiverWaiters.register(waiter, tag: arm)
    }
    fence.heavy()
    var chosen: Int?
    do {
      chosen = try _scan(&open, start: start, attempt: attempt)
    } catch {
      _ = waiter.fireSelf()
      for source in sources { source.control.receiverWaiters.deregister(waiter) }
      _passOn(waiter, chosen: nil, sources: sources)
      throw error
    }
    if chosen == nil, !_sendInFlight(sources, open: open) {
      while case .waiting = waiter.phase { parker.park() }
    } else {
      _ = waiter.fireSelf()
    }
    for source in sources { source.control.receiverWaiters.deregister(waiter) }
    if chosen == nil {
      do {
        chosen = try _scan(&open, start: start, attempt: attempt)
      } catch {
        _passOn(waiter, chosen: nil, sources: sources)
        throw error
      }
    }
    // Found nothing after a wake-up, and no send was in flight at the
    // registration scan: whoever took the element used it.
    if let chosen {
      _passOn(waiter, chosen: chosen, sources: sources)
      return
    }
    backoff.reset()
  }
}

nonisolated(nonsending)
  func _selectSuspending(
    _ sources: [EndpointWaitPoint], attempt: (Int) throws(SNChannelError) -> Bool
  ) async throws(SNChannelError)
{
  var open = [Bool](repeating: true, count: sources.count)
  let start = _nextSelectStart()
  let fence = sources[0].control.fence
  while true {
    if Task.isCancelled { throw .cancelled }
    if try _scan(&open, start: start, attempt: attempt) != nil { return }
    let waiter = _Waiter()
    for arm in sources.indices where open[arm] {
      sources[arm].control.receiverWaiters.register(waiter, tag: arm)
    }
    fence.heavy()
    var chosen: Int?
    do {
      chosen = try _scan(&open, start: start, attempt: attempt)
    } catch {
      _ = waiter.fireSelf()
      for source in sources { source.control.receiverWaiters.deregister(waiter) }
      _passOn(waiter, chosen: nil, sources: sources)
      throw error
    }
    let inFlight = chosen == nil && _sendInFlight(sources, open: open)
    if chosen == nil, !inFlight {
      await _suspend(waiter, deadline: nil)
    } else {
      _ = waiter.fireSelf()
    }
    for source in sources { source.control.receiverWaiters.deregister(waiter) }
    if inFlight { await Task.yield() }
    if case .cancelled = waiter.phase { throw .cancelled }
    if chosen == nil, Task.isCancelled {
      _passOn(waiter, chosen: nil, sources: sources)
      throw .cancelled
    }
    if chosen != nil {
      _passOn(waiter, chosen: chosen, sources: sources)
      return
    }
    // Woken: the loop's scan takes the element; pass the wake-up on if the
    // element came from elsewhere.
    do {
      if let arm = try _scan(&open, start: start, attempt: attempt) {
        _passOn(waiter, chosen: arm, sources: sources)
        return
      }
    } catch {
      _passOn(waiter, chosen: nil, sources: sources)
      throw error
    }
    // Nothing found: whoever took the element used the wake-up.
  }
}
