import SNChannels

// The worker's intake: how a worker reads its inbound lanes. Every SPSC
// lane into a worker, a submitter's (`_Lane`, keyed and direct side) or a
// peer's in the mesh (`_MeshStorage`'s column of that worker), is read the
// same way: each round, a batch of at most `batchSize` from each lane in
// turn, moved out of the ring where it lies and handled one by one, the
// ring's head given back once per batch (`_IntakeLane`,
// `WorkerPool._drainIntakeLane`). The shared queue is many-producer by
// nature (an MPSC channel, see `_LaneStorage.swift`) and is read into the
// run loop's batch first (`_drainSharedQueue`).

/// What the intake's handler says after each message of a batch.
@usableFromInline
enum _IntakeStep {
  /// Go on with the batch.
  case next
  /// Stop: the batch ends with this message (a handler's failure).
  case stop
  /// Stop: a handler's own receive already gave the batch's slots back.
  case committed
}

/// One inbound lane as a worker's intake reads it: a batch at a time, in
/// place, the ring's head given back once per batch. Only the receiving
/// worker thread uses it.
@usableFromInline
protocol _IntakeLane {
  associatedtype Message: Sendable
  /// Hands up to `maxCount` messages, where they lie, to `body` (with how
  /// many of the batch are taken so far, this one included) until it says
  /// stop; then gives the taken messages' slots back, unless `body` said
  /// they were (`.committed`).
  ///
  /// - Returns: How many were taken.
  func drain(upTo maxCount: Int, _ body: (Envelope<Message>, Int) -> _IntakeStep) -> Int
}

/// One side (keyed or direct) of a submitter's lane into a worker.
@frozen @usableFromInline
struct _SubmitterIntakeLane<Message: Sendable>: _IntakeLane {
  @usableFromInline let lane: _Lane<Message>
  @usableFromInline let isDirect: Bool

  @inlinable @inline(__always)
  init(_ lane: _Lane<Message>, direct isDirect: Bool) {
    self.lane = lane
    self.isDirect = isDirect
  }

  @inlinable @inline(__always)
  func drain(upTo maxCount: Int, _ body: (Envelope<Message>, Int) -> _IntakeStep) -> Int {
    let limit = lane.readable(direct: isDirect, upTo: maxCount)
    var taken = 0
    while taken < limit {
      let envelope = lane.moveOut(direct: isDirect, at: taken)
      taken += 1
      switch body(envelope, taken) {
      case .next: continue
      case .stop: lane.commit(direct: isDirect, taken)
      case .committed: break
      }
      return taken
    }
    if taken > 0 { lane.commit(direct: isDirect, taken) }
    return taken
  }
}

/// The mesh lane from worker `from` into the worker that reads it.
@frozen @usableFromInline
struct _MeshIntakeLane<Message: Sendable>: _IntakeLane {
  @usableFromInline let mesh: _MeshStorage<Message>
  /// The lane's index in the mesh (`from * workerCount + to`).
  @usableFromInline let index: Int

  @inlinable @inline(__always)
  init(_ mesh: _MeshStorage<Message>, from: Int, to: Int) {
    self.mesh = mesh
    index = from * mesh.workerCount + to
  }

  @inlinable @inline(__always)
  func drain(upTo maxCount: Int, _ body: (Envelope<Message>, Int) -> _IntakeStep) -> Int {
    // One receiver access for the whole batch: its indices stay in
    // registers across the handlers. Mesh lanes close only when the pool is
    // freed, never while read; a handler's own receives never read them.
    do {
      return try mesh.receivers[index].tryReceive(maxCount: maxCount) { message in
        body(Envelope(message), 0) == .next
      }
    } catch {
      return 0
    }
  }
}

extension WorkerPool {
  /// The intake's one batch loop: handles up to `batchSize` messages of
  /// `lane` where they lie in its ring; the slots go back once per batch.
  ///
  /// A submitter lane's batch is registered as the context's open batch
  /// (`openBatchLane`, its index in `context.lanes`): a handler that
  /// receives more messages itself commits it first, which ends the batch
  /// here. Mesh lanes (`openBatchLane: -1`) are not read by a handler's own
  /// receives, so their batch is never committed from outside.
  ///
  /// - Returns: How many were taken (each one handled, or handed to a
  ///   handler's own receive), and whether a handler's failure stops the pool.
  @inlinable @inline(__always)
  func _drainIntakeLane<L: _IntakeLane>(
    _ lane: L, openBatchLane: Int, direct isDirect: Bool, batchSize: Int,
    _ recorder: inout _LatencyRecorder, _ state: inout W.State, _ context: inout WorkerContext<W>
  ) -> (taken: Int, failed: Bool) where L.Message == W.Message {
    let registers = openBatchLane >= 0
    if registers {
      context.openBatchLane = openBatchLane
      context.openBatchDirect = isDirect
    }
    let index = context.workerIndex
    var failed = false
    let taken = lane.drain(upTo: batchSize) { envelope, taken in
      if registers { context.openBatchTaken = taken }
      if !_handle(envelope, index, &state, &context, &recorder) { failed = true }
      // A handler that received more messages itself committed the batch.
      if registers && context.openBatchLane < 0 { return .committed }
      return failed ? .stop : .next
    }
    if registers { context.openBatchLane = -1 }
    return (taken, failed)
  }
}
