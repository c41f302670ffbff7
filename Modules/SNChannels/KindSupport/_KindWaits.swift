import SNAtomics
import Synchronization

/// A wait on a lock-based kind's ``_KindSignal`` (rendezvous, broadcast,
/// latest value), as an ``EndpointWaitPoint`` holds it.
///
/// Every notification of the signal wakes every waiter, so a waiter that
/// leaves owes nobody a wake-up. `ready` is the kind's own predicate for
/// the endpoint's position when the wait point was made; it must hold
/// whenever an attempt could succeed (or fail for good), and its loads
/// are argued at the kind's core.
@usableFromInline
struct _SignalWait {
  @usableFromInline let signal: _KindSignal
  @usableFromInline let strategy: WaitStrategy
  @usableFromInline let ready: () -> Bool
  /// Counts a failed send in the kind's statistics (senders only).
  @usableFromInline let countSendError: ((SNChannelError.Code) -> Void)?

  @usableFromInline
  init(
    _ signal: _KindSignal, strategy: WaitStrategy,
    countSendError: ((SNChannelError.Code) -> Void)? = nil, ready: @escaping () -> Bool
  ) {
    self.signal = signal
    self.strategy = strategy
    self.ready = ready
    self.countSendError = countSendError
  }

  /// Blocks the thread until `attempt` returns a value, or throws
  /// `.timedOut` once `deadline` passes: one fine-grained spin first (see
  /// ``_KindSignal/block(strategy:deadline:attempt:ready:)``), then spin,
  /// yield and park on the signal's event count.
  @usableFromInline
  func block<Result>(
    deadline: UInt64?, attempt: () throws(SNChannelError) -> Result?
  ) throws(SNChannelError) -> Result {
    if let result = try attempt() { return result }
    _ = _spin(until: ready, strategy: strategy, long: false)
    var backoff = Backoff(strategy: strategy)
    let events = signal.events
    while true {
      if let result = try attempt() { return result }
      if let deadline, MonotonicClock.nanoseconds >= deadline { throw .timedOut }
      if backoff.shouldPark {
        let key = events.prepareWait(signal.fence)
        if ready() {
          events.cancelWait()
        } else {
          events.wait(key, deadline: deadline)
        }
        backoff.reset()
      } else {
        backoff.snooze()
      }
    }
  }
}

/// A kind whose receiver waits in a single waiter slot of its own (the
/// one-shot channel) instead of a queue: it publishes one ``_Waiter`` that
/// the sender fires when it finishes.
@usableFromInline
protocol _WaiterSlot: Sendable {
  /// How long to spin and yield before sleeping.
  var strategy: WaitStrategy { get }
  /// Whether an attempt could succeed (or fail for good) now.
  func isReady() -> Bool
  /// Publishes `waiter` (fired with `tag`).
  ///
  /// - Returns: Whether to wait: `false` if the peer already finished (an
  ///   attempt now succeeds or fails for good).
  func register(_ waiter: _Waiter, tag: Int) -> Bool
  /// Withdraws the published waiter, so the next wait may publish another.
  func deregister(_ waiter: _Waiter)
}

/// Blocks the thread on a ``_WaiterSlot`` (spin, yield, then park on a
/// published waiter) until `attempt` returns a value or `deadline` passes.
@usableFromInline
func _slotBlockingLoop<Result>(
  _ slot: any _WaiterSlot, deadline: UInt64?, attempt: () throws(SNChannelError) -> Result?
) throws(SNChannelError) -> Result {
  var backoff = Backoff(strategy: slot.strategy)
  while true {
    if let result = try attempt() { return result }
    if let deadline, MonotonicClock.nanoseconds >= deadline { throw .timedOut }
    guard backoff.shouldPark else {
      backoff.snooze()
      continue
    }
    let parker = Parker(spinCount: 0)
    let waiter = _Waiter(parker: parker)
    if slot.register(waiter, tag: 0) {
      while case .waiting = waiter.phase {
        if !parker.park(deadline: deadline) { waiter.expire() }
      }
    }
    slot.deregister(waiter)
    backoff.reset()
  }
}

/// Suspends the task on a ``_WaiterSlot`` until the peer fires the
/// published waiter, the task is cancelled, or `deadline` passes.
nonisolated(nonsending)
  func _slotSuspend(_ slot: any _WaiterSlot, deadline: UInt64?) async -> _WaitOutcome
{
  if slot.isReady() { return .ready }
  if let deadline, MonotonicClock.nanoseconds >= deadline { return .timedOut }
  let waiter = _Waiter()
  guard slot.register(waiter, tag: 0) else {
    slot.deregister(waiter)
    return .ready
  }
  await _suspend(waiter, deadline: deadline)
  slot.deregister(waiter)
  switch waiter.phase {
  case .fired: return .woken
  case .timedOut: return .timedOut
  case .cancelled, .waiting: return .cancelled
  }
}
