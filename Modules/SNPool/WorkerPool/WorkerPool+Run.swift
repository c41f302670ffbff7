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

extension WorkerPool {
  /// One worker thread's whole life: pin, make the state, drain batches,
  /// tick, idle, and hand the state back.
  ///
  /// `@inlinable` so that the loop is specialised for the concrete worker
  /// (the closure that calls it is created in the caller's module).
  @inlinable
  func _runWorker(_ index: Int) {
    var context = _makeContext(index)
    context._mesh = _makeMeshStage(index)
    let counters = context.counters
    var state = worker.makeState(workerIndex: index)
    let batchSize = configuration.worker.batchSize
    let idle = configuration.worker.idleStrategy.kind
    let tickNanoseconds = configuration.worker.tickInterval.map(_nanoseconds)
    var nextTick = tickNanoseconds.map { MonotonicClock.nanoseconds &+ $0 } ?? .max
    var recorder = _LatencyRecorder(interval: configuration.latencySampleInterval)
    // A hint only: a batch never holds more than the queue plus the lanes.
    context.batch.reserveCapacity(min(batchSize, slots[index].capacity))
    var backoff: Backoff
    if case .spinThenPark(let strategy) = idle {
      backoff = Backoff(strategy: strategy)
    } else {
      backoff = Backoff(strategy: .spinThenYield)
    }
    var stopped = false
    let slot = slots[index]
    var seenLanes = 0

    loop: while true {
      if stopRequested.load(ordering: .relaxed) {
        stopped = true
        break
      }
      // New submitters: one load per round while there are none.
      let version = slot.laneVersion.load(ordering: .acquiring)
      if version != seenLanes {
        seenLanes = version
        context.lanes += slot.takePendingLanes()
      }
      // The shared queue (and anything the park check took) into the
      // context's batch, where a handler's own receives find the messages
      // after its own first; the lanes are handled in place below, without
      // becoming envelopes in a second buffer first.
      let count =
        context.batch.count
        + context._fillBatch(maxCount: batchSize - context.batch.count, includingLanes: false)
      if count > 0 {
        while context.batchNext < count {
          let envelope = context.batch[context.batchNext]
          context.batchNext += 1
          if !_handle(envelope, index, &state, &context, &recorder) {
            // Handled or taken by a handler: processed. The rest goes back.
            counters.processed.addFromOwner(UInt64(context.batchNext))
            stopped = true
            remains[index].unprocessed += context._takeUnhandledBatch()
            break loop
          }
        }
        // Counted per batch: only this thread writes it, and a reader
        // sees it exact once the pool has terminated.
        counters.processed.addFromOwner(UInt64(count))
        context.batch.removeAll(keepingCapacity: true)
        context.batchNext = 0
      }
      // The lanes: each item is handled where it lies in the ring (no copy
      // into an array first), and the lane's head moves once per batch. A
      // handler that receives more messages itself commits the batch first
      // (WorkerContext.openBatchLane), which ends it here.
      var fromLanes = 0
      var laneIndex = 0
      while laneIndex < context.lanes.count {
        let lane = context.lanes[laneIndex]
        // Keyed side, then direct side: at most one holds messages at a time.
        for side in 0..<2 {
          let isDirect = side == 1
          let limit = lane.readable(direct: isDirect, upTo: batchSize)
          guard limit > 0 else { continue }
          context.openBatchLane = laneIndex
          context.openBatchDirect = isDirect
          var taken = 0
          var failed = false
          while taken < limit {
            let envelope = lane.moveOut(direct: isDirect, at: taken)
            taken += 1
            context.openBatchTaken = taken
            if !_handle(envelope, index, &state, &context, &recorder) {
              failed = true
              break
            }
            if context.openBatchLane < 0 { break }  // a handler committed the batch
          }
          if context.openBatchLane >= 0 {
            lane.commit(direct: isDirect, taken)
            context.openBatchLane = -1
          }
          counters.received.addFromOwner(UInt64(taken))
          counters.fromLanes.addFromOwner(UInt64(taken))
          counters.processed.addFromOwner(UInt64(taken))
          if failed {
            // What the lane still holds is taken by the stop path below.
            stopped = true
            break loop
          }
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
      guard let fromMesh = _pumpMesh(index, &state, &context, &recorder, batchSize: batchSize)
      else {
        stopped = true
        break
      }
      if count + fromLanes + fromMesh > 0 {
        if !_tick(index, &state, &context, &nextTick, tickNanoseconds) {
          stopped = true
          break
        }
        context._mesh?.flushAll()
        backoff.reset()
        continue
      }
      if context.inboxClosed {
        // Shutdown closes the shared queue only after every submitter left
        // its last send, so the lanes just polled empty stay empty; lanes
        // registered before shutdown but not yet taken are taken now.
        let late = slot.takePendingLanes()
        if late.isEmpty {
          if _isMeshQuiescent(&context) { break }
          _meshWait(&backoff)  // peers still exchange mesh messages
          continue
        }
        context.lanes += late
        continue
      }
      // Idle. Messages the mesh could not publish yet: retry, never park.
      if _settleMesh(&context) {
        _meshWait(&backoff)
        continue
      }
      if tickNanoseconds != nil, MonotonicClock.nanoseconds >= nextTick {
        if !_tick(index, &state, &context, &nextTick, tickNanoseconds) {
          stopped = true
          break
        }
      }
      switch idle {
      case .busySpin:
        Backoff.pause()
      case .spinThenYield:
        backoff.snooze()
      case .spinThenPark:
        guard backoff.shouldPark else {
          backoff.snooze()
          continue
        }
        recorder.flush(into: counters)
        backoff.reset()
        // Every source rings the doorbell after publishing: count in as a
        // sleeper, look once more, and sleep only if nothing came.
        let key = slot.doorbell.prepareWait(slot.fence)
        let more = context._fillBatch(maxCount: batchSize, includingLanes: true)
        if more > 0 || context.inboxClosed || stopRequested.load(ordering: .relaxed)
          || slot.laneVersion.load(ordering: .acquiring) != seenLanes
          || _meshHasInbound(context)
        {
          slot.doorbell.cancelWait()
          continue
        }
        slot.doorbell.wait(key, deadline: nextTick == .max ? nil : nextTick)
      }
    }

    if stopped {
      // Immediate stop: fail blocked and later senders fast, then hand back
      // everything still queued (shutdown drops the senders once no
      // submission is in flight, and the receiver then sees "closed").
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
    } else {
      context._isShuttingDown = true
      context._mesh?.isClosed = true  // the mesh is empty and stays so
      _ = _tick(index, &state, &context, &nextTick, tickNanoseconds)
    }
    recorder.flush(into: counters)
    remains[index].state = state
  }

  /// Handles one envelope; `false` if the pool must stop.
  @inlinable @inline(__always)
  func _handle(
    _ envelope: Envelope<W.Message>, _ index: Int, _ state: inout W.State,
    _ context: inout WorkerContext<W>, _ recorder: inout _LatencyRecorder
  ) -> Bool {
    let timed = recorder.shouldSample()
    let start = timed ? MonotonicClock.nanoseconds : 0
    do {
      try worker.handleMessage(envelope, state: &state, context: &context)
    } catch {
      return _recover(from: error, index, &state, context.counters)
    }
    if timed {
      let end = MonotonicClock.nanoseconds
      let delay: UInt64? =
        envelope.submittedAt != 0 && start > envelope.submittedAt
        ? start &- envelope.submittedAt : nil
      // Loaded here, not per message: a class reference costs a retain.
      recorder.record(processing: end &- start, queueDelay: delay, into: context.counters)
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
