import SNAtomics
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

// The run loop's mesh steps. Each worker, each round: handle what its
// inbound lanes hold (at most one batch per lane), then what it sent
// itself, tick, and flush its stages; when idle, flush again and report
// handled lane messages as done.
//
// Why flooding cannot deadlock. No worker ever waits for room in a peer's
// lane: a flush publishes what fits and leaves the rest staged (or in the
// bounded overflow behind the stage), and the worker goes on with its
// round, which always starts by draining its own inbound lanes. So every
// worker that has messages queued for it keeps taking them, each taken
// batch frees room in its senders' lanes, and every staged message is
// retried on every round of its sender. A worker parks only when its
// stages and overflow are empty and its inbound lanes are empty (checked
// again after it counts itself in as a sleeper, as for every other source);
// a flush rings the destination's doorbell after publishing. A worker with
// unsent messages never parks: it spins, then yields (and, after a round
// that still leaves a lane full, pauses a bounded while before the next
// round, which begins with its own inbound lanes again). So at any moment some
// worker can make progress on any queued message, whatever the lane
// capacity (down to 1), and the only unbounded wait is a full overflow,
// which a send reports with `PoolError.queueFull` instead of waiting.
//
// Why graceful shutdown loses nothing. Two shared counters, touched once
// per batch, never per message: `active`, the workers that may still
// create messages from outside input (initially all), and `inflight`, the
// messages published to a lane and not yet completely handled. A flush
// raises `inflight` before it publishes; a receiver lowers it by the lane
// messages it handled only once everything those handlers (and the ticks
// after them) sent is published too, so `inflight` covers a message and,
// without a gap, whatever it causes. A worker becomes passive (lowers
// `active` once) when its shared queue is closed and drained, its
// submitter lanes are drained, and it has nothing staged; after that it
// only handles mesh messages. A passive worker exits once it reads
// `active == 0` and then `inflight == 0`: `active` never rises again, so
// from then on messages can only come from handling a message counted in
// `inflight`, and `inflight == 0` means there is none left, anywhere
// (lanes, stages, overflows, self-queues). All of these operations are
// sequentially consistent: one total order for both counters. An
// immediate stop instead hands back what is staged (each worker) and what
// is in the lanes (drained after every worker thread was joined).
extension WorkerPool {
  /// Builds worker `index`'s side of the mesh, or `nil` without a mesh.
  @usableFromInline
  func _makeMeshStage(_ index: Int) -> _MeshStage<W.Message>? {
    guard let mesh else { return nil }
    return _MeshStage<W.Message>(
      lanes: mesh, me: index, doorbells: slots.map(\.doorbell), fence: slots[index].fence,
      partitioner: partitioner)
  }

  /// Handles up to one batch from each inbound lane, then the messages the
  /// worker sent itself.
  ///
  /// - Returns: How many messages were handled, or `nil` if a handler's
  ///   failure stops the pool.
  @inlinable
  func _pumpMesh(
    _ index: Int, _ state: inout W.State, _ context: inout WorkerContext<W>,
    _ recorder: inout _LatencyRecorder, batchSize: Int
  ) -> Int? {
    guard let mesh = context._mesh else { return 0 }
    var fromLanes = 0
    var failed = false
    for source in 0..<mesh.workerCount where source != index {
      let (taken, stops) = _drainIntakeLane(
        _MeshIntakeLane(mesh.lanes, from: source, to: index), openBatchLane: -1, direct: false,
        batchSize: batchSize, &recorder, &state, &context)
      fromLanes += taken
      if stops {
        failed = true
        break
      }
    }
    mesh.owed += fromLanes
    var local = 0
    if !failed && !mesh.selfQueue.isEmpty {
      // Sends to itself made while these are handled go to the spare
      // buffer, handled next round; the two swap, so no round allocates.
      var queue: [W.Message] = []
      swap(&queue, &mesh.selfQueue)
      swap(&mesh.selfQueue, &mesh.spareSelfQueue)
      for message in queue {
        local += 1
        if !_handle(Envelope(message), index, &state, &context, &recorder) {
          failed = true
          remains[index].unprocessed += queue[local...].map { Envelope($0) }
          break
        }
      }
      queue.removeAll(keepingCapacity: true)
      mesh.spareSelfQueue = queue
    }
    let handled = fromLanes + local
    if handled > 0 {
      let counters = context.counters
      counters.received.addFromOwner(UInt64(handled))
      counters.fromLanes.addFromOwner(UInt64(handled))
      counters.processed.addFromOwner(UInt64(handled))
    }
    return failed ? nil : handled
  }

  /// Flushes the stages and, if nothing is left to publish, reports the
  /// handled lane messages as done.
  ///
  /// - Returns: `true` if messages still wait to be published or handled
  ///   (the worker must not park).
  @inlinable
  func _settleMesh(_ context: inout WorkerContext<W>) -> Bool {
    guard let mesh = context._mesh else { return false }
    mesh.flushAll()
    if mesh.unsent > 0 || !mesh.selfQueue.isEmpty { return true }
    if mesh.owed > 0 {
      mesh.lanes.inflight.wrappingSubtract(mesh.owed, ordering: .sequentiallyConsistent)
      mesh.owed = 0
    }
    return false
  }

  /// At shutdown, once the worker's own input is drained: becomes passive
  /// and says whether the whole mesh is empty (the worker may exit).
  @inlinable
  func _isMeshQuiescent(_ context: inout WorkerContext<W>) -> Bool {
    guard let mesh = context._mesh else { return true }
    if _settleMesh(&context) { return false }
    if !mesh.isPassive {
      mesh.isPassive = true
      mesh.lanes.active.wrappingSubtract(1, ordering: .sequentiallyConsistent)
    }
    if mesh.lanes.hasInbound(to: mesh.me) { return false }
    return mesh.lanes.active.load(ordering: .sequentiallyConsistent) == 0
      && mesh.lanes.inflight.load(ordering: .sequentiallyConsistent) == 0
  }

  /// Waits for a peer: spins, yields, then (with a parking idle strategy)
  /// sleeps 50 µs at a time. Only while this worker waits on its peers (a
  /// full lane, or the end of a shutdown), never while it has input: a
  /// peer that is off its CPU should get one rather than watch this worker
  /// spin.
  @inlinable
  func _meshWait(_ backoff: inout Backoff) {
    if backoff.shouldPark {
      usleep(50)
    } else {
      backoff.snooze()
    }
  }

  /// Whether a lane into the worker holds a message (the park check).
  @inlinable
  func _meshHasInbound(_ context: borrowing WorkerContext<W>) -> Bool {
    guard let mesh = context._mesh else { return false }
    return mesh.lanes.hasInbound(to: mesh.me)
  }

  /// An immediate stop: no more sends; what this worker had not published
  /// goes back to the caller.
  @inlinable
  func _stopMesh(_ index: Int, _ context: inout WorkerContext<W>) {
    guard let mesh = context._mesh else { return }
    mesh.isClosed = true
    remains[index].unprocessed += mesh.takeUnsent().map { Envelope($0) }
  }

  /// After every worker thread was joined: what the lanes still hold (only
  /// after an immediate stop) joins the unprocessed messages.
  func _collectMeshLeftovers() {
    guard let mesh, !remains.isEmpty else { return }
    remains[0].unprocessed += mesh.drainAfterJoin().map { Envelope($0) }
  }
}
