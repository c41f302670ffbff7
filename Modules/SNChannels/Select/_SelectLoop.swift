import SNAtomics
import Synchronization

// The machinery under every `Select` form and `SelectGroup`: a scan over
// the arms from a rotating start, and the blocking and async waits that
// register one waiter with every open arm (whatever its kind: the wait
// point knows where) and rescan when any of them fires.

/// Where the next `select` starts its scan: round robin across calls.
private let selectCursor = Atomic<Int>(0)

/// The next start of a scan: the shared cursor's next value, scrambled.
///
/// The cursor is shared by every select in the process, so a select whose
/// calls alternate with another thread's (or another select's on the same
/// thread) sees every other value: with the plain value and two arms it
/// always started at the same arm, and the other starved. A multiplicative
/// (Fibonacci) hash's high bits form a Weyl sequence, equidistributed over
/// any arm count whichever subsequence of the cursor a caller sees.
func _nextSelectStart() -> Int {
  let value = UInt64(truncatingIfNeeded: selectCursor.wrappingAdd(1, ordering: .relaxed).oldValue)
  return Int(truncatingIfNeeded: (value &* 0x9E37_79B9_7F4A_7C15) >> 33)
}

/// One pass over the arms from a rotating start. Returns the arm that
/// delivered, or `nil` if all open arms are empty; throws `.closed` when
/// every arm is closed and drained.
func _scan(
  _ open: inout [Bool], start: Int, attempt: (Int) throws(SNChannelError) -> Bool
) throws(SNChannelError) -> Int? {
  let count = open.count
  var anyOpen = false
  for offset in 0..<count {
    let arm = (start &+ offset) % count
    guard open[arm] else { continue }
    do {
      if try attempt(arm) { return arm }
      anyOpen = true
    } catch {
      if error != .closed { throw error }
      open[arm] = false
    }
  }
  if !anyOpen { throw .closed }
  return nil
}

/// The default arm: one scan, nothing waited for.
///
/// - Returns: Whether an arm delivered.
func _selectOnce(
  arms: Int, attempt: (Int) throws(SNChannelError) -> Bool
) throws(SNChannelError) -> Bool {
  var open = [Bool](repeating: true, count: arms)
  return try _scan(&open, start: _nextSelectStart(), attempt: attempt) != nil
}

/// Whether a registered waiter must not sleep although the scan found
/// nothing (see ``EndpointWaitPoint/selectMustNotSleep()``). Called after
/// the waiter is registered and fenced, so a publish whose notify missed
/// it is seen here.
private func _mustNotSleep(_ sources: [EndpointWaitPoint], open: [Bool]) -> Bool {
  for arm in sources.indices where open[arm] && sources[arm].selectMustNotSleep() {
    return true
  }
  return false
}

/// A waiter that fired from arm `tag` but took its element elsewhere (or
/// nothing) passes the wake-up on, so another waiter of that arm gets it.
private func _passOn(_ waiter: _Waiter, chosen: Int?, sources: [EndpointWaitPoint]) {
  if case .fired(let tag) = waiter.phase, tag >= 0, tag < sources.count, tag != chosen {
    sources[tag].passOnWakeUp()
  }
}

private func _register(_ waiter: _Waiter, _ sources: [EndpointWaitPoint], open: [Bool]) {
  for arm in sources.indices where open[arm] { sources[arm].register(waiter, tag: arm) }
}

private func _deregister(_ waiter: _Waiter, _ sources: [EndpointWaitPoint]) {
  for source in sources { source.deregister(waiter) }
}

/// Registers `waiter` with every open arm, fences, and scans again: the
/// scan sees any element published before the registration, and a later
/// publish sees the waiter. If the scan throws, the waiter is withdrawn
/// (fired by itself, deregistered, any wake-up it caught passed on) before
/// the error goes up.
///
/// - Returns: The arm that delivered, or `nil`: the caller waits.
private func _registerAndScan(
  _ waiter: _Waiter, _ sources: [EndpointWaitPoint], _ open: inout [Bool], start: Int,
  attempt: (Int) throws(SNChannelError) -> Bool
) throws(SNChannelError) -> Int? {
  _register(waiter, sources, open: open)
  sources[0].fence.heavy()
  do {
    return try _scan(&open, start: start, attempt: attempt)
  } catch {
    _ = waiter.fireSelf()
    _deregister(waiter, sources)
    _passOn(waiter, chosen: nil, sources: sources)
    throw error
  }
}

