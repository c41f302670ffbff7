import SNAtomics
import Synchronization

/// The shared state of a rendezvous (zero-capacity) channel.
///
/// Two slots, under a lock, and a count of *waiting* receivers: receivers
/// inside a blocking or async receive that found nothing to take.
///
/// - A sender that finds a waiting receiver counted and the *committed*
///   slot free puts its element there and takes one count: that receiver
///   now owes the element a home, so the send is complete at once
///   (crossbeam's zero-capacity channel hands to a blocked receiver the
///   same way). A committed element is never taken back.
/// - A sender that finds no waiting receiver (or the committed slot full)
///   puts its element in the *offer* slot with a ticket (1, 2, 3, ...) and
///   waits until a receiver has taken that ticket (`taken`); if its wait
///   ends first (deadline, cancellation, receivers gone), it takes the
///   element back under the lock: received or handed back, never both,
///   never lost.
/// - Two slots, so that a sender can offer its next element while the
///   element it handed off is still on its way to the receiver: each
///   receiver turn then takes two, where one slot made every hand-off cost
///   a wait on both sides (crossbeam lets every blocked sender register
///   its element for the same reason). Receivers take the committed
///   element first: from one sender it is the older of the two (a sender
///   offers again only after its offer was taken).
/// - A receiver that takes a committed element while waiting uses its own
///   count for it; one that takes it without waiting (`tryReceive`) gives
///   the count back. A waiting receiver that takes an offered element gives
///   its count back in the same critical section. A waiting receiver that leaves without an element
///   (deadline, cancellation) takes one count back if there is one; if there
///   is none, its count went to a committed element, which is then in the
///   committed slot, and it takes that element and returns it (the receive
///   succeeded just as it gave up).
///
/// `waiting` is an atomic so that a receiver counts itself in without the
/// lock (one read-modify-write); every decrement happens under the lock,
/// so a lock holder that sees a count can take it: concurrent increments
/// only add to it. A count not yet visible to a sender only means the
/// sender offers where it could have committed; a receiver always sees
/// its own increment.
///
/// Memory ordering: every plain field below is read and written under
/// `lock` (acquire on taking, release on leaving), so a receiver that takes
/// a slot sees the element the sender wrote, and a sender that sees
/// `taken >= ticket` under the lock knows its element was received. The
/// atomics `available`, `offerBusy`, `takenTicket`, `sendersGone` and
/// `receiversGone` mirror those fields (stored inside the lock) so that
/// waiters poll them without taking the lock; they are hints, except
/// `takenTicket`, which only grows and is stored after the take, so seeing
/// a ticket there is final. The wake-ups (``_KindSignal/notifyAll()``) run
/// after the lock is released; a waiter re-checks its condition after
/// counting itself in, so a change made before the notify is never missed.
@usableFromInline
final class _RendezvousCore<Element: Sendable>: @unchecked Sendable {
  @usableFromInline let lock = _KindLock()
  @usableFromInline let strategy: WaitStrategy
  /// "A slot holds an element, or every sender is gone."
  @usableFromInline let receiverSignal = _KindSignal()
  /// "An element was taken, the offer slot is free, a receiver started
  /// waiting, or every receiver is gone."
  @usableFromInline let senderSignal = _KindSignal()

  // Under `lock`.
  @usableFromInline var committed: Element?
  @usableFromInline var offer: Element?
  @usableFromInline var offerTicket: UInt64 = 0
  @usableFromInline var lastTicket: UInt64 = 0
  @usableFromInline var taken: UInt64 = 0
  @usableFromInline var received: UInt64 = 0
  @usableFromInline var senders = 1
  @usableFromInline var receivers = 1
  @usableFromInline var errors = SendErrorCounts()

  // Mirrors for polling without the lock (see above).
  /// Elements in the two slots.
  @usableFromInline let available = Atomic<Int>(0)
  /// Waiting receivers not yet served (see above).
  @usableFromInline let waiting = Atomic<Int>(0)
  @usableFromInline let offerBusy = Atomic<Bool>(false)
  @usableFromInline let takenTicket = Atomic<UInt64>(0)
  @usableFromInline let sendersGone = Atomic<Bool>(false)
  @usableFromInline let receiversGone = Atomic<Bool>(false)

  init(strategy: WaitStrategy) { self.strategy = strategy }

  /// How a ``place(_:needReceiver:)`` went (not generic, see
  /// ``_RendezvousPlace``).
  @usableFromInline typealias Place = _RendezvousPlace

  /// Mirrors the slots' fill into `available` (under `lock`).
  @inlinable
  func publishAvailable() {
    available.store((committed == nil ? 0 : 1) + (offer == nil ? 0 : 1), ordering: .relaxed)
  }

