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
    let counters = context.counters
    var state = worker.makeState(workerIndex: index)
    let batchSize = configuration.worker.batchSize
    let idle = configuration.worker.idleStrategy.kind
    let tickNanoseconds = configuration.worker.tickInterval.map(_nanoseconds)
    var nextTick = tickNanoseconds.map { MonotonicClock.nanoseconds &+ $0 } ?? .max
    var recorder = _LatencyRecorder(interval: configuration.latencySampleInterval)
    var buffer: [Envelope<W.Message>] = []
    buffer.reserveCapacity(batchSize)
    var backoff: Backoff
    if case .spinThenPark(let strategy) = idle {
      backoff = Backoff(strategy: strategy)
    } else {
      backoff = Backoff(strategy: .busySpin)
    }
    var stopped = false

    loop: while true {
      if stopRequested.load(ordering: .relaxed) {
        stopped = true
        break
      }
      let count: Int
      do {
        count = try context.inbox.tryReceive(into: &buffer, maxCount: batchSize)
      } catch {
        break  // closed and drained: graceful end
      }
      if count > 0 {
        counters.received.addFromOwner(UInt64(count))
        var handled = 0
        while handled < count {
          let envelope = buffer[handled]
          handled += 1
          if !_handle(envelope, index, &state, &context, &recorder) {
            stopped = true
            remains[index].unprocessed += buffer[handled...]
            break loop
          }
        }
        buffer.removeAll(keepingCapacity: true)
        if !_tick(index, &state, &context, &nextTick, tickNanoseconds) {
          stopped = true
          break
        }
        backoff.reset()
        continue
      }
      // Idle.
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
        do {
          let envelope =
            nextTick == .max
            ? try context.inbox.receive() : try context.inbox.receive(deadline: nextTick)
          counters.received.addFromOwner()
          if !_handle(envelope, index, &state, &context, &recorder) {
            stopped = true
            break loop
          }
        } catch {
          if error == .closed { break loop }  // timed out: loop round to tick
        }
      }
    }

    if stopped {
      // Immediate stop: fail blocked and later senders fast, then hand back
      // everything still queued (shutdown drops the senders once no
      // submission is in flight, and the receiver then sees "closed").
      context.inbox.close()
      while true {
        do {
          if let envelope = try context.inbox.tryReceive() {
            remains[index].unprocessed.append(envelope)
          } else {
            Backoff.pause()
          }
        } catch {
          break
        }
      }
    } else {
      context._isShuttingDown = true
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
    let counters = context.counters
    let timed = recorder.shouldSample()
    let start = timed ? MonotonicClock.nanoseconds : 0
    do {
      try worker.handleMessage(envelope, state: &state, context: &context)
    } catch {
      counters.processed.addFromOwner()
      return _recover(from: error, index, &state, counters)
    }
    counters.processed.addFromOwner()
    if timed {
      let end = MonotonicClock.nanoseconds
      let delay: UInt64? =
        envelope.submittedAt != 0 && start > envelope.submittedAt
        ? start &- envelope.submittedAt : nil
      recorder.record(processing: end &- start, queueDelay: delay, into: counters)
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
