import CSNShim
import Logging
import SNAtomics
import SNChannels
import Synchronization

/// What the run loop does after a handler threw.
@usableFromInline
enum _FailureAction {
  case continueProcessing
  case restart
  case stop
}

/// How a round of the run loop ended.
@usableFromInline
enum _RoundOutcome {
  /// Go on with the next round.
  case running
  /// Graceful shutdown: every input is drained and the mesh is empty.
  case finished
  /// An immediate stop, or a handler's failure stopped the pool.
  case stopped
}

/// The run loop's own variables, shared by its steps besides the worker's
/// state and context. Only the worker thread touches it.
@usableFromInline
struct _RunLoop<Message: Sendable> {
  @usableFromInline let index: Int
  @usableFromInline let slot: _WorkerSlot<Message>
  @usableFromInline let batchSize: Int
  @usableFromInline let idle: IdleStrategy.Kind
  @usableFromInline let tickNanoseconds: UInt64?
  @usableFromInline var nextTick: UInt64
  @usableFromInline var recorder: _LatencyRecorder
  @usableFromInline var backoff: Backoff
  /// The slot's `laneVersion` when its new lanes were last taken.
  @usableFromInline var seenLanes = 0

  @usableFromInline
  init(index: Int, slot: _WorkerSlot<Message>, configuration: PoolConfiguration) {
    self.index = index
    self.slot = slot
    batchSize = configuration.worker.batchSize
    idle = configuration.worker.idleStrategy.kind
    tickNanoseconds = configuration.worker.tickInterval.map(_nanoseconds)
    nextTick = tickNanoseconds.map { MonotonicClock.nanoseconds &+ $0 } ?? .max
    recorder = _LatencyRecorder(interval: configuration.latencySampleInterval)
    if case .spinThenPark(let strategy) = idle {
      backoff = Backoff(strategy: strategy)
    } else {
      backoff = Backoff(strategy: .spinThenYield)
    }
  }
}

extension WorkerPool {
  /// One worker thread's whole life: pin, make the state, run rounds
  /// (drain, tick, idle) until shutdown or a stop, and hand the state back.
  ///
  /// `@inlinable` so that the loop is specialised for the concrete worker
  /// (the closure that calls it is created in the caller's module).
  @inlinable
  func _runWorker(_ index: Int) {
    var context = _makeContext(index)
    context._mesh = _makeMeshStage(index)
    var state = worker.makeState(workerIndex: index)
    var loop = _RunLoop(index: index, slot: slots[index], configuration: configuration)
    // A hint only: a batch never holds more than the queue plus the lanes.
    context.batch.reserveCapacity(min(loop.batchSize, loop.slot.capacity))
    var outcome = _RoundOutcome.running
    while outcome == .running {
      outcome = _runRound(&loop, &state, &context)
    }
    if outcome == .stopped {
      _stopImmediately(&loop, &context)
    } else {
      context._isShuttingDown = true
      context._mesh?.isClosed = true  // the mesh is empty and stays so
      _ = _tick(index, &state, &context, &loop.nextTick, loop.tickNanoseconds)
    }
    loop.recorder.flush(into: context.counters)
    remains[index].state = state
  }

  /// One round: the shared queue, the submitters' lanes and the mesh, each
  /// up to a batch; then a tick if anything was handled, else the idle step.
  @inlinable @inline(__always)
  func _runRound(
    _ loop: inout _RunLoop<W.Message>, _ state: inout W.State, _ context: inout WorkerContext<W>
  ) -> _RoundOutcome {
    if stopRequested.load(ordering: .relaxed) { return .stopped }
    // New submitters: one load per round while there are none.
    let version = loop.slot.laneVersion.load(ordering: .acquiring)
    if version != loop.seenLanes {
      loop.seenLanes = version
      context.lanes += loop.slot.takePendingLanes()
    }
    guard let fromQueue = _drainSharedQueue(&loop, &state, &context),
      let fromLanes = _drainLanes(&loop, &state, &context),
      let fromMesh = _pumpMesh(
        loop.index, &state, &context, &loop.recorder, batchSize: loop.batchSize)
    else { return .stopped }
    guard fromQueue + fromLanes + fromMesh > 0 else { return _idleRound(&loop, &state, &context) }
    guard _tick(loop.index, &state, &context, &loop.nextTick, loop.tickNanoseconds) else {
      return .stopped
    }
    guard let mesh = context._mesh else {
      loop.backoff.reset()
      return .running
    }
    mesh.flushAll()
    if mesh.isBackpressured {
      // A peer's lane is still full after the flush: the peer is behind.
      // Spin, then yield, then sleep briefly before the next round (which
      // drains this worker's own input first, so nobody waits on us), so
      // that a worker feeding itself does not hold a CPU the peer needs.
      _meshWait(&loop.backoff)
    } else {
      loop.backoff.reset()
    }
    return .running
  }