/// Waits on a thread until an arm delivers: throws `.closed` once every
/// arm is closed, `.timedOut` once the monotonic `deadline` passes, or an
/// arm's own error.
func _selectBlocking(
  _ sources: [EndpointWaitPoint], deadline: UInt64? = nil,
  attempt: (Int) throws(SNChannelError) -> Bool
) throws(SNChannelError) {
  var open = [Bool](repeating: true, count: sources.count)
  let start = _nextSelectStart()
  var backoff = Backoff(strategy: sources[0].strategy)
  while true {
    if try _scan(&open, start: start, attempt: attempt) != nil { return }
    if let deadline, MonotonicClock.nanoseconds >= deadline { throw .timedOut }
    guard backoff.shouldPark else {
      backoff.snooze()
      continue
    }
    let parker = Parker(spinCount: 0)
    let waiter = _Waiter(parker: parker)
    var chosen = try _registerAndScan(waiter, sources, &open, start: start, attempt: attempt)
    if chosen == nil, !_mustNotSleep(sources, open: open) {
      while case .waiting = waiter.phase {
        if !parker.park(deadline: deadline) { waiter.expire() }
      }
    } else {
      _ = waiter.fireSelf()
    }
    _deregister(waiter, sources)
    if chosen == nil {
      do {
        chosen = try _scan(&open, start: start, attempt: attempt)
      } catch {
        _passOn(waiter, chosen: nil, sources: sources)
        throw error
      }
    }
    if let chosen {
      _passOn(waiter, chosen: chosen, sources: sources)
      return
    }
    // Found nothing after a wake-up, and no send was in flight at the
    // registration scan: whoever took the element used it. (Timed out:
    // the loop's deadline check throws.)
    backoff.reset()
  }
}

/// Waits in a task until an arm delivers: throws `.closed` once every arm
/// is closed, `.timedOut` once the monotonic `deadline` passes,
/// `.cancelled` if the task is cancelled (nothing taken), or an arm's own
/// error.
nonisolated(nonsending)
  func _selectSuspending(
    _ sources: [EndpointWaitPoint], deadline: UInt64? = nil,
    attempt: (Int) throws(SNChannelError) -> Bool
  ) async throws(SNChannelError)
{
  var open = [Bool](repeating: true, count: sources.count)
  let start = _nextSelectStart()
  while true {
    if Task.isCancelled { throw .cancelled }
    if try _scan(&open, start: start, attempt: attempt) != nil { return }
    if let deadline, MonotonicClock.nanoseconds >= deadline { throw .timedOut }
    let waiter = _Waiter()
    let chosen = try _registerAndScan(waiter, sources, &open, start: start, attempt: attempt)
    let inFlight = chosen == nil && _mustNotSleep(sources, open: open)
    if chosen == nil, !inFlight {
      await _suspend(waiter, deadline: deadline)
    } else {
      _ = waiter.fireSelf()
    }
    _deregister(waiter, sources)
    if inFlight { await Task.yield() }
    if case .cancelled = waiter.phase { throw .cancelled }
    if chosen == nil, Task.isCancelled {
      _passOn(waiter, chosen: nil, sources: sources)
      throw .cancelled
    }
    if chosen != nil {
      _passOn(waiter, chosen: chosen, sources: sources)
      return
    }
    // Woken (or timed out): the scan takes the element; pass the wake-up
    // on if the element came from elsewhere.
    do {
      if let arm = try _scan(&open, start: start, attempt: attempt) {
        _passOn(waiter, chosen: arm, sources: sources)
        return
      }
    } catch {
      _passOn(waiter, chosen: nil, sources: sources)
      throw error
    }
    if case .timedOut = waiter.phase { throw .timedOut }
    // Nothing found: whoever took the element used the wake-up.
  }
}
