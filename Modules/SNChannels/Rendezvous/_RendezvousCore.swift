import SNAtomics
import Synchronization

/// The shared state of a rendezvous (zero-capacity) channel.
///
/// One slot, under a lock. A sender places its element in the free slot
/// with a ticket (1, 2, 3, ...) and waits until a receiver has taken that
/// ticket; a receiver takes whatever the slot holds and records its ticket
/// in `taken`. A sender whose wait ends without a taker (deadline,
/// cancellation, receivers gone, no waiting receiver for `trySend`) takes its
/// element back out of the slot under the lock, so the element is either
/// received or handed back, never both and never lost.
///
/// Memory ordering: every plain field below is read and written under
/// `lock` (acquire on taking, release on leaving), so a receiver that takes
/// the slot sees the element the sender wrote, and a sender that sees
/// `taken >= ticket` under the lock knows its element was received. The
/// atomics `offered`, `takenTicket`, `sendersGone` and `receiversGone`
/// mirror those fields (stored inside the lock) so that waiters poll them
/// without taking the lock; they are hints only: every decision (take,
/// settle, closed) is made again under the lock. The wake-ups
/// (``_KindSignal/notifyAll()``) run after the lock is released; a waiter
/// re-checks its condition under the lock after counting itself in, so a
/// change made before the notify is never missed.
final class _RendezvousCore<Element: Sendable>: @unchecked Sendable {
  let lock = _KindLock()
  let strategy: WaitStrategy
  /// "The slot holds an element, or every sender is gone."
  let receiverSignal = _KindSignal()
  /// "An element was taken, the slot is free, a waiting receiver left, or
  /// every receiver is gone."
  let senderSignal = _KindSignal()

  // Under `lock`.
  var slot: Element?
  var slotTicket: UInt64 = 0
  var lastTicket: UInt64 = 0
  var taken: UInt64 = 0
  var received: UInt64 = 0
  var senders = 1
  var receivers = 1
  var errors = SendErrorCounts()

  // Lock-free mirrors for polling (see above).
  let offered = Atomic<Bool>(false)
  let takenTicket = Atomic<UInt64>(0)
  let sendersGone = Atomic<Bool>(false)
  let receiversGone = Atomic<Bool>(false)
  /// Receivers inside a blocking or async receive (`trySend` hands only to them).
  let waitingReceivers = Atomic<Int>(0)

  init(strategy: WaitStrategy) { self.strategy = strategy }

  enum Place { case placed(UInt64), busy, closed }

  /// Puts `pending` into the slot if the slot is free (and, when
  /// `needReceiver`, a receiver waits). On `.placed` and `.closed`,
  /// `pending` is emptied or kept respectively.
  func place(_ pending: inout Element?, needReceiver: Bool) -> Place {
    let result = lock.withLock { () -> Place in
      if receivers == 0 { return .closed }
      guard slot == nil, !needReceiver || waitingReceivers.load(ordering: .relaxed) > 0 else {
        return .busy
      }
      lastTicket &+= 1
      slot = pending.take()
      slotTicket = lastTicket
      offered.store(true, ordering: .relaxed)
      return .placed(lastTicket)
    }
    if case .placed = result { receiverSignal.notifyAll() }
    return result
  }

  /// Whether the element with `ticket` was taken; if not, takes it back
  /// out of the slot (and frees the slot for other senders).
  func settle(_ ticket: UInt64, failure: ChannelError.Code) -> Element? {
    // Taken tickets only grow: seeing ours taken is final, no lock needed.
    if takenTicket.load(ordering: .acquiring) >= ticket { return nil }
    let element = lock.withLock { () -> Element? in
      if taken >= ticket { return nil }
      assert(slotTicket == ticket, "an untaken element stays in the slot")
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

  /// Whether a `trySend`'s wait is over: taken, or no receiver waits any more.
  func tryHandOffOver(_ ticket: UInt64) -> Bool {
    takenTicket.load(ordering: .acquiring) >= ticket
      || waitingReceivers.load(ordering: .acquiring) == 0
      || receiversGone.load(ordering: .acquiring)
  }

  func countFailure(_ code: ChannelError.Code) { lock.withLock { count(code) } }

  /// Counts a failed send (under `lock`); a cancelled one is not a
  /// ``SendErrorCounts`` reason.
  private func count(_ code: ChannelError.Code) {
    switch code {
    case .closed: errors.closed &+= 1
    case .full: errors.full &+= 1
    case .timedOut: errors.timedOut &+= 1
    default: break
    }
  }

  enum Take { case element(Element), empty, closed }

  func take() -> Take {
    // Polling an empty slot does not take the lock.
    if !offered.load(ordering: .relaxed), !sendersGone.load(ordering: .relaxed) { return .empty }
    let result = lock.withLock { () -> Take in
      if let element = slot.take() {
        taken = slotTicket
        received &+= 1
        offered.store(false, ordering: .relaxed)
        takenTicket.store(taken, ordering: .releasing)
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

  func enterWaiting() { waitingReceivers.wrappingAdd(1, ordering: .relaxed) }

  func leaveWaiting() {
    waitingReceivers.wrappingSubtract(1, ordering: .releasing)
    senderSignal.notifyAll()
  }

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
