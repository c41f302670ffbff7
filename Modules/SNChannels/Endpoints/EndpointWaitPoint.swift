import SNAtomics
import Synchronization

/// Where an operation on one endpoint waits, and what ends the wait.
///
/// Opaque: only the library's endpoints make one (``SendingEndpoint/sendWaitPoint``,
/// ``ReceivingEndpoint/receiveWaitPoint``). The operations written once over
/// every endpoint kind (blocking with a deadline, async, batch, ``Select``)
/// take it to learn which side of which channel to sleep on and when an
/// attempt could succeed again; the ring kinds differ only in that answer.
///
/// A wait point describes the endpoint as it is when read: read it again
/// after the endpoint moved an element.
public struct EndpointWaitPoint: @unchecked Sendable {
  /// The channel's control block.
  @usableFromInline let control: _ChannelControl
  /// What ends the wait, per ring kind.
  @usableFromInline let condition: _WaitCondition

  @usableFromInline
  init(_ control: _ChannelControl, _ condition: _WaitCondition) {
    self.control = control
    self.condition = condition
  }

  /// Whether the waiter receives (sleeps on the receivers' side).
  @inlinable var isReceiving: Bool {
    switch condition {
    case .spscElements, .slotElement, .sharedElements: true
    case .spscRoom, .sharedRoom: false
    }
  }

  /// The event count a blocked thread sleeps on.
  @inlinable var events: UnsafeEventCount {
    isReceiving ? control.receiverEvents : control.senderEvents
  }

  /// The list async and select waiters register in.
  @inlinable var waiters: _WaiterQueue {
    isReceiving ? control.receiverWaiters : control.senderWaiters
  }

  /// Whether the operation could succeed now (elements or room, or the
  /// channel closed): a waiter counted in must not sleep. The orderings are
  /// argued at each ring's own predicate (`_SlotRing.readyToReceive()`,
  /// `readyToSend()`); the SPSC cases are the acquiring index loads of
  /// `_SPSCStorage`.
  @usableFromInline
  func isReady() -> Bool {
    switch condition {
    case .spscElements(let tail, let position):
      return tail.pointee.load(ordering: .acquiring) != position || control.receiverEvents.isFlagSet
    case .spscRoom(let head, let position, let mask):
      return control.isClosedForSending
        || position &- head.pointee.load(ordering: .acquiring) <= mask
    case .slotElement(let sequence, let position):
      return control.receiverEvents.isFlagSet
        || sequence.pointee.load(ordering: .acquiring) == position &+ 1
    case .sharedElements(let ring): return ring.readyToReceive()
    case .sharedRoom(let ring): return ring.readyToSend()
    }
  }

  /// Whether a peer's claimed slot is in flight, so that no wake-up may
  /// come for this waiter (the shared rings only; see `_SlotRing`): the
  /// async forms yield and retry instead of suspending.
  @usableFromInline
  func isInFlight() -> Bool {
    switch condition {
    case .sharedElements(let ring): ring.sendInFlight()
    case .sharedRoom(let ring): ring.receiveInFlight()
    case .spscElements, .spscRoom, .slotElement: false
    }
  }

  /// Passes on a wake-up this waiter took but will not use (it leaves
  /// cancelled or found nothing), so another waiter of the side gets it.
  @usableFromInline
  func passOnWakeUp() { events.notify(control.fence) }

  /// Counts a failed send in the channel's statistics.
  @usableFromInline
  func countSendError(_ error: SNChannelError) { control.countSendError(error.code) }

  /// Waits on a thread (spin, yield, park) until `attempt` returns a value,
  /// or throws `.timedOut` once `deadline` (monotonic nanoseconds) passes.
  @inlinable
  func block<Result>(
    deadline: UInt64?, attempt: () throws(SNChannelError) -> Result?
  ) throws(SNChannelError) -> Result {
    try _blockingLoop(
      events: events, control: control, deadline: deadline, attempt: attempt, ready: isReady)
  }

  /// Waits in a task (spin, then suspend) until the operation could succeed,
  /// the task is cancelled, or `deadline` passes. While a peer's claim is in
  /// flight it yields once and returns `.ready`: no wake-up may come, so the
  /// caller retries.
  @usableFromInline
  nonisolated(nonsending)
    func suspend(deadline: UInt64?) async -> _WaitOutcome
  {
    if isInFlight() {
      if let deadline, MonotonicClock.nanoseconds >= deadline { return .timedOut }
      await Task.yield()
      return .ready
    }
    return await _awaitReady(
      waiters, fence: control.fence, strategy: control.strategy, deadline: deadline, ready: isReady)
  }
}

/// What ends a wait, per ring kind: the words to watch and the endpoint's
/// position when the wait began.
@usableFromInline
enum _WaitCondition {
  /// SPSC receiver: the sender's `tail` moved past `position`, or closed.
  case spscElements(tail: UnsafeMutablePointer<Atomic<Int>>, position: Int)
  /// SPSC sender: the receiver's `head` freed a slot for `position`, or closed.
  case spscRoom(head: UnsafeMutablePointer<Atomic<Int>>, position: Int, mask: Int)
  /// MPSC receiver: the slot at `position` published, or closed.
  case slotElement(sequence: UnsafeMutablePointer<Atomic<Int>>, position: Int)
  /// MPMC receiver: `_SlotRing.readyToReceive()`.
  case sharedElements(any _SharedRingWaiting)
  /// MPSC or MPMC sender: `_SlotRing.readyToSend()`.
  case sharedRoom(any _SharedRingWaiting)
}

/// The shared ring's wait predicates, without its element type.
@usableFromInline
protocol _SharedRingWaiting: AnyObject, Sendable {
  func readyToReceive() -> Bool
  func sendInFlight() -> Bool
  func readyToSend() -> Bool
  func receiveInFlight() -> Bool
}

extension _SlotRing: _SharedRingWaiting {}

/// A `ContinuousClock` instant as a `MonotonicClock` deadline (the clock
/// the futex waits and timers use).
@inlinable
func _monotonicDeadline(_ instant: ContinuousClock.Instant) -> UInt64 {
  MonotonicClock.deadline(after: ContinuousClock.now.duration(to: instant))
}
