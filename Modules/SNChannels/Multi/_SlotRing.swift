import SNAtomics
import Synchronization

/// The ring behind MPSC and MPMC channels: Dmitry Vyukov's bounded queue,
/// where every slot carries a sequence number next to its element.
///
/// Memory ordering, written out once:
/// - Slot `i` starts with sequence `i`. A slot at position `p` is free for a
///   sender when its sequence is `p`, and full for a receiver when it is
///   `p + 1`.
/// - A sender claims position `p` by a compare-and-swap of `tail` from `p`
///   to `p + 1` (relaxed: the claim orders no data), writes the element,
///   then stores sequence `p + 1` with release. A receiver loads the sequence
///   with acquire before it reads the element, so it sees it fully written.
/// - A receiver claims `p` (CAS on `head` for MPMC; a plain store for the
///   single MPSC receiver), moves the element out, then stores sequence
///   `p + capacity` with release: the slot is free for the sender of the next
///   lap, which loads that sequence with acquire before it overwrites.
/// - Consequence: a sender that has claimed a slot but not yet published it
///   holds up receivers of that slot only. `tryReceive` may report empty
///   while such a send is in flight, and `trySend` may report full while a
///   receive is in flight; the blocking operations wait for them.
/// - Wake-ups: each publish wakes one receiver (each free, one sender). A
///   woken receiver may find the slot at `head` claimed but unwritten (a
///   later slot's publish woke it), and the earlier slot's own wake-up may
///   go to another receiver: if the first one slept again, an element would
///   stay behind with a receiver asleep (issue 15, item 1). So a waiter
///   never sleeps while the operation it waits for is in flight
///   (``readyToReceive()``: `tail != head`; ``readyToSend()``:
///   `tail - head < capacity`): it spins and yields until the claim is
///   published, as crossbeam's array channel does. It sleeps only when
///   every claimed slot has been taken, and then any later publish finds it
///   counted in (the fence argument of `UnsafeEventCount`).
/// - Sleeping uses `UnsafeEventCount` with `AsymmetricFence`, as in the
///   SPSC ring.
@usableFromInline
final class _SlotRing<Element: Sendable>: @unchecked Sendable {
  @usableFromInline let control: _ChannelControl
  @usableFromInline let slots: UnsafeMutableRawPointer
  @usableFromInline let mask: Int
  @usableFromInline let stride: Int
  @usableFromInline let valueOffset: Int
  /// The word whose flag bit says "receivers closed": read before every send.
  @usableFromInline let closedWord: UnsafeMutablePointer<Atomic<Int>>
  @usableFromInline let tailIndex: UnsafeMutablePointer<Atomic<Int>>
  @usableFromInline let headIndex: UnsafeMutablePointer<Atomic<Int>>
  @usableFromInline let receiverEvents: UnsafeEventCount
  @usableFromInline let senderEvents: UnsafeEventCount
  @usableFromInline let fence: AsymmetricFence
  let allocation: UnsafeMutableRawPointer

  init(capacity: Int, strategy: WaitStrategy, receivers: Int) throws(SNChannelError) {
    let line = CacheLine.padding
    let alignment = max(MemoryLayout<Atomic<Int>>.alignment, MemoryLayout<Element>.alignment)
    let offset = (MemoryLayout<Atomic<Int>>.size + alignment - 1) / alignment * alignment
    let slotSize = offset + MemoryLayout<Element>.size
    let slotStride = (slotSize + alignment - 1) / alignment * alignment
    let (bytes, overflow) = capacity.multipliedReportingOverflow(by: slotStride)
    guard !overflow, bytes <= Int.max - 2 * line else {
      throw SNChannelError(.invalidCapacity, requestedCapacity: capacity)
    }
    guard
      let memory = _allocateAligned(byteCount: bytes + 2 * line, alignment: max(line, alignment))
    else {
      throw SNChannelError(.allocationFailed, requestedCapacity: capacity)
    }
    allocation = memory
    slots = allocation + line
    stride = slotStride
    valueOffset = offset
    mask = capacity - 1
    for index in 0..<capacity {
      (slots + index * slotStride).initializeMemory(as: Atomic<Int>.self, to: Atomic(index))
    }
    control = _ChannelControl(
      capacity: capacity, strategy: strategy, senders: 1, receivers: receivers)
    closedWord = control.senderEvents.state
    tailIndex = control.tail
    headIndex = control.head
    receiverEvents = control.receiverEvents
    senderEvents = control.senderEvents
    fence = control.fence
  }

  deinit {
    // Every endpoint is gone, so no operation is in flight: a slot holds an
    // element exactly when its sequence is position + 1.
    var position = control.head.pointee.load(ordering: .acquiring)
    let end = control.tail.pointee.load(ordering: .acquiring)
    while position != end {
      if sequence(position).pointee.load(ordering: .acquiring) == position &+ 1 {
        value(position).deinitialize(count: 1)
      }
      position &+= 1
    }
    _freeAligned(allocation)
  }

