import SNAtomics
import Synchronization

/// The shared state of a rendezvous (zero-capacity) channel.
///
/// One slot, under a lock, and a count of *waiting* receivers: receivers
/// inside a blocking or async receive that found the slot empty.
///
/// - A sender that finds the slot free and a waiting receiver counted puts
///   its element in, marks it *committed* and takes one count: that
///   receiver now owes the element a home, so the send is complete at once
///   (crossbeam's zero-capacity channel hands to a blocked receiver the
///   same way). A committed element is never taken back.
/// - A sender that finds no waiting receiver puts its element in with a
///   ticket (1, 2, 3, ...) and waits until a receiver has taken that ticket
///   (`taken`); if its wait ends first (deadline, cancellation, receivers
///   gone), it takes the element back under the lock: received or handed
///   back, never both, never lost.
/// - A receiver that takes a committed element while waiting uses its own
///   count for it; one that takes it without waiting (`tryReceive`) gives
///   the count back. A waiting receiver that leaves without an element
///   (deadline, cancellation) takes one count back if there is one; if there
///   is none, its count went to a committed element, which is then in the
///   slot, and it takes that element and returns it (the receive succeeded
///   just as it gave up).
///
/// Memory ordering: every plain field below is read and written under
/// `lock` (acquire on taking, release on leaving), so a receiver that takes
/// the slot sees the element the sender wrote, and a sender that sees
/// `taken >= ticket` under the lock knows its element was received. The
/// atomics `offered`, `takenTicket`, `sendersGone` and `receiversGone`
/// mirror those fields (stored inside the lock) so that waiters poll them
/// without taking the lock; they are hints, except `takenTicket`, which only
/// grows and is stored after the take, so seeing a ticket there is final.
/// The wake-ups (``_KindSignal/notifyAll()``) run after the lock is
/// released; a waiter re-checks its condition after counting itself in, so
/// a change made before the notify is never missed.
final class _RendezvousCore<Element: Sendable>: @unchecked Sendable {
  let lock = _KindLock()
  let strategy: WaitStrategy
  /// "The slot holds an element, or every sender is gone."
  let receiverSignal = _KindSignal()
  /// "An element was taken, the slot is free, or every receiver is gone."
  let senderSignal = _KindSignal()

  // Under `lock`.
  var slot: Element?
  var committed = false
  var slotTicket: UInt64 = 0
  var lastTicket: UInt64 = 0
  var taken: UInt64 = 0
  var received: UInt64 = 0
  var waiting = 0
  var senders = 1
  var receivers = 1
  var errors = SendErrorCounts()

  // Mirrors for polling without the lock (see above).
  let offered = Atomic<Bool>(false)
  let takenTicket = Atomic<UInt64>(0)
  let sendersGone = Atomic<Bool>(false)
  let receiversGone = Atomic<Bool>(false)

  init(strategy: WaitStrategy) { self.strategy = strategy }

  enum Place { case handedOff, placed(UInt64), busy, closed }

  /// Puts `pending` into the free slot: committed to a waiting receiver if
  /// one is counted (`.handedOff`: done), else with a ticket to wait on
  /// (`.placed`), unless `needReceiver` (then `.busy`). On `.busy` and
  /// `.closed`, `pending` keeps the element.
  func place(_ pending: inout Element?, needReceiver: Bool) -> Place {
    let result = lock.withLock { () -> Place in
      if receivers == 0 { return .closed }
      guard slot == nil else { return .busy }
      if waiting > 0 {
        waiting -= 1
        committed = true
        slot = pending.take()
        offered.store(true, ordering: .relaxed)
        return .handedOff
      }
      if needReceiver { return .busy }
      lastTicket &+= 1
      slot = pending.take()
      slotTicket = lastTicket
      offered.store(true, ordering: .relaxed)
      return .placed(lastTicket)
    }
    switch result {
    case .handedOff, .placed: receiverSignal.notifyAll()
    case .busy, .closed: break
    }
    return result
  }

