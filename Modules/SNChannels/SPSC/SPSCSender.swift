import SNAtomics
import Synchronization

/// The sending endpoint of an SPSC channel.
///
/// Noncopyable, and every operation is `mutating`: there is exactly one, used
/// through one `var`. Capture that `var` in a `sending` closure
/// (`OSThread.spawn(name:cpu:_:)`, `Task { }`) to move it to another
/// thread; any later use in the spawning scope is then a compile error
/// ("sending ... risks causing data races"). Dropping it (or consuming it
/// with ``close()``) tells the receiver that no more elements will come; the
/// receiver still gets everything already sent.
public struct SPSCSender<Element: Sendable>: SendingEndpoint, ~Copyable, @unchecked Sendable {
  @usableFromInline let storage: _SPSCStorage<Element>
  @usableFromInline let buffer: UnsafeMutablePointer<Element>
  @usableFromInline let mask: Int
  /// The control block; every shared word is at a fixed offset from it, so
  /// the hot path loads one pointer instead of one per word.
  @usableFromInline let base: UnsafeMutableRawPointer
  /// Loaded after every send: the receivers' event state, or (without an
  /// asymmetric fence) a word that always sends the check out of line.
  @usableFromInline let receiversWatch: UnsafeMutablePointer<Atomic<Int>>
  /// The next position to write; only this endpoint writes `tail`.
  @usableFromInline var tail = 0
  /// The receiver's `head` as last seen; refreshed only when the ring looks full.
  @usableFromInline var cachedHead = 0

  init(_ storage: _SPSCStorage<Element>) {
    self.storage = storage
    buffer = storage.buffer
    mask = storage.mask
    base = storage.control.base
    receiversWatch = storage.control.sleeperWatch(line: 2)
  }

  /// After publishing: wakes a sleeping receiver, if any. The check is one
  /// load and compare; the wake-up itself is out of line.
  @inlinable @inline(__always)
  func notifyReceivers() {
    // With an asymmetric fence only the compiler must keep the index store
    // before this load, and only for these two words: the endpoint's own
    // fields stay in registers across a caller's loop.
    AsymmetricFence.compilerOrder(orderingStoreTo: sharedTail, beforeLoadFrom: receiversWatch)
    if UnsafeEventCount.hasWaiters(receiversWatch.pointee.load(ordering: .relaxed)) {
      storage.control.wakeReceivers()
    }
  }

  @inlinable var sharedTail: UnsafeMutablePointer<Atomic<Int>> { _ChannelControl.tail(at: base) }
  @inlinable var sharedHead: UnsafeMutablePointer<Atomic<Int>> { _ChannelControl.head(at: base) }
  /// The word whose flag bit says "receivers closed": read before every send.
  @inlinable var closedWord: UnsafeMutablePointer<Atomic<Int>> {
    _ChannelControl.eventState(at: base, line: 3)
  }

  deinit {
    storage.control.markSendersGone()
  }

  /// Sends without blocking.
  ///
  /// - Parameter element: The element to send.
  /// - Throws: ``SendError`` with ``SNChannelError/full`` or
  ///   ``SNChannelError/closed`` (receiver closed or gone), holding `element`.
  /// - Complexity: O(1); no read-modify-write instruction.
  @inlinable @inline(__always)
  public mutating func trySend(_ element: consuming Element) throws(SendError<Element>) {
    switch push(element) {
    case .sent: return
    case .full(let element):
      storage.control.countSendErrorFromOwner(.full)
      throw SendError(reason: SNChannelError(.full), element: element)
    case .closed(let element):
      storage.control.countSendError(.closed)
      throw SendError(reason: SNChannelError(.closed), element: element)
    }
  }

  /// A push's outcome as ``offerToPollingReceiver(_:)`` returns it: `nil`
  /// when sent, else the element, counting the failure.
  @inlinable @inline(__always)
  func handBack(_ result: consuming _PushResult<Element>) -> Element? {
    switch consume result {
    case .sent: return nil
    case .full(let element):
      storage.control.countSendErrorFromOwner(.full)
      return element
    case .closed(let element):
      storage.control.countSendError(.closed)
      return element
    }
  }

