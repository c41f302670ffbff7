import SNAtomics
import SNChannels
import SNPartition
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

// The submitter's slow path: everything a send does that is not a plain
// push into a lane with room (intake closed, no asymmetric fence, stamped
// sends, a switch of lanes, a full lane, a sleeping worker).
extension Submitter {
  /// The out-of-line half of ``_enter(_:keyHash:to:kind:_:)``:
  /// `intakeWatch` was non-zero because shutdown began, or the fence is not
  /// asymmetric (the full fence is issued here, before the load that
  /// decides), or the pool stamps submission times (a lane message has no
  /// room for one: the message takes the worker's shared queue); or this
  /// submitter last used the worker's other lane.
  @inlinable @inline(never)
  mutating func _admit(
    _ message: W.Message, keyHash: UInt64?, to index: Int, kind: UInt8, mayWait: Bool
  ) throws(SubmitError<W.Message>) -> Bool {
    let busy = record.busy
    if !fence.isAsymmetric { fence.light() }
    if storage.intakeClosed.pointee.load(ordering: .relaxed) != 0 {
      busy.pointee.store(0, ordering: .releasing)
      throw _reject(.shutDown, message, index)
    }
    let policy = mayWait ? backpressure : .failFast
    if recordsQueueDelay {
      busy.pointee.store(0, ordering: .releasing)
      try _sendRare(message, keyHash: keyHash, to: index, policy: policy)
      return false
    }
    if storage.laneKinds[index] != kind {
      if storage.laneKinds[index] != _LaneKind.unused {
        // Out of the protocol while waiting: shutdown must not wait for us.
        busy.pointee.store(0, ordering: .releasing)
        try _waitForLanesToDrain(index, message, policy: policy)
        busy.pointee.store(1, ordering: .relaxed)
        fence.light()
        if storage.intakeClosed.pointee.load(ordering: .relaxed) != 0 {
          busy.pointee.store(0, ordering: .releasing)
          throw _reject(.shutDown, message, index)
        }
      }
      storage.laneKinds[index] = kind
    }
    return true
  }

  /// Wakes the worker if it sleeps. Without an asymmetric fence the hot
  /// check read `alwaysCheck`: the full fence and the real load happen here.
  @usableFromInline @inline(never)
  func _wakeWorker(_ index: Int) {
    let doorbell = storage.doorbells[index]
    if !fence.isAsymmetric {
      fence.light()
      guard doorbell.state.pointee.load(ordering: .relaxed) >= UnsafeEventCount.waiterUnit else {
        return
      }
    }
    doorbell.wake(count: 1)
  }

  /// The keyed lane was full or closed (still inside the intake protocol).
  @inlinable @inline(never)
  mutating func _sendSlow(
    _ item: _LaneItem<W.Message>, to index: Int, mayWait: Bool
  ) throws(SubmitError<W.Message>) {
    try _sendWaiting(item, into: storage.lanes + index, to: index, mayWait: mayWait) { $0.message }
  }

  /// The direct lane was full or closed (still inside the intake protocol).
  @inlinable @inline(never)
  mutating func _sendSlowDirect(
    _ message: W.Message, to index: Int, mayWait: Bool
  ) throws(SubmitError<W.Message>) {
    try _sendWaiting(message, into: storage.directLanes + index, to: index, mayWait: mayWait) { $0 }
  }

  /// Sends `element` into `lane` following the backpressure policy (fail
  /// fast when `mayWait` is false), then leaves the intake protocol.
  @inlinable
  func _sendWaiting<Element>(
    _ element: Element, into lane: UnsafeMutablePointer<SPSCSender<Element>>, to index: Int,
    mayWait: Bool, message: (Element) -> W.Message
  ) throws(SubmitError<W.Message>) {
    let policy = mayWait ? backpressure : .failFast
    let busy = record.busy
    defer { busy.pointee.store(0, ordering: .releasing) }
    if lane.pointee.isClosed { throw _reject(.shutDown, message(element), index) }
    if case .failFast = policy { throw _reject(.queueFull, message(element), index) }
    do {
      switch policy {
      case .failFast: preconditionFailure("handled above")
      case .block: try lane.pointee.send(element)
      case .timeout(let duration): try lane.pointee.send(element, timeout: duration)
      }
    } catch {
      throw _reject(
        _WorkerSlot<W.Message>.reason(error.reason), message(error.element), index)
    }
    _ringDoorbell(index)
  }

  /// Waits, following `policy`, until the worker has taken everything this
  /// submitter queued in both lanes to worker `index`.
  @usableFromInline
  func _waitForLanesToDrain(
    _ index: Int, _ message: W.Message, policy: BackpressurePolicy.Kind
  ) throws(SubmitError<W.Message>) {
    var deadline: UInt64?
    if case .timeout(let duration) = policy {
      deadline = MonotonicClock.deadline(after: duration)
    }
    var backoff = Backoff(strategy: .lowCPU)
    while storage.lanes[index].stats.depth > 0 || storage.directLanes[index].stats.depth > 0 {
      if storage.lanes[index].isClosed || storage.directLanes[index].isClosed
        || storage.intakeClosed.pointee.load(ordering: .relaxed) != 0
      {
        throw _reject(.shutDown, message, index)
      }
      if case .failFast = policy { throw _reject(.queueFull, message, index) }
      if let deadline, MonotonicClock.nanoseconds >= deadline {
        throw _reject(.timedOut, message, index)
      }
      if backoff.shouldPark { usleep(50) } else { backoff.snooze() }
    }
  }

  /// Sends through the worker's shared queue instead of a lane: when the
  /// pool stamps submission times (a lane item has no room for the stamp),
  /// or for the one key hash a lane item reserves for "no key". In the
  /// second case the lanes are drained first, so this message still comes
  /// after the ones this submitter sent before it.
  @usableFromInline @inline(never)
  mutating func _sendRare(
    _ message: W.Message, keyHash: UInt64?, to index: Int, policy: BackpressurePolicy.Kind
  ) throws(SubmitError<W.Message>) {
    if !recordsQueueDelay { try _waitForLanesToDrain(index, message, policy: policy) }
    try pool._send(pool._envelope(message, keyHash, to: index), to: index, policy: policy)
  }

  @usableFromInline
  func _reject(
    _ reason: PoolError, _ message: W.Message, _ index: Int
  ) -> SubmitError<W.Message> {
    pool.slots[index].counters.rejected.add()
    return SubmitError(reason: reason, workerIndex: index, message: message)
  }
}