  /// Commits `pending` to a waiting receiver if one is counted and the
  /// committed slot is free (`.handedOff`: done), else puts it in the free
  /// offer slot with a ticket to wait on (`.placed`), unless `needReceiver`
  /// (then `.busy`). On `.busy` and `.closed`, `pending` keeps the element.
  @inlinable
  func place(_ pending: inout Element?, needReceiver: Bool) -> Place {
    // The element is moved from here on: any retain its caller made for it
    // must stay before the unlock that hands it over.
    _referenceBarrier(for: Element.self)
    let result = lock.withLock { () -> Place in
      if receivers == 0 { return .closed }
      if committed == nil, waiting.load(ordering: .relaxed) > 0 {
        waiting.wrappingSubtract(1, ordering: .relaxed)
        committed = pending.take()
        publishAvailable()
        return .handedOff
      }
      if needReceiver || offer != nil { return .busy }
      lastTicket &+= 1
      offer = pending.take()
      offerTicket = lastTicket
      offerBusy.store(true, ordering: .relaxed)
      publishAvailable()
      return .placed(lastTicket)
    }
    switch result {
    case .handedOff, .placed: receiverSignal.notifyAll()
    case .busy, .closed: break
    }
    return result
  }

  /// Whether the element with `ticket` was taken; if not, takes it back
  /// out of the offer slot (and frees the slot for other senders).
  @inlinable
  func settle(_ ticket: UInt64, failure: SNChannelError.Code) -> Element? {
    // Taken tickets only grow: seeing ours taken is final, no lock needed.
    if takenTicket.load(ordering: .acquiring) >= ticket { return nil }
    let element = lock.withLock { () -> Element? in
      if taken >= ticket { return nil }
      assert(offerTicket == ticket && offer != nil, "an untaken offer stays in its slot")
      count(failure)
      let element = offer.take()
      offerBusy.store(false, ordering: .relaxed)
      publishAvailable()
      return element
    }
    if element != nil { senderSignal.notifyAll() }
    return element
  }

  /// Whether a send's wait for its taker is over: taken, or no receiver
  /// left (a lock-free poll; ``settle(_:failure:)`` decides under the lock).
  @inlinable
  func handOffOver(_ ticket: UInt64) -> Bool {
    takenTicket.load(ordering: .acquiring) >= ticket || receiversGone.load(ordering: .acquiring)
  }

  @inlinable
  func countFailure(_ code: SNChannelError.Code) { lock.withLock { count(code) } }

  /// Counts a failed send (under `lock`); a cancelled one is not a
  /// ``SendErrorCounts`` reason.
  @inlinable
  func count(_ code: SNChannelError.Code) {
    switch code {
    case .closed: errors.closed &+= 1
    case .full: errors.full &+= 1
    case .timedOut: errors.timedOut &+= 1
    default: break
    }
  }

  @usableFromInline
  @frozen
  enum Take { case element(Element), empty, closed }

  /// Takes the committed element, else the offered one. `waiting`: the
  /// caller is a counted waiting receiver; `usedCount` then tells whether
  /// its count went to a committed element (the caller must not give it
  /// back).
  @inlinable
  func take(waiting isWaiting: Bool, usedCount: inout Bool) -> Take {
    // Polling empty slots does not take the lock.
    if available.load(ordering: .relaxed) == 0, !sendersGone.load(ordering: .relaxed) {
      return .empty
    }
    let result = lock.withLock { () -> Take in
      if let element = committed.take() {
        if isWaiting { usedCount = true } else { waiting.wrappingAdd(1, ordering: .relaxed) }
        received &+= 1
        publishAvailable()
        return .element(element)
      }
      if let element = offer.take() {
        if isWaiting {
          // Its count is given back here, not in a second critical section.
          waiting.wrappingSubtract(1, ordering: .relaxed)
          usedCount = true
        }
        taken = offerTicket
        takenTicket.store(taken, ordering: .releasing)
        offerBusy.store(false, ordering: .relaxed)
        received &+= 1
        publishAvailable()
        return .element(element)
      }
      return senders == 0 ? .closed : .empty
    }
    if case .element = result { senderSignal.notifyAll() }
    return result
  }

  @inlinable
  var canTake: Bool {
    available.load(ordering: .acquiring) > 0 || sendersGone.load(ordering: .acquiring)
  }
  @inlinable
  var slotFree: Bool {
    !offerBusy.load(ordering: .acquiring) || receiversGone.load(ordering: .acquiring)
  }

  /// Counts the caller in as a waiting receiver.
  @inlinable
  func enterWaiting() {
    waiting.wrappingAdd(1, ordering: .relaxed)
    // A sender waiting for a free slot may now hand off: let it re-check.
    senderSignal.notifyAll()
  }

  /// Counts a waiting receiver out that leaves without an element; if its
  /// count went to a committed element, returns that element (it is in
  /// the committed slot: the receive succeeded after all).
  @inlinable
  func leaveWaiting() -> Element? {
    let element = lock.withLock { () -> Element? in
      if waiting.load(ordering: .relaxed) > 0 {
        waiting.wrappingSubtract(1, ordering: .relaxed)
        return nil
      }
      assert(committed != nil, "a used count stands for a committed element")
      received &+= 1
      let element = committed.take()
      publishAvailable()
      return element
    }
    if element != nil { senderSignal.notifyAll() }
    return element
  }

  /// Counts a waiting receiver out after it took an element with its count
  /// unused.
  @inlinable
  func leaveWaitingAfterTake() {
    lock.withLock { _ = waiting.wrappingSubtract(1, ordering: .relaxed) }
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

/// How a rendezvous send's placement went. Outside the generic core on
/// purpose: nested in it, every use in the (unspecialized) blocking paths
/// looked up its generic metadata at run time.
@usableFromInline
@frozen
enum _RendezvousPlace { case handedOff, placed(UInt64), busy, closed }
