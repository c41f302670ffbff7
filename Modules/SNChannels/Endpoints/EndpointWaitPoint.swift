import SNAtomics
import Synchronization

/// Where an operation on one endpoint waits, and what ends the wait.
///
/// Opaque: only the library's endpoints make one (``SendingEndpoint/sendWaitPoint``,
/// ``ReceivingEndpoint/receiveWaitPoint``). The operations written once over
/// every endpoint kind (blocking with a deadline, async, batch, ``Select``)
/// take it to learn which side of which channel to sleep on and when an
/// attempt could succeed again; the kinds differ only in that answer.
///
/// A wait point describes the endpoint as it is when read: read it again
/// after the endpoint moved an element.
public struct EndpointWaitPoint: @unchecked Sendable {
  /// What to wait on, per kind.
  @usableFromInline let source: _WaitSource

  /// A wait on one side of a ring kind (SPSC, MPSC, MPMC).
  @usableFromInline
  init(_ control: _ChannelControl, _ condition: _WaitCondition) {
    source = .ring(control, condition)
  }

  /// A wait on a lock-based kind's signal (rendezvous, broadcast, latest value).
  @usableFromInline
  init(_ signal: _SignalWait) { source = .signal(signal) }

  /// A wait in a kind's single waiter slot (one-shot).
  @usableFromInline
  init(slot: any _WaiterSlot) { source = .slot(slot) }

  /// The ring kinds' control block (`nil` for the other kinds).
  @usableFromInline var control: _ChannelControl? {
    if case .ring(let control, _) = source { return control }
    return nil
  }

  /// How long to spin and yield before sleeping.
  @usableFromInline var strategy: WaitStrategy {
    switch source {
    case .ring(let control, _): control.strategy
    case .signal(let signal): signal.strategy
    case .slot(let slot): slot.strategy
    }
  }

  /// The fence of the wait protocol (the same process-wide fence for every kind).
  @usableFromInline var fence: AsymmetricFence {
    switch source {
    case .ring(let control, _): control.fence
    case .signal(let signal): signal.signal.fence
    case .slot: AsymmetricFence.process
    }
  }

  /// Whether the operation could succeed now (elements or room, or the
  /// channel closed): a waiter counted in must not sleep. The orderings are
  /// argued at each kind's own predicate (`_SlotRing.readyToReceive()`,
  /// `readyToSend()`, `_BroadcastCore.ready(_:)`, ...); the SPSC cases are
  /// the acquiring index loads of `_SPSCStorage`.
  @usableFromInline
  func isReady() -> Bool {
    switch source {
    case .ring(let control, let condition): condition.isReady(control)
    case .signal(let signal): signal.ready()
    case .slot(let slot): slot.isReady()
    }
  }

  /// Whether a peer's claimed slot is in flight, so that no wake-up may
  /// come for this waiter (the shared rings only; see `_SlotRing`): the
  /// async forms yield and retry instead of suspending.
  @usableFromInline
  func isInFlight() -> Bool {
    guard case .ring(_, let condition) = source else { return false }
    switch condition {
    case .sharedElements(let ring): return ring.sendInFlight()
    case .sharedRoom(let ring): return ring.receiveInFlight()
    case .spscElements, .spscRoom, .slotElement: return false
    }
  }

  /// Passes on a wake-up this waiter took but will not use (it leaves
  /// cancelled or found nothing), so another waiter of the side gets it.
  /// The signal and slot kinds wake every waiter (or their only one), so
  /// nothing is owed there.
  @usableFromInline
  func passOnWakeUp() {
    if case .ring(let control, let condition) = source {
      condition.events(control).notify(control.fence)
    }
  }

  /// Counts a failed send in the channel's statistics.
  @usableFromInline
  func countSendError(_ error: SNChannelError) {
    switch source {
    case .ring(let control, _): control.countSendError(error.code)
    case .signal(let signal): signal.countSendError?(error.code)
    case .slot: break
    }
  }