  /// Handles the shared queue's messages (and anything the park check
  /// took) from the context's batch, where a handler's own receives find
  /// the messages after its own first.
  ///
  /// - Returns: How many were handled, or `nil` if a handler's failure
  ///   stops the pool (the unhandled rest is handed back).
  @inlinable @inline(__always)
  func _drainSharedQueue(
    _ loop: inout _RunLoop<W.Message>, _ state: inout W.State, _ context: inout WorkerContext<W>
  ) -> Int? {
    let count =
      context.batch.count
      + context._fillBatch(maxCount: loop.batchSize - context.batch.count, includingLanes: false)
    guard count > 0 else { return 0 }
    let counters = context.counters
    while context.batchNext < count {
      let envelope = context.batch[context.batchNext]
      context.batchNext += 1
      if !_handle(envelope, loop.index, &state, &context, &loop.recorder) {
        // Handled or taken by a handler: processed. The rest goes back.
        counters.processed.addFromOwner(UInt64(context.batchNext))
        remains[loop.index].unprocessed += context._takeUnhandledBatch()
        return nil
      }
    }
    // Counted per batch: only this thread writes it, and a reader sees it
    // exact once the pool has terminated.
    counters.processed.addFromOwner(UInt64(count))
    context.batch.removeAll(keepingCapacity: true)
    context.batchNext = 0
    return count
  }

  /// Handles up to a batch from each submitter lane, and forgets the lanes
  /// whose submitter is gone.
  ///
  /// - Returns: How many were handled, or `nil` if a handler's failure
  ///   stops the pool (what the lanes still hold is taken by the stop path).
  @inlinable @inline(__always)
  func _drainLanes(
    _ loop: inout _RunLoop<W.Message>, _ state: inout W.State, _ context: inout WorkerContext<W>
  ) -> Int? {
    var fromLanes = 0
    var laneIndex = 0
    while laneIndex < context.lanes.count {
      let lane = context.lanes[laneIndex]
      // Keyed side, then direct side: at most one holds messages at a time.
      for side in 0..<2 {
        guard
          let taken = _drainLane(
            lane, laneIndex, direct: side == 1, &loop, &state, &context)
        else { return nil }
        fromLanes += taken
      }
      laneIndex += 1
      if lane.isFinished {
        // Closed and drained: its submitter is gone. Found by identity: a
        // handler's own receives may have removed other lanes meanwhile.
        if let position = context.lanes.firstIndex(where: { $0 === lane }) {
          context.lanes.remove(at: position)
          if position < laneIndex { laneIndex -= 1 }
        }
      }
    }
    return fromLanes
  }

  /// Handles up to a batch of one side of `lane` through the intake's
  /// batch loop (`_drainIntakeLane`: in place, the head moved once per
  /// batch, ended early when a handler receives more messages itself).
  ///
  /// - Returns: How many were taken, or `nil` if a handler's failure stops
  ///   the pool.
  @inlinable @inline(__always)
  func _drainLane(
    _ lane: _Lane<W.Message>, _ laneIndex: Int, direct isDirect: Bool,
    _ loop: inout _RunLoop<W.Message>, _ state: inout W.State, _ context: inout WorkerContext<W>
  ) -> Int? {
    let (taken, failed) = _drainIntakeLane(
      _SubmitterIntakeLane(lane, direct: isDirect), openBatchLane: laneIndex, direct: isDirect,
      batchSize: loop.batchSize, &loop.recorder, &state, &context)
    guard taken > 0 else { return 0 }
    let counters = context.counters
    counters.received.addFromOwner(UInt64(taken))
    counters.fromLanes.addFromOwner(UInt64(taken))
    counters.processed.addFromOwner(UInt64(taken))
    return failed ? nil : taken
  }