  @inlinable @inline(__always)
  func sequence(_ position: Int) -> UnsafeMutablePointer<Atomic<Int>> {
    (slots + ((position & mask) &* stride)).assumingMemoryBound(to: Atomic<Int>.self)
  }

  @inlinable @inline(__always)
  func value(_ position: Int) -> UnsafeMutablePointer<Element> {
    (slots + ((position & mask) &* stride &+ valueOffset)).assumingMemoryBound(to: Element.self)
  }

  // MARK: Sending (shared by MPSC and MPMC senders)

  @inlinable @inline(__always)
  func push(_ element: consuming Element) -> _PushResult<Element> {
    if closedWord.pointee.load(ordering: .relaxed) & UnsafeEventCount.flagBit != 0 {
      return .closed(element)
    }
    let tail = tailIndex
    var position = tail.pointee.load(ordering: .relaxed)
    var backoff = Backoff()
    while true {
      let sequence = sequence(position)
      let difference = sequence.pointee.load(ordering: .acquiring) &- position
      if difference == 0 {
        let (exchanged, original) = tail.pointee.weakCompareExchange(
          expected: position, desired: position &+ 1, ordering: .relaxed)
        if exchanged {
          #if DEBUG
            _DebugSchedule.reach(.sendClaimed, control)
          #endif
          value(position).initialize(to: element)
          _referenceBarrier(for: Element.self)
          sequence.pointee.store(position &+ 1, ordering: .releasing)
          receiverEvents.notify(fence)
          return .sent
        }
        position = original
        backoff.spin()
      } else if difference < 0 {
        return .full(element)
      } else {
        position = tail.pointee.load(ordering: .relaxed)
      }
    }
  }

  /// Claims up to `wanted` consecutive free slots with one CAS on `tail`.
  @inlinable
  func claimForSending(upTo wanted: Int) -> (position: Int, count: Int) {
    let tail = control.tail
    var position = tail.pointee.load(ordering: .relaxed)
    var backoff = Backoff()
    while true {
      var count = 0
      while count < wanted,
        sequence(position &+ count).pointee.load(ordering: .acquiring) == position &+ count
      {
        count &+= 1
      }
      if count == 0 {
        let difference = sequence(position).pointee.load(ordering: .acquiring) &- position
        if difference < 0 { return (position, 0) }
        position = tail.pointee.load(ordering: .relaxed)
        continue
      }
      let (exchanged, original) = tail.pointee.weakCompareExchange(
        expected: position, desired: position &+ count, ordering: .relaxed)
      if exchanged { return (position, count) }
      position = original
      backoff.spin()
    }
  }

  @inlinable
  func trySend<C: Collection>(
    contentsOf elements: C
  ) throws(SNChannelError) -> Int where C.Element == Element {
    if control.isClosedForSending {
      control.countSendError(.closed)
      throw .closed
    }
    let wanted = elements.count
    if wanted == 0 { return 0 }
    let (position, count) = claimForSending(upTo: wanted)
    if count == 0 { return 0 }
    #if DEBUG
      _DebugSchedule.reach(.sendClaimed, control)
    #endif
    var index = elements.startIndex
    for offset in 0..<count {
      value(position &+ offset).initialize(to: elements[index])
      _referenceBarrier(for: Element.self)
      sequence(position &+ offset).pointee.store(position &+ offset &+ 1, ordering: .releasing)
      elements.formIndex(after: &index)
    }
    control.receiverEvents.notify(control.fence, count: count)
    return count
  }

  /// Whether a sender must not sleep: room at `tail`, closed, or a receive
  /// in flight (a slot claimed by a receiver, not yet freed), whose wake-up
  /// may go to another sender (see the type's comment).
  ///
  /// Ordering: called after the sender counted itself in and fenced. If a
  /// receiver's notify missed that count, the fence pair makes this call see
  /// its stores, the `head` claim (earlier in its program order) included.
  @usableFromInline
  func readyToSend() -> Bool {
    if control.isClosedForSending { return true }
    let position = control.tail.pointee.load(ordering: .relaxed)
    if sequence(position).pointee.load(ordering: .acquiring) &- position >= 0 { return true }
    return position &- control.head.pointee.load(ordering: .relaxed) <= mask
  }

  /// Whether a receive has claimed a slot and not yet freed it (room is
  /// coming without a wake-up of its own).
  @usableFromInline
  func receiveInFlight() -> Bool {
    let position = control.tail.pointee.load(ordering: .relaxed)
    return sequence(position).pointee.load(ordering: .acquiring) &- position < 0
      && position &- control.head.pointee.load(ordering: .relaxed) <= mask
  }

