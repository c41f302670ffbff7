import SNAtomics
import Synchronization

/// The shared ring of a broadcast channel.
///
/// Each slot, on its own 64-byte stride: a lock word, the position last
/// written into it (`pos`, an atomic), and the element. A sender claims the
/// next position with one fetch-add on `tail` and writes slot `pos & mask`
/// under the slot's lock, replacing whatever older element was there (it
/// never waits for receivers: overwrite-oldest). Every receiver keeps its
/// own cursor and copies the element of slot `next & mask` under the lock if
/// the slot's `pos` is `next`; a larger `pos` means the receiver was lapped:
/// it jumps to the oldest position still in the ring and reports how many it
/// missed.
///
/// Memory ordering: the element and `pos` change only under the slot's lock
/// (acquire on taking, release on leaving), so a receiver that reads `pos ==
/// next` under the lock also sees that element; it copies it before leaving
/// the lock (``_copyUnderLock(_:)``: the copy's retain must not move past
/// the unlock, after which a sender may replace and release the element). Receivers read `pos` without
/// the lock (acquiring) only as a hint: "nothing new yet" before they sleep,
/// and to skip the lock while polling an empty slot. The close is the last
/// sender's acquiring-and-releasing decrement of `senders`: a receiver that
/// loads `senders == 0` (acquiring) before it looks at its slot sees every
/// element sent, so "closed and nothing at `next`" is final.
@usableFromInline
final class _BroadcastCore<Element: Sendable>: @unchecked Sendable {
  @usableFromInline let capacity: Int
  @usableFromInline let mask: Int
  @usableFromInline let strategy: WaitStrategy
  @usableFromInline let slots: UnsafeMutableRawPointer
  @usableFromInline let valueOffset: Int
  @usableFromInline let stride: Int
  /// Next position to claim; written by senders.
  @usableFromInline let tail = PaddedAtomics<Int>(count: 1, initialValue: 0)
  @usableFromInline let senders = Atomic<Int>(1)
  @usableFromInline let receivers = Atomic<Int>(1)
  @usableFromInline let missed = Atomic<UInt64>(0)
  @usableFromInline let closedSends = Atomic<UInt64>(0)
  /// "A new element or the close": every send notifies it.
  @usableFromInline let signal = _KindSignal()

  @usableFromInline
  init(capacity: Int, strategy: WaitStrategy) {
    self.capacity = capacity
    self.mask = capacity - 1
    self.strategy = strategy
    let valueAlignment = MemoryLayout<Element?>.alignment
    valueOffset = (16 + valueAlignment - 1) / valueAlignment * valueAlignment
    stride = (valueOffset + MemoryLayout<Element?>.size + 63) / 64 * 64
    slots = .allocate(byteCount: stride * capacity, alignment: max(64, valueAlignment))
    for index in 0..<capacity {
      let slot = slots + index * stride
      slot.initializeMemory(as: Atomic<Bool>.self, to: Atomic(false))
      // "Written in lap -1": below every cursor, so the slot reads as empty.
      (slot + 8).initializeMemory(as: Atomic<Int>.self, to: Atomic(index - capacity))
      (slot + valueOffset).initializeMemory(as: Element?.self, repeating: nil, count: 1)
    }
  }

  deinit {
    for index in 0..<capacity {
      (slots + index * stride + valueOffset).assumingMemoryBound(to: Element?.self).deinitialize(
        count: 1)
    }
    slots.deallocate()
  }

  @inlinable @inline(__always)
  func lockWord(_ position: Int) -> UnsafeMutablePointer<Atomic<Bool>> {
    (slots + (position & mask) &* stride).assumingMemoryBound(to: Atomic<Bool>.self)
  }

  @inlinable @inline(__always)
  func position(_ position: Int) -> UnsafeMutablePointer<Atomic<Int>> {
    (slots + (position & mask) &* stride + 8).assumingMemoryBound(to: Atomic<Int>.self)
  }

  @inlinable @inline(__always)
  func value(_ position: Int) -> UnsafeMutablePointer<Element?> {
    (slots + (position & mask) &* stride + valueOffset).assumingMemoryBound(to: Element?.self)
  }

  @inlinable @inline(__always)
  func withSlotLock<Result>(_ position: Int, _ body: () -> Result) -> Result {
    let word = lockWord(position)
    if !word.pointee.weakCompareExchange(expected: false, desired: true, ordering: .acquiring)
      .exchanged
    {
      var backoff = Backoff()
      while word.pointee.load(ordering: .relaxed)
        || !word.pointee.weakCompareExchange(expected: false, desired: true, ordering: .acquiring)
          .exchanged
      {
        backoff.snooze()
      }
    }
    defer { word.pointee.store(false, ordering: .releasing) }
    return body()
  }

  @inlinable
  var isClosed: Bool { senders.load(ordering: .acquiring) == 0 }

  /// Writes `element` at a freshly claimed position; never waits.
  ///
  /// - Returns: `nil` when sent, or the element when no receiver is left.
  @inlinable @inline(__always)
  func send(_ element: consuming Element) -> Element? {
    if receivers.load(ordering: .relaxed) == 0 {
      closedSends.wrappingAdd(1, ordering: .relaxed)
      return element
    }
    let claimed = tail[0].wrappingAdd(1, ordering: .relaxed).oldValue
    var incoming: Element? = element
    // The element this write replaces (or, if a sender a whole lap ahead
    // already wrote this slot, the incoming one): dropped after the lock.
    let dropped = withSlotLock(claimed) { () -> Element? in
      let slotPosition = position(claimed)
      guard slotPosition.pointee.load(ordering: .relaxed) < claimed else { return incoming.take() }
      let old = value(claimed).pointee.take()
      value(claimed).pointee = incoming.take()
      _referenceBarrier(for: Element.self)
      slotPosition.pointee.store(claimed, ordering: .releasing)
      return old
    }
    _ = consume dropped
    signal.notifyAll()
    return nil
  }

  @usableFromInline
  enum Read {
    case element(Element)
    case empty
    case lagged(newNext: Int)
  }

  /// Reads position `next` if it has been written.
  @inlinable @inline(__always)
  func read(_ next: Int) -> Read {
    // A relaxed peek first: polling an empty slot does not take its lock.
    if position(next).pointee.load(ordering: .relaxed) < next { return .empty }
    return withSlotLock(next) { () -> Read in
      let written = position(next).pointee.load(ordering: .relaxed)
      if written == next { return .element(_copyUnderLock(value(next).pointee!)) }
      if written < next { return .empty }
      let oldest = tail[0].load(ordering: .relaxed) &- capacity
      return .lagged(newNext: max(next &+ 1, oldest))
    }
  }

  /// Reads position `next` only if it holds exactly that position (no lag
  /// handling): `.element` or `.empty`.
  @inlinable @inline(__always)
  func readIfWritten(_ next: Int) -> Read {
    if position(next).pointee.load(ordering: .relaxed) != next { return .empty }
    return withSlotLock(next) { () -> Read in
      position(next).pointee.load(ordering: .relaxed) == next
        ? .element(_copyUnderLock(value(next).pointee!)) : .empty
    }
  }

  /// Whether a waiting receiver at `next` must not sleep.
  @inlinable
  func ready(_ next: Int) -> Bool {
    position(next).pointee.load(ordering: .acquiring) >= next || isClosed
  }

  func releaseSender() {
    if senders.wrappingSubtract(1, ordering: .acquiringAndReleasing).oldValue == 1 {
      signal.notifyAll()
    }
  }
}