  /// A round that found nothing: at shutdown, finish once every input and
  /// the mesh are drained; otherwise settle the mesh, tick if due, and wait
  /// as the idle strategy says.
  @inlinable
  func _idleRound(
    _ loop: inout _RunLoop<W.Message>, _ state: inout W.State, _ context: inout WorkerContext<W>
  ) -> _RoundOutcome {
    if context.inboxClosed {
      // Shutdown closes the shared queue only after every submitter left
      // its last send, so the lanes just polled empty stay empty; lanes
      // registered before shutdown but not yet taken are taken now.
      let late = loop.slot.takePendingLanes()
      if late.isEmpty {
        if _isMeshQuiescent(&context) { return .finished }
        _meshWait(&loop.backoff)  // peers still exchange mesh messages
      }
      context.lanes += late
      return .running
    }
    // Messages the mesh could not publish yet: retry, never park.
    if _settleMesh(&context) {
      _meshWait(&loop.backoff)
      return .running
    }
    if loop.tickNanoseconds != nil, MonotonicClock.nanoseconds >= loop.nextTick {
      guard _tick(loop.index, &state, &context, &loop.nextTick, loop.tickNanoseconds) else {
        return .stopped
      }
    }
    _waitForWork(&loop, &context)
    return .running
  }

  /// Waits as the idle strategy says; parking counts in as a sleeper on the
  /// doorbell, looks once more, and sleeps only if nothing came.
  @inlinable
  func _waitForWork(_ loop: inout _RunLoop<W.Message>, _ context: inout WorkerContext<W>) {
    switch loop.idle {
    case .busySpin:
      Backoff.pause()
    case .spinThenYield:
      loop.backoff.snooze()
    case .spinThenPark:
      guard loop.backoff.shouldPark else {
        loop.backoff.snooze()
        return
      }
      loop.recorder.flush(into: context.counters)
      loop.backoff.reset()
      // Every source rings the doorbell after publishing.
      let slot = loop.slot
      let key = slot.doorbell.prepareWait(slot.fence)
      let more = context._fillBatch(maxCount: loop.batchSize, includingLanes: true)
      if more > 0 || context.inboxClosed || stopRequested.load(ordering: .relaxed)
        || slot.laneVersion.load(ordering: .acquiring) != loop.seenLanes
        || _meshHasInbound(context)
      {
        slot.doorbell.cancelWait()
        return
      }
      slot.doorbell.wait(key, deadline: loop.nextTick == .max ? nil : loop.nextTick)
    }
  }

  /// An immediate stop: fail blocked and later senders fast, then hand back
  /// everything still queued (shutdown drops the senders once no
  /// submission is in flight, and the receiver then sees "closed").
  @inlinable
  func _stopImmediately(_ loop: inout _RunLoop<W.Message>, _ context: inout WorkerContext<W>) {
    let index = loop.index
    let slot = loop.slot
    // Taken (by the park check) but not handled yet.
    remains[index].unprocessed += context._takeUnhandledBatch()
    _stopMesh(index, &context)
    context.inbox.close()
    context.lanes += slot.takePendingLanes()
    for lane in context.lanes { lane.close() }
    var rest: [Envelope<W.Message>] = []
    while true {
      let closed = context.inboxClosed
      context.lanes += slot.takePendingLanes()
      if context._gather(into: &rest, maxCount: .max) == 0 {
        if closed { break }
        Backoff.pause()
      }
    }
    remains[index].unprocessed += rest
  }