  /// Whether the element with `ticket` was taken; if not, takes it back
  /// out of the slot (and frees the slot for other senders).
  func settle(_ ticket: UInt64, failure: SNChannelError.Code) -> Element? {
    // Taken tickets only grow: seeing ours taken is final, no lock needed.
    if takenTicket.load(ordering: .acquiring) >= ticket { return nil }
    let element = lock.withLock { () -> Element? in
      if taken >= ticket { return nil }
      assert(slotTicket == ticket && !committed, "an untaken element stays in the slot")
      count(failure)
      offered.store(false, ordering: .relaxed)
      return slot.take()
    }
    if element != nil { senderSignal.notifyAll() }
    return element
  }

  /// Whether a send's wait for its taker is over: taken, or no receiver
  /// left (a lock-free poll; ``settle(_:failure:)`` decides under the lock).
  func handOffOver(_ ticket: UInt64) -> Bool {
    takenTicket.load(ordering: .acquiring) >= ticket || receiversGone.load(ordering: .acquiring)
  }

  func countFailure(_ code: SNChannelError.Code) { lock.withLock { count(code) } }

  /// Counts a failed send (under `lock`); a cancelled one is not a
  /// ``SendErrorCounts`` reason.
  private func count(_ code: SNChannelError.Code) {
    switch code {
    case .closed: errors.closed &+= 1
    case .full: errors.full &+= 1
    case .timedOut: errors.timedOut &+= 1
    default: break
    }
  }

  enum Take { case element(Element), empty, closed }

  /// Takes the slot's element. `waiting`: the caller is a counted waiting
  /// receiver; `usedCount` then tells whether its count went to a
  /// committed element (the caller must not give it back).
  func take(waiting isWaiting: Bool, usedCount: inout Bool) -> Take {
    // Polling an empty slot does not take the lock.
    if !offered.load(ordering: .relaxed), !sendersGone.load(ordering: .relaxed) { return .empty }
    let result = lock.withLock { () -> Take in
      if let element = slot.take() {
        if committed {
          committed = false
          if isWaiting { usedCount = true } else { waiting += 1 }
        } else {
          taken = slotTicket
          takenTicket.store(taken, ordering: .releasing)
        }
        received &+= 1
        offered.store(false, ordering: .relaxed)
        return .element(element)
      }
      return senders == 0 ? .closed : .empty
    }
    if case .element = result { senderSignal.notifyAll() }
    return result
  }

  var canTake: Bool {
    offered.load(ordering: .acquiring) || sendersGone.load(ordering: .acquiring)
  }
  var slotFree: Bool {
    !offered.load(ordering: .acquiring) || receiversGone.load(ordering: .acquiring)
  }

  /// Counts the caller in as a waiting receiver.
  func enterWaiting() {
    lock.withLock { waiting += 1 }
    // A sender waiting for a free slot with no receiver counted may now
    // hand off: let it re-check.
    senderSignal.notifyAll()
  }

  /// Counts a waiting receiver out that leaves without an element; if its
  /// count went to a committed element, returns that element (it is in
  /// the slot: the receive succeeded after all).
  func leaveWaiting() -> Element? {
    let element = lock.withLock { () -> Element? in
      if waiting > 0 {
        waiting -= 1
        return nil
      }
      assert(committed && slot != nil, "a used count stands for a committed element")
      committed = false
      received &+= 1
      offered.store(false, ordering: .relaxed)
      return slot.take()
    }
    if element != nil { senderSignal.notifyAll() }
    return element
  }

  /// Counts a waiting receiver out after it took an element with its count
  /// unused.
  func leaveWaitingAfterTake() { lock.withLock { waiting -= 1 } }

  func retainSender() { lock.withLock { senders += 1 } }
  func retainReceiver() { lock.withLock { receivers += 1 } }

  func releaseSender() {
    if lock.withLock({ () -> Bool in
      senders -= 1
      if senders == 0 { sendersGone.store(true, ordering: .releasing) }
      return senders == 0
    }) {
      receiverSignal.notifyAll()
    }
  }

  func releaseReceiver() {
    if lock.withLock({ () -> Bool in
      receivers -= 1
      if receivers == 0 { receiversGone.store(true, ordering: .releasing) }
      return receivers == 0
    }) {
      senderSignal.notifyAll()
    }
  }

  var stats: ChannelStats {
    lock.withLock {
      ChannelStats(capacity: 0, sent: received, received: received, sendErrors: errors)
    }
  }
}
