import SNAtomics
import SNChannels

/// The code a pool runs on each of its threads.
///
/// A worker value is shared by every thread of the pool (it is `Sendable`
/// and should be immutable: configuration only). Mutable data lives in
/// ``State``: the pool makes one per worker with ``makeState(workerIndex:)``
/// on that worker's own thread, passes it `inout` to the handlers, and hands
/// it back at shutdown. No other thread touches it in between, so it needs no
/// locks and need not be `Sendable`.
///
/// ```swift
/// struct WordCounter: Worker {
///   func makeState(workerIndex: Int) -> [String: Int] { [:] }
///   func handleMessage(
///     _ envelope: Envelope<String>, state: inout [String: Int],
///     context: inout WorkerContext<Self>
///   ) {
///     state[envelope.message, default: 0] += 1
///   }
/// }
/// ```
public protocol Worker: Sendable {
  /// The data one worker owns.
  associatedtype State
  /// What senders submit.
  associatedtype Message: Sendable
  /// What the worker emits into the pool's results channel; `Never` if it
  /// emits nothing.
  associatedtype Output: Sendable = Never

  /// Makes the state of worker `workerIndex`; called on that worker's
  /// thread at start, and again after a restart
  /// (``WorkerErrorPolicy/restartWorker``).
  ///
  /// - Parameter workerIndex: The worker, in `0..<workerCount`.
  /// - Returns: The fresh state.
  func makeState(workerIndex: Int) -> State

  /// Handles one message.
  ///
  /// - Parameters:
  ///   - envelope: The message and its routing metadata.
  ///   - state: This worker's state.
  ///   - context: The worker's identity, results channel and queue.
  /// - Throws: Anything; the pool's ``WorkerErrorPolicy`` decides what follows.
  func handleMessage(
    _ envelope: Envelope<Message>, state: inout State, context: inout WorkerContext<Self>
  ) throws

  /// Periodic and batch work: runs after each drained batch, when
  /// ``WorkerConfiguration/tickInterval`` passes without messages, and once
  /// more at shutdown (``WorkerContext/isShuttingDown`` is then `true`).
  ///
  /// A tick may take queued messages itself with
  /// ``WorkerContext/tryReceiveMessage()`` to process them as one batch.
  /// The default does nothing.
  ///
  /// - Parameters:
  ///   - state: This worker's state.
  ///   - context: The worker's identity, results channel and queue.
  /// - Throws: Anything; the pool's ``WorkerErrorPolicy`` decides what follows.
  func tick(state: inout State, context: inout WorkerContext<Self>) throws
}

extension Worker {
  /// Does nothing.
  ///
  /// - Parameters:
  ///   - state: Unused.
  ///   - context: Unused.
  @inlinable
  public func tick(state: inout State, context: inout WorkerContext<Self>) throws {}
}

/// A message with its routing metadata.
@frozen
public struct Envelope<Message: Sendable>: Sendable {
  /// The message.
  public var message: Message
  /// The stable hash of the key the message was routed by, or `nil` when it
  /// was sent to a worker directly or broadcast.
  public var keyHash: UInt64?
  /// When it was submitted (`MonotonicClock` nanoseconds), or 0 unless
  /// ``PoolConfiguration/recordsQueueDelay`` is on.
  public var submittedAt: UInt64

  /// Creates an envelope.
  ///
  /// - Parameters:
  ///   - message: The message.
  ///   - keyHash: The routing key's hash, if any.
  ///   - submittedAt: Submission time in `MonotonicClock` nanoseconds, or 0.
  @inlinable
  public init(_ message: Message, keyHash: UInt64? = nil, submittedAt: UInt64 = 0) {
    self.message = message
    self.keyHash = keyHash
    self.submittedAt = submittedAt
  }
}

/// What a worker's handlers can see and do besides their state: who they
/// are, emit results, and take more messages from their own queue.
///
/// Noncopyable: it owns the worker's queue receiver, and exists only on the
/// worker's thread.
public struct WorkerContext<W: Worker>: ~Copyable {
  /// This worker's index, in `0..<workerCount`.
  public let workerIndex: Int
  /// How many workers the pool has.
  public let workerCount: Int
  /// The CPU this worker is pinned to, or `nil` if it is not pinned.
  public let pinnedCPU: Int?
  /// Whether the pool is shutting down: `true` during the final tick.
  public var isShuttingDown: Bool { _isShuttingDown }
  @usableFromInline var _isShuttingDown = false