  /// Handles one envelope; `false` if the pool must stop.
  @inlinable @inline(__always)
  func _handle(
    _ envelope: Envelope<W.Message>, _ index: Int, _ state: inout W.State,
    _ context: inout WorkerContext<W>, _ recorder: inout _LatencyRecorder
  ) -> Bool {
    // Only sampled messages carry a submission time (see
    // `WorkerPool._stamp`): one clock read each, none for the others.
    if _slowPath(envelope.submittedAt != 0) {
      recorder.recordQueueDelay(since: envelope.submittedAt, into: context.counters)
    }
    let timed = recorder.shouldSample()
    let start = timed ? MonotonicClock.nanoseconds : 0
    do {
      try worker.handleMessage(envelope, state: &state, context: &context)
    } catch {
      return _recover(from: error, index, &state, context.counters)
    }
    if timed {
      let end = MonotonicClock.nanoseconds
      // Loaded here, not per message: a class reference costs a retain.
      recorder.record(processing: end &- start, into: context.counters)
    }
    return true
  }

  /// Runs a tick; `false` if the pool must stop.
  @inlinable
  func _tick(
    _ index: Int, _ state: inout W.State, _ context: inout WorkerContext<W>,
    _ nextTick: inout UInt64, _ interval: UInt64?
  ) -> Bool {
    let counters = context.counters
    counters.ticks.addFromOwner()
    if let interval { nextTick = MonotonicClock.nanoseconds &+ interval }
    do {
      try worker.tick(state: &state, context: &context)
    } catch {
      return _recover(from: error, index, &state, counters)
    }
    return true
  }

  @inlinable
  func _recover(
    from error: any Error, _ index: Int, _ state: inout W.State, _ counters: _WorkerCounters
  ) -> Bool {
    counters.errors.addFromOwner()
    switch _failureAction(error, index) {
    case .continueProcessing:
      return true
    case .restart:
      state = worker.makeState(workerIndex: index)
      counters.restarts.addFromOwner()
      return true
    case .stop:
      return false
    }
  }

  /// Logs a handler's error and applies the error policy (cold path).
  @usableFromInline
  func _failureAction(_ error: any Error, _ index: Int) -> _FailureAction {
    let logger = configuration.logger
    switch configuration.errorPolicy.kind {
    case .continueProcessing:
      logger.debug(
        "worker error, continuing",
        metadata: ["pool": "\(configuration.name)", "worker": "\(index)", "error": "\(error)"])
      return .continueProcessing
    case .restartWorker:
      logger.warning(
        "worker error, restarting the worker with fresh state",
        metadata: ["pool": "\(configuration.name)", "worker": "\(index)", "error": "\(error)"])
      return .restart
    case .stopPool:
      logger.error(
        "worker error, stopping the pool",
        metadata: ["pool": "\(configuration.name)", "worker": "\(index)", "error": "\(error)"])
      failPool(WorkerFailure(workerIndex: index, error: error))
      return .stop
    }
  }

  /// Pins the calling worker thread (if planned) and builds its context.
  @usableFromInline
  func _makeContext(_ index: Int) -> WorkerContext<W> {
    let counters = slots[index].counters
    var pinned: Int?
    if let cpu = plannedCPUs[index] {
      let error = csn_pin_current_thread(Int32(clamping: cpu))
      if error == 0 {
        pinned = cpu
        counters.pin.store(cpu, ordering: .releasing)
      } else {
        counters.pin.store(-Int(error), ordering: .releasing)
        configuration.logger.warning(
          "CPU pinning refused, worker runs unpinned",
          metadata: [
            "pool": "\(configuration.name)", "worker": "\(index)", "cpu": "\(cpu)",
            "errno": "\(error)",
          ])
      }
    }
    let slot = slots[index]
    guard let inbox = slot.receiver.take() else {
      preconditionFailure("worker \(index) started twice")
    }
    guard let results = results.cloneSender() else { preconditionFailure("results closed early") }
    return WorkerContext(
      workerIndex: index, workerCount: slots.count, pinnedCPU: pinned, inbox: inbox,
      results: results, counters: counters)
  }
}

@inlinable
func _nanoseconds(_ duration: Duration) -> UInt64 {
  let (seconds, attoseconds) = duration.components
  guard seconds >= 0 else { return 0 }
  return UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
}
