import SNAtomics
import Synchronization

/// Any number of receivers of one kind that ``Select`` waits on together:
/// the form for four or more channels.
///
/// <!-- snippet: setup
/// let books = (0..<4).map { _ in OrderBook() }
/// -->
/// ```swift
/// var shards = SelectGroup<SPSCReceiver<Order>>()
/// for _ in 0..<4 {
///   let channel = try SNChannel<Order>.spsc(capacity: 1024)
///   shards.append(channel.receiver)   // index 0, 1, 2, 3
///   // ... and move `channel.sender` to the thread that feeds this shard
/// }
/// while let (shard, order) = try? await shards.receive() { books[shard].apply(order) }
/// ```
///
/// Why a group and not an array: endpoints are `~Copyable` (a single
/// consumer is checked by the compiler), and `Array` holds only copyable
/// elements, so a select over "an array of receivers" cannot be written. A
/// parameter pack of `inout` receivers could not return one enum case per
/// receiver either. The group owns its receivers instead (in storage it
/// allocates and frees), reports which one an element came from by index,
/// and hands each back with ``removeLast()``; dropping the group drops them
/// (closing their channels, as dropping a receiver does).
///
/// Select semantics are those of ``Select``: the first ready receiver wins,
/// each call starts its scan at a different receiver (no receiver starves),
/// a closed and drained receiver drops out, and when all have, the call
/// throws ``SNChannelError/closed``.
public struct SelectGroup<Receiver: ReceivingEndpoint & ~Copyable>: ~Copyable {
  @usableFromInline var _elements: _EndpointArray<Receiver>
  /// The number of receivers in the group.
  public var count: Int { _elements.count }

  /// An empty group.
  ///
  /// - Parameter capacity: Receivers to make room for up front (it grows as needed).
  public init(capacity: Int = 4) {
    _elements = _EndpointArray(capacity: capacity)
  }

  /// Adds a receiver; it answers to the index returned.
  ///
  /// - Parameter receiver: The receiver; the group owns it from now on.
  /// - Returns: Its index (the count before the call).
  /// - Complexity: Amortised O(1).
  @discardableResult
  public mutating func append(_ receiver: consuming Receiver) -> Int {
    _elements.append(receiver)
  }

  /// Hands back the most recently added receiver.
  ///
  /// - Returns: The receiver at index `count - 1`, or `nil` if the group is empty.
  public mutating func removeLast() -> Receiver? {
    _elements.removeLast()
  }

  /// Receives from whichever receiver has an element now, without waiting.
  ///
  /// - Returns: The receiver's index and the element, or `nil` if all are empty.
  /// - Throws: ``SNChannelError/closed`` once every receiver is closed and
  ///   drained (or the group is empty).
  public mutating func tryReceive() throws(SNChannelError) -> (
    index: Int, element: Receiver.Element
  )? {
    let storage = _elements.base
    var open = [Bool](repeating: true, count: count)
    var element: Receiver.Element?
    let start = _nextSelectStart()
    guard
      let arm = try _scan(
        &open, start: start,
        attempt: { (arm) throws(SNChannelError) in
          element = try storage[arm].tryReceive()
          return element != nil
        })
    else { return nil }
    return (arm, element!)
  }

  /// Receives from whichever receiver has an element first, blocking the
  /// thread (spin, yield, park) while all are empty.
  ///
  /// - Returns: The receiver's index and the element.
  /// - Throws: ``SNChannelError/closed`` once every receiver is closed and
  ///   drained (or the group is empty).
  public mutating func receive() throws(SNChannelError) -> (index: Int, element: Receiver.Element) {
    guard count > 0 else { throw .closed }
    let storage = _elements.base
    var element: Receiver.Element?
    var chosen = 0
    try _selectBlocking(sources) { (arm) throws(SNChannelError) in
      element = try storage[arm].tryReceive()
      chosen = arm
      return element != nil
    }
    return (chosen, element!)
  }

  /// Receives from whichever receiver has an element first, suspending the
  /// task while all are empty. A cancelled task takes nothing.
  ///
  /// - Returns: The receiver's index and the element.
  /// - Throws: ``SNChannelError/closed`` once every receiver is closed and
  ///   drained (or the group is empty); ``SNChannelError/cancelled`` if the
  ///   task is cancelled.
  nonisolated(nonsending)
    public mutating func receive() async throws(SNChannelError) -> (
      index: Int, element: Receiver.Element
    )
  {
    guard count > 0 else { throw .closed }
    let storage = _elements.base
    var element: Receiver.Element?
    var chosen = 0
    try await _selectSuspending(sources) { (arm) throws(SNChannelError) in
      element = try storage[arm].tryReceive()
      chosen = arm
      return element != nil
    }
    return (chosen, element!)
  }

  private var sources: [EndpointWaitPoint] {
    (0..<count).map { _elements.base[$0].receiveWaitPoint }
  }
}

extension SelectGroup: @unchecked Sendable where Receiver: Sendable & ~Copyable {}