  @usableFromInline var inbox: MPSCReceiver<Envelope<W.Message>>
  /// The submitters' lanes into this worker (see ``Submitter``).
  @usableFromInline var lanes: [_Lane<W.Message>] = []
  /// The next lane a tick's ``tryReceiveMessage()`` looks at first.
  @usableFromInline var nextLane = 0
  @usableFromInline let results: MultiSender<W.Output>
  @usableFromInline let counters: _WorkerCounters
  /// Set once the queue reported closed (every message drained).
  @usableFromInline var inboxClosed = false
  /// The lane (an index into `lanes`) whose batch the run loop is handling
  /// in place, or -1: its first `openBatchTaken` items are moved out but not
  /// yet given back. A receive from a handler commits them first
  /// (``_commitOpenBatch()``), so the lane's later items reach it in order.
  @usableFromInline var openBatchLane = -1
  @usableFromInline var openBatchTaken = 0
  /// Whether the open batch is of that lane's direct side.
  @usableFromInline var openBatchDirect = false
  /// The run loop's batch from the shared queue (and whatever the idle
  /// re-check took): `batch[batchNext...]` are taken and counted as
  /// received, but not handled yet. A handler's own receives take from here
  /// first, so they see the messages after the one being handled, in order;
  /// the run loop then skips what they took.
  @usableFromInline var batch: [Envelope<W.Message>] = []
  @usableFromInline var batchNext = 0

  /// Empties the batch and returns what of it was not handled yet (the
  /// stop paths hand it back in the termination).
  @inlinable
  mutating func _takeUnhandledBatch() -> ArraySlice<Envelope<W.Message>> {
    defer {
      batch.removeAll()
      batchNext = 0
    }
    return batch[batchNext...]
  }
  /// This worker's side of the mesh, or `nil` if the pool has none.
  @usableFromInline var _mesh: _MeshStage<W.Message>? = nil {
    didSet { _meshRef = _mesh.map { Unmanaged.passUnretained($0) } }
  }
  /// `_mesh` without reference counting, for the per-message path.
  @usableFromInline var _meshRef: Unmanaged<_MeshStage<W.Message>>? = nil

  @usableFromInline
  init(
    workerIndex: Int, workerCount: Int, pinnedCPU: Int?,
    inbox: consuming MPSCReceiver<Envelope<W.Message>>, results: consuming MultiSender<W.Output>,
    counters: _WorkerCounters
  ) {
    self.workerIndex = workerIndex
    self.workerCount = workerCount
    self.pinnedCPU = pinnedCPU
    self.inbox = inbox
    self.results = results
    self.counters = counters
  }

  /// Takes the next queued message without waiting, for processing in a
  /// batch inside ``Worker/tick(state:context:)``.
  ///
  /// A message taken this way counts as received and processed: the
  /// worker has taken responsibility for it. Called from a handler, it
  /// returns the messages that follow the one being handled, in order: the
  /// rest of the run loop's batch first (which that loop then skips), then
  /// the shared queue, then the submitters' lanes in turn.
  ///
  /// - Returns: The oldest message of the first source that has one, or
  ///   `nil` if none is ready.
  @inlinable
  public mutating func tryReceiveMessage() -> Envelope<W.Message>? {
    if batchNext < batch.count {
      // Counted as received when the batch was taken; the run loop counts
      // it as processed with the rest of its batch.
      defer { batchNext += 1 }
      return batch[batchNext]
    }
    _commitOpenBatch()
    if !inboxClosed {
      do {
        if let envelope = try inbox.tryReceive() {
          counters.received.addFromOwner()
          counters.processed.addFromOwner()
          return envelope
        }
      } catch {
        inboxClosed = true
      }
    }
    var remaining = lanes.count
    while remaining > 0 {
      remaining -= 1
      if nextLane >= lanes.count { nextLane = 0 }
      let lane = lanes[nextLane]
      nextLane += 1
      // A closed, drained lane stays until the run loop removes it.
      if let envelope = lane.receiveOne() {
        counters.received.addFromOwner()
        counters.fromLanes.addFromOwner()
        counters.processed.addFromOwner()
        return envelope
      }
    }
    return nil
  }