  @inlinable @inline(__always)
  mutating func push(_ element: consuming Element) -> _PushResult<Element> {
    let result = publish(element)
    if case .sent = result { notifyReceivers() }
    return result
  }

  /// Stores `element` and publishes the new tail, without the check for a
  /// sleeping receiver.
  @inlinable @inline(__always)
  mutating func publish(_ element: consuming Element) -> _PushResult<Element> {
    if _slowPath(closedWord.pointee.load(ordering: .relaxed) & UnsafeEventCount.flagBit != 0) {
      return .closed(element)
    }
    let position = tail
    if position &- cachedHead > mask {
      cachedHead = sharedHead.pointee.load(ordering: .acquiring)
      if position &- cachedHead > mask { return .full(element) }
    }
    (buffer + (position & mask)).initialize(to: element)
    _referenceBarrier(for: Element.self)
    tail = position &+ 1
    sharedTail.pointee.store(position &+ 1, ordering: .releasing)
    return .sent
  }

  /// Sends without blocking, to a receiver that never sleeps on this
  /// channel: ``trySend(_:)`` minus the check for a sleeping receiver after
  /// publishing, handing the element back instead of throwing (a throw calls
  /// a runtime hook, which a producer retrying on a full lane pays each time).
  ///
  /// For the worker pool's lanes, whose receiver polls with non-blocking
  /// receives and sleeps on the pool's own doorbell, which the submitter
  /// checks instead. Any other use risks a receiver sleeping through the
  /// element.
  @inlinable @inline(__always)
  package mutating func offerToPollingReceiver(_ element: consuming Element) -> Element? {
    handBack(publish(element))
  }

  /// Sends, waiting for room while the channel is full: spins briefly,
  /// then parks (an idle blocked sender uses no CPU).
  ///
  /// - Parameter element: The element to send.
  /// - Throws: ``SendError`` with ``SNChannelError/closed``, holding `element`.
  @inlinable
  public mutating func send(_ element: consuming Element) throws(SendError<Element>) {
    switch push(element) {
    case .sent: return
    case .full(let element): try _sendBlocking(element, deadline: nil)
    case .closed(let element):
      storage.control.countSendError(.closed)
      throw SendError(reason: SNChannelError(.closed), element: element)
    }
  }

  /// Sends as many elements of `elements` as fit now, in order, with one
  /// update of the shared index; never blocks.
  ///
  /// - Parameter elements: The elements to send.
  /// - Returns: How many were sent: a prefix of `elements`. The rest were not
  ///   sent and remain the caller's.
  /// - Throws: ``SNChannelError/closed`` if the receiver is gone (nothing sent).
  /// - Complexity: O(number sent).
  @inlinable
  public mutating func trySend<C: Collection>(
    contentsOf elements: C
  ) throws(SNChannelError) -> Int where C.Element == Element {
    if storage.control.isClosedForSending {
      storage.control.countSendError(.closed)
      throw .closed
    }
    let wanted = elements.count
    if wanted == 0 { return 0 }
    let position = tail
    var room = mask &+ 1 &- (position &- cachedHead)
    if room < wanted {
      cachedHead = sharedHead.pointee.load(ordering: .acquiring)
      room = mask &+ 1 &- (position &- cachedHead)
    }
    let count = min(room, wanted)
    if count == 0 { return 0 }
    var index = elements.startIndex
    for offset in 0..<count {
      (buffer + ((position &+ offset) & mask)).initialize(to: elements[index])
      elements.formIndex(after: &index)
    }
    _referenceBarrier(for: Element.self)
    tail = position &+ count
    sharedTail.pointee.store(position &+ count, ordering: .releasing)
    notifyReceivers()
    return count
  }

  /// Closes the channel from the sending side and gives up the sender, as
  /// dropping it does: the receiver drains what was sent, then sees
  /// ``SNChannelError/closed``.
  public consuming func close() {}

  /// Where a send that must wait for room waits, as of now.
  public var sendWaitPoint: EndpointWaitPoint {
    EndpointWaitPoint(storage.control, .spscRoom(head: sharedHead, position: tail, mask: mask))
  }

  /// The channel's counters.
  public var stats: ChannelStats { storage.control.stats() }

  /// Whether the receiver is closed or gone (sends would fail).
  public var isClosed: Bool { storage.control.isClosedForSending }
}