  @inlinable
  func sendBlocking(
    _ element: consuming Element, deadline: UInt64?
  ) throws(SendError<Element>) {
    var pending: Element? = element
    do {
      _ = try _blockingLoop(
        events: control.senderEvents, control: control, deadline: deadline,
        attempt: { () throws(SNChannelError) -> Bool? in
          switch push(pending.take()!) {
          case .sent: return true
          case .full(let element):
            pending = element
            return nil
          case .closed(let element):
            pending = element
            throw .closed
          }
        },
        ready: readyToSend)
    } catch {
      control.countSendError(error.code)
      throw SendError(reason: error, element: pending.take()!)
    }
  }

  // MARK: Receiving, many receivers (MPMC)

  @inlinable @inline(__always)
  func popShared() throws(SNChannelError) -> Element? {
    let head = headIndex
    var position = head.pointee.load(ordering: .relaxed)
    var backoff = Backoff()
    while true {
      let sequence = sequence(position)
      let difference = sequence.pointee.load(ordering: .acquiring) &- (position &+ 1)
      if difference == 0 {
        let (exchanged, original) = head.pointee.weakCompareExchange(
          expected: position, desired: position &+ 1, ordering: .relaxed)
        if exchanged {
          #if DEBUG
            _DebugSchedule.reach(.receiveClaimed, control)
          #endif
          let element = value(position).move()
          sequence.pointee.store(position &+ mask &+ 1, ordering: .releasing)
          senderEvents.notify(fence)
          return element
        }
        position = original
        backoff.spin()
      } else if difference < 0 {
        guard receiverEvents.isFlagSet else { return nil }
        // No sender is left, so no send is in flight: empty now is final.
        let again = head.pointee.load(ordering: .relaxed)
        if again != position {
          position = again
          continue
        }
        if sequence.pointee.load(ordering: .acquiring) == position &+ 1 { continue }
        throw .closed
      } else {
        position = head.pointee.load(ordering: .relaxed)
      }
    }
  }

  @inlinable
  func popShared(into buffer: inout [Element], maxCount: Int) throws(SNChannelError) -> Int {
    precondition(maxCount >= 0, "maxCount must not be negative")
    if maxCount == 0 { return 0 }
    let head = control.head
    var position = head.pointee.load(ordering: .relaxed)
    var backoff = Backoff()
    while true {
      var count = 0
      while count < maxCount,
        sequence(position &+ count).pointee.load(ordering: .acquiring) == position &+ count &+ 1
      {
        count &+= 1
      }
      if count == 0 {
        let difference =
          sequence(position).pointee.load(ordering: .acquiring) &- (position &+ 1)
        if difference < 0 {
          guard control.receiverEvents.isFlagSet else { return 0 }
          let again = head.pointee.load(ordering: .relaxed)
          if again != position {
            position = again
            continue
          }
          if sequence(position).pointee.load(ordering: .acquiring) == position &+ 1 { continue }
          throw .closed
        }
        position = head.pointee.load(ordering: .relaxed)
        continue
      }
      let (exchanged, original) = head.pointee.weakCompareExchange(
        expected: position, desired: position &+ count, ordering: .relaxed)
      if exchanged {
        #if DEBUG
          _DebugSchedule.reach(.receiveClaimed, control)
        #endif
        buffer.reserveCapacity(buffer.count + count)
        for offset in 0..<count {
          buffer.append(value(position &+ offset).move())
          sequence(position &+ offset).pointee.store(
            position &+ offset &+ mask &+ 1, ordering: .releasing)
        }
        control.senderEvents.notify(control.fence, count: count)
        return count
      }
      position = original
      backoff.spin()
    }
  }

  /// Whether a receiver must not sleep: an element at `head`, no sender
  /// left, or a send in flight (`tail != head`: a slot claimed and not yet
  /// taken), whose wake-up may go to another receiver (see the type's
  /// comment).
  ///
  /// Ordering: called after the receiver counted itself in and fenced. If a
  /// sender's notify missed that count, the fence pair makes this call see
  /// its publish and its `tail` claim (earlier in its program order), so
  /// either the slot at `head` reads full or `tail` reads past `head`.
  @usableFromInline
  func readyToReceive() -> Bool {
    if control.receiverEvents.isFlagSet { return true }
    let position = control.head.pointee.load(ordering: .relaxed)
    if sequence(position).pointee.load(ordering: .acquiring) == position &+ 1 { return true }
    return control.tail.pointee.load(ordering: .relaxed) != position
  }

  /// Whether a send has claimed the slot at `head` and not yet published
  /// it (an element is coming without a wake-up of its own).
  @usableFromInline
  func sendInFlight() -> Bool {
    let position = control.head.pointee.load(ordering: .relaxed)
    return sequence(position).pointee.load(ordering: .acquiring) == position
      && control.tail.pointee.load(ordering: .relaxed) != position
  }
}