  /// Takes up to `maxCount` queued messages without waiting, appending them
  /// to `buffer` in order (the rest of the run loop's batch, as for
  /// ``tryReceiveMessage()``, then the shared queue, then the submitters'
  /// lanes); they count as received and processed.
  ///
  /// - Parameters:
  ///   - buffer: Where the messages are appended.
  ///   - maxCount: The most to take.
  /// - Returns: How many were appended.
  @inlinable
  public mutating func tryReceiveMessages(
    into buffer: inout [Envelope<W.Message>], maxCount: Int
  ) -> Int {
    let fromBatch = min(max(maxCount, 0), batch.count - batchNext)
    if fromBatch > 0 {
      // Already counted: received when taken, processed with the batch.
      buffer += batch[batchNext..<batchNext + fromBatch]
      batchNext += fromBatch
      if fromBatch == maxCount { return fromBatch }
    }
    let count = _gather(into: &buffer, maxCount: maxCount - fromBatch)
    counters.processed.addFromOwner(UInt64(count))
    return fromBatch + count
  }

  /// Moves up to `maxCount` more messages into the run loop's `batch` (see
  /// ``_gather(into:maxCount:includingLanes:)``).
  @inlinable
  mutating func _fillBatch(maxCount: Int, includingLanes: Bool) -> Int {
    var taken: [Envelope<W.Message>] = []
    swap(&taken, &batch)  // no copy: `batch` is not referenced meanwhile
    defer { swap(&taken, &batch) }
    return _gather(into: &taken, maxCount: maxCount, includingLanes: includingLanes)
  }

  /// Moves up to `maxCount` messages from the shared queue and the lanes
  /// into `buffer` and counts them as received; drops lanes whose submitter
  /// is gone once they are drained.
  @inlinable
  mutating func _gather(
    into buffer: inout [Envelope<W.Message>], maxCount: Int, includingLanes: Bool = true
  ) -> Int {
    _commitOpenBatch()
    var count = 0
    if !inboxClosed {
      do {
        count = try inbox.tryReceive(into: &buffer, maxCount: maxCount)
      } catch {
        inboxClosed = true
      }
    }
    var fromLanes = 0
    var index = 0
    while includingLanes && index < lanes.count && count < maxCount {
      let lane = lanes[index]
      let taken = lane.receive(into: &buffer, maxCount: maxCount - count)
      fromLanes += taken
      count += taken
      if lane.isFinished {
        lanes.remove(at: index)  // closed and drained: its submitter is gone
      } else {
        index += 1
      }
    }
    if count > 0 {
      counters.received.addFromOwner(UInt64(count))
      if fromLanes > 0 { counters.fromLanes.addFromOwner(UInt64(fromLanes)) }
    }
    return count
  }

  /// Ends the run loop's in-place batch, if one is open: gives its lane the
  /// slots of the items already taken. The run loop sees `openBatchLane`
  /// reset and stops handling that batch; the lane's remaining items are
  /// received normally.
  @inlinable
  mutating func _commitOpenBatch() {
    guard openBatchLane >= 0 else { return }
    lanes[openBatchLane].commit(direct: openBatchDirect, openBatchTaken)
    openBatchLane = -1
  }

  /// Emits a result into the pool's results channel, waiting while it is
  /// full.
  ///
  /// Someone must read the results (``WorkerPool/takeAsyncResults()`` or
  /// ``WorkerPool/takeResults()``), or a full results channel stalls this
  /// worker.
  ///
  /// - Parameter output: The result.
  /// - Throws: `SendError` with `SNChannelError.closed` (holding `output`)
  ///   if the results receiver was dropped.
  @inlinable
  public func emit(_ output: consuming W.Output) throws(SendError<W.Output>) {
    try results.send(output)
    counters.emitted.addFromOwner()
  }

  /// Emits a result without waiting.
  ///
  /// - Parameter output: The result.
  /// - Throws: `SendError` with `SNChannelError.full` or
  ///   `SNChannelError.closed`, holding `output`.
  @inlinable
  public func tryEmit(_ output: consuming W.Output) throws(SendError<W.Output>) {
    try results.trySend(output)
    counters.emitted.addFromOwner()
  }
}