  /// Waits on a thread (spin, yield, park) until `attempt` returns a value,
  /// or throws `.timedOut` once `deadline` (monotonic nanoseconds) passes.
  @inlinable
  func block<Result>(
    deadline: UInt64?, attempt: () throws(SNChannelError) -> Result?
  ) throws(SNChannelError) -> Result {
    switch source {
    case .ring(let control, let condition):
      return try _blockingLoop(
        events: condition.events(control), control: control, deadline: deadline,
        attempt: attempt, ready: isReady)
    case .signal(let signal):
      return try signal.block(deadline: deadline, attempt: attempt)
    case .slot(let slot):
      return try _slotBlockingLoop(slot, deadline: deadline, attempt: attempt)
    }
  }

  /// Waits in a task (spin, then suspend) until the operation could succeed,
  /// the task is cancelled, or `deadline` passes. While a peer's claim is in
  /// flight it yields once and returns `.ready`: no wake-up may come, so the
  /// caller retries.
  @usableFromInline
  nonisolated(nonsending)
    func suspend(deadline: UInt64?) async -> _WaitOutcome
  {
    switch source {
    case .ring(let control, let condition):
      if isInFlight() {
        if let deadline, MonotonicClock.nanoseconds >= deadline { return .timedOut }
        await Task.yield()
        return .ready
      }
      return await _awaitReady(
        condition.waiters(control), fence: control.fence, strategy: control.strategy,
        deadline: deadline, ready: isReady)
    case .signal(let signal):
      return await _awaitReady(
        signal.signal.queue, fence: signal.signal.fence, strategy: signal.strategy,
        deadline: deadline, ready: signal.ready)
    case .slot(let slot):
      return await _slotSuspend(slot, deadline: deadline)
    }
  }

  // MARK: - Select

  /// Registers a select's `waiter` for this endpoint, as arm `tag`; the
  /// caller then runs the heavy fence and re-checks every arm.
  func register(_ waiter: _Waiter, tag: Int) {
    switch source {
    case .ring(let control, let condition): condition.waiters(control).register(waiter, tag: tag)
    case .signal(let signal): signal.signal.queue.register(waiter, tag: tag)
    case .slot(let slot): _ = slot.register(waiter, tag: tag)
    }
  }

  /// Takes a select's `waiter` out again (if no waker did).
  func deregister(_ waiter: _Waiter) {
    switch source {
    case .ring(let control, let condition): condition.waiters(control).deregister(waiter)
    case .signal(let signal): signal.signal.queue.deregister(waiter)
    case .slot(let slot): slot.deregister(waiter)
    }
  }

  /// Whether a selecting waiter registered here must not sleep although
  /// its scan found nothing: a ring receive arm with a send in flight (a
  /// slot claimed and not yet taken, `tail != head`: the element's wake-up
  /// may go to another receiver of an MPMC arm; issue 15, item 1), or a
  /// shared ring's send arm with a receive in flight.
  func selectMustNotSleep() -> Bool {
    guard case .ring(let control, let condition) = source else { return false }
    if condition.isReceiving {
      return control.tail.pointee.load(ordering: .relaxed)
        != control.head.pointee.load(ordering: .relaxed)
    }
    return isInFlight()
  }
}

/// What an ``EndpointWaitPoint`` waits on.
@usableFromInline
enum _WaitSource {
  /// One side of a ring kind's control block.
  case ring(_ChannelControl, _WaitCondition)
  /// A lock-based kind's "something changed" signal.
  case signal(_SignalWait)
  /// A kind's single waiter slot.
  case slot(any _WaiterSlot)
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

  /// Whether the waiter receives (sleeps on the receivers' side).
  @inlinable var isReceiving: Bool {
    switch self {
    case .spscElements, .slotElement, .sharedElements: true
    case .spscRoom, .sharedRoom: false
    }
  }

  /// The event count a blocked thread sleeps on.
  @inlinable func events(_ control: _ChannelControl) -> UnsafeEventCount {
    isReceiving ? control.receiverEvents : control.senderEvents
  }

  /// The list async and select waiters register in.
  @inlinable func waiters(_ control: _ChannelControl) -> _WaiterQueue {
    isReceiving ? control.receiverWaiters : control.senderWaiters
  }

  @usableFromInline
  func isReady(_ control: _ChannelControl) -> Bool {
    switch self {
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
