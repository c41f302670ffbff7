import SNAtomics
import Synchronization

/// The receiving endpoint of an SPSC channel.
///
/// Noncopyable, and every operation is `mutating`: there is exactly one, used
/// through one `var`, moved to another thread by capturing it in a `sending`
/// closure (later use in the spawning scope is a compile error). Dropping it
/// (or calling ``close()``) makes every later send fail with
/// ``SNChannelError/closed``; elements still queued when the channel goes away are destroyed.
public struct SPSCReceiver<Element: Sendable>: ReceivingEndpoint, ~Copyable, @unchecked Sendable {
  @usableFromInline let storage: _SPSCStorage<Element>
  @usableFromInline let buffer: UnsafeMutablePointer<Element>
  @usableFromInline let mask: Int
  /// The control block; every shared word is at a fixed offset from it.
  @usableFromInline let base: UnsafeMutableRawPointer
  /// Loaded after every receive: the senders' event state, or (without an
  /// asymmetric fence) a word that always sends the check out of line.
  @usableFromInline let sendersWatch: UnsafeMutablePointer<Atomic<Int>>
  /// The next position to read; only this endpoint writes `head`.
  @usableFromInline var head = 0
  /// The sender's `tail` as last seen; refreshed only when the ring looks empty.
  @usableFromInline var cachedTail = 0

  init(_ storage: _SPSCStorage<Element>) {
    self.storage = storage
    buffer = storage.buffer
    mask = storage.mask
    base = storage.control.base
    sendersWatch = storage.control.sleeperWatch(line: 3)
  }

  /// After freeing a slot: wakes a sleeping sender, if any. The check is one
  /// load and compare; the wake-up itself is out of line.
  @inlinable @inline(__always)
  func notifySenders() {
    // With an asymmetric fence only the compiler must keep the index store
    // before this load, and only for these two words: the endpoint's own
    // fields stay in registers across a caller's loop.
    AsymmetricFence.compilerOrder(orderingStoreTo: sharedHead, beforeLoadFrom: sendersWatch)
    if UnsafeEventCount.hasWaiters(sendersWatch.pointee.load(ordering: .relaxed)) {
      storage.control.wakeSenders()
    }
  }

  @inlinable var sharedTail: UnsafeMutablePointer<Atomic<Int>> { _ChannelControl.tail(at: base) }
  @inlinable var sharedHead: UnsafeMutablePointer<Atomic<Int>> { _ChannelControl.head(at: base) }
  /// Receivers sleep here (with the channel's async waiters as observer).
  @inlinable var receivers: UnsafeEventCount { storage.control.receiverEvents }
  /// Whether the sender closed or is gone (its flag); an acquiring load.
  @inlinable var isSenderClosed: Bool {
    _ChannelControl.eventState(at: base, line: 2).pointee.load(ordering: .acquiring)
      & UnsafeEventCount.flagBit != 0
  }

  deinit {
    storage.control.markReceiversGone()
  }

  /// Receives without blocking.
  ///
  /// - Returns: The oldest element, or `nil` if the channel is empty now.
  /// - Throws: ``SNChannelError/closed`` once the sender is gone and every
  ///   element it sent has been received.
  /// - Complexity: O(1); no read-modify-write instruction.
  @inlinable @inline(__always)
  public mutating func tryReceive() throws(SNChannelError) -> Element? {
    let position = head
    if position == cachedTail {
      cachedTail = sharedTail.pointee.load(ordering: .acquiring)
      if position == cachedTail {
        guard isSenderClosed else { return nil }
        // Closed: everything sent before the close is visible now.
        cachedTail = sharedTail.pointee.load(ordering: .acquiring)
        if position == cachedTail { throw .closed }
      }
    }
    let element = (buffer + (position & mask)).move()
    head = position &+ 1
    sharedHead.pointee.store(position &+ 1, ordering: .releasing)
    notifySenders()
    return element
  }

  /// Receives, waiting while the channel is empty: spins briefly, then
  /// parks (an idle blocked receiver uses no CPU).
  ///
  /// - Returns: The oldest element.
  /// - Throws: ``SNChannelError/closed`` once the sender is gone and the
  ///   channel is drained.
  @inlinable
  public mutating func receive() throws(SNChannelError) -> Element {
    if let element = try tryReceive() { return element }
    return try _receiveBlocking(deadline: nil)
  }

  /// How many elements can be read now, at most `maxCount`; refreshes the
  /// cached tail only when the cached one shows fewer.
  ///
  /// - Throws: ``SNChannelError/closed`` once the sender is gone and the
  ///   channel is drained.
  @inlinable @inline(__always)
  mutating func readable(upTo maxCount: Int) throws(SNChannelError) -> Int {
    let position = head
    var available = cachedTail &- position
    if available < maxCount {
      cachedTail = sharedTail.pointee.load(ordering: .acquiring)
      available = cachedTail &- position
      if available == 0 {
        guard isSenderClosed else { return 0 }
        // Closed: everything sent before the close is visible now.
        cachedTail = sharedTail.pointee.load(ordering: .acquiring)
        available = cachedTail &- position
        if available == 0 { throw .closed }
      }
    }
    return min(available, maxCount)
  }

