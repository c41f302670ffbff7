import SNAtomics
import Synchronization

/// How an async wait on one channel side ended.
@usableFromInline
enum _WaitOutcome: Sendable {
  /// The condition held at a check: nothing was consumed.
  case ready
  /// A notifier woke this waiter: it owes the side a wake-up if it leaves
  /// without acting on it.
  case woken
  /// The task was cancelled while waiting.
  case cancelled
  /// The deadline passed while waiting.
  case timedOut
}

/// Pauses the async spin makes between two checks of its condition: short,
/// so a peer's answer is seen within a few tens of nanoseconds.
@usableFromInline let _asyncSpinStride = 4

/// Spins on `ready()`, checking every ``_asyncSpinStride`` pauses.
///
/// Short: 2^(spinExponent+1) pauses (256 with the default strategy, the
/// budget a blocking wait spins before it yields). Long: up to
/// 2^(spinExponent+7) ns (16 µs by default), longer than a thread wake-up
/// on the reference VM. The long spin is what keeps a ping-pong with a
/// thread out of the slow mode where both sides answer only after a
/// wake-up: once either side suspends, the other's short spin runs out
/// before the answer comes, and it suspends too, and so on.
///
/// - Returns: Whether `ready()` held.
@inline(__always)
func _spin(until ready: () -> Bool, strategy: WaitStrategy, long: Bool) -> Bool {
  let exponent = min(strategy.spinExponent, 12)
  let pauses = 1 << (exponent &+ 1)
  var spun = 0
  while spun < pauses {
    if ready() { return true }
    for _ in 0..<_asyncSpinStride { Backoff.pause() }
    spun &+= _asyncSpinStride
  }
  guard long else { return false }
  let deadline = MonotonicClock.nanoseconds &+ (UInt64(1) << (exponent &+ 7))
  while true {
    for _ in 0..<8 {
      if ready() { return true }
      for _ in 0..<_asyncSpinStride { Backoff.pause() }
    }
    if MonotonicClock.nanoseconds >= deadline { return ready() }
  }
}

/// Spins, then suspends the current task until `queue` fires it, the task
/// is cancelled, the monotonic `deadline` passes, or `ready()` holds at the
/// re-check.
///
/// Never blocks a thread: the longest busy stretch is the spin, long only
/// while spinning has paid off on this side of the channel lately
/// (``_WaiterQueue/spinLength``). Where it does not (both tasks on one
/// pool thread: the peer cannot run while this task spins), there is none.
nonisolated(nonsending)
  func _awaitReady(
    _ queue: _WaiterQueue, fence: AsymmetricFence, strategy: WaitStrategy,
    deadline: UInt64? = nil, ready: () -> Bool
  ) async -> _WaitOutcome
{
  let spin = queue.spinLength
  if spin != .none {
    if _spin(until: ready, strategy: strategy, long: spin == .long) {
      queue.recordSpin(succeeded: true)
      return .ready
    }
    queue.recordSpin(succeeded: false)
  } else if ready() {
    return .ready
  }
  if let deadline, MonotonicClock.nanoseconds >= deadline { return ready() ? .ready : .timedOut }
  let waiter = _Waiter()
  queue.register(waiter, tag: 0)
  fence.heavy()
  if ready() {
    // The peer answered within the registration: a spin would have caught it.
    queue.recordSpin(succeeded: true)
    queue.deregister(waiter)
    if waiter.fireSelf() { return .ready }
    return .woken
  }
  await _suspend(waiter, deadline: deadline)
  switch waiter.phase {
  case .fired: return .woken
  case .timedOut:
    queue.deregister(waiter)
    return .timedOut
  case .cancelled, .waiting:
    queue.deregister(waiter)
    return .cancelled
  }
}

/// Suspends the current task until `waiter` leaves `waiting`: fired by a
/// queue, cancelled with the task, or expired at `deadline` (monotonic
/// nanoseconds; a detached timer task expires it, and is cancelled as soon
/// as the wait ends another way).
nonisolated(nonsending)
  func _suspend(_ waiter: _Waiter, deadline: UInt64?) async
{
  var timer: Task<Void, Never>?
  if let deadline {
    timer = Task.detached {
      let now = MonotonicClock.nanoseconds
      if deadline > now {
        do {
          try await Task.sleep(for: .nanoseconds(Int64(clamping: deadline &- now)))
        } catch {
          return  // the wait ended first
        }
      }
      waiter.expire()
    }
  }
  await withTaskCancellationHandler {
    #if DEBUG
      await withCheckedContinuation { (continuation: _Continuation) in
        waiter.suspend(continuation)
      }
    #else
      await withUnsafeContinuation { (continuation: _Continuation) in
        waiter.suspend(continuation)
      }
    #endif
  } onCancel: {
    waiter.cancel()
  }
  timer?.cancel()
}