  /// Moves up to `maxCount` queued elements into `buffer` (appending), with
  /// one update of the shared index; never blocks.
  ///
  /// - Parameters:
  ///   - buffer: Where received elements are appended.
  ///   - maxCount: The most elements to take.
  /// - Returns: How many were appended (0 if the channel is empty now).
  /// - Throws: ``SNChannelError/closed`` once the sender is gone and the
  ///   channel is drained.
  /// - Complexity: O(number received).
  @inlinable
  public mutating func tryReceive(
    into buffer: inout [Element], maxCount: Int
  ) throws(SNChannelError) -> Int {
    precondition(maxCount >= 0, "maxCount must not be negative")
    let position = head
    let count = try readable(upTo: maxCount)
    if count == 0 { return 0 }
    buffer.reserveCapacity(buffer.count + count)
    for offset in 0..<count {
      buffer.append((self.buffer + ((position &+ offset) & mask)).move())
    }
    head = position &+ count
    sharedHead.pointee.store(position &+ count, ordering: .releasing)
    notifySenders()
    return count
  }

  /// Hands up to `maxCount` queued elements to `body`, oldest first, each
  /// moved straight out of the ring, with one update of the shared index at
  /// the end; never blocks.
  ///
  /// No array in between: for a consumer that handles each element where it
  /// lies. If `body` returns `false`, no further element is handed out (the
  /// one just handed over counts as received) and the rest stay queued for
  /// the next receive. The slots are given back to the sender only when the
  /// call returns, so keep `body` short.
  ///
  /// <!-- snippet: setup
  /// let rxChannel = try SNChannel<Order>.spsc(capacity: 8)
  /// var rx = rxChannel.receiver
  /// let book = OrderBook()
  /// -->
  /// ```swift
  /// let handled = try rx.tryReceive(maxCount: 64) { order in
  ///   book.apply(order)
  ///   return true
  /// }
  /// ```
  ///
  /// - Parameters:
  ///   - maxCount: The most elements to hand out.
  ///   - body: Takes one element; returns whether to go on.
  /// - Returns: How many elements `body` received (0 if the channel is empty now).
  /// - Throws: ``SNChannelError/closed`` once the sender is gone and the
  ///   channel is drained.
  /// - Complexity: O(number received).
  @inlinable
  public mutating func tryReceive(
    maxCount: Int, _ body: (consuming Element) -> Bool
  ) throws(SNChannelError) -> Int {
    precondition(maxCount >= 0, "maxCount must not be negative")
    let limit = try readable(upTo: maxCount)
    var count = 0
    while count < limit {
      let element = _moveOut(at: count)
      count &+= 1
      if !body(element) { break }
    }
    if count > 0 { _commit(count) }
    return count
  }

  // MARK: Reading in place, step by step (for the worker pool)

  /// Moves out the element `offset` places after the head without giving
  /// its slot back: the first `offset` elements must have been moved out
  /// already, and ``_commit(_:)`` must follow before any other receive.
  ///
  /// The worker pool reads its lanes this way so that a handler may receive
  /// from the same lane in the middle of a batch (the pool commits the
  /// batch first); ``tryReceive(maxCount:_:)`` is the public form.
  @inlinable @inline(__always)
  package func _moveOut(at offset: Int) -> Element {
    (buffer + ((head &+ offset) & mask)).move()
  }

  /// Gives the slots of the first `count` elements, moved out with
  /// ``_moveOut(at:)``, back to the sender: one store of the shared index.
  @inlinable @inline(__always)
  package mutating func _commit(_ count: Int) {
    head &+= count
    sharedHead.pointee.store(head, ordering: .releasing)
    notifySenders()
  }

  /// How many elements ``_moveOut(at:)`` may take now, at most `maxCount`.
  ///
  /// - Throws: ``SNChannelError/closed`` once the sender is gone and the
  ///   channel is drained.
  @inlinable @inline(__always)
  package mutating func _readable(upTo maxCount: Int) throws(SNChannelError) -> Int {
    try readable(upTo: maxCount)
  }

  /// Closes the channel for sending: later sends fail with
  /// ``SNChannelError/closed``. Elements already queued can still be received.
  public mutating func close() {
    storage.control.markReceiversGone()
  }

  /// The channel's counters.
  public var stats: ChannelStats { storage.control.stats() }

  /// Where a receive that must wait for an element waits, as of now.
  public var receiveWaitPoint: EndpointWaitPoint {
    EndpointWaitPoint(storage.control, .spscElements(tail: sharedTail, position: head))
  }
}
