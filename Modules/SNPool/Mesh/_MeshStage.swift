import SNAtomics
import SNChannels
import SNPartition
import Synchronization

/// One worker's side of the mesh: a stage per destination (a fixed buffer
/// flushed as one batch), the local overflow behind a full lane, and the
/// queue of messages the worker sent to itself.
///
/// Only the owning worker thread touches it (it lives in that worker's
/// `WorkerContext`), so nothing here is atomic except the shared counters
/// of `_MeshStorage`, touched once per flush.
///
/// Invariant: a destination's overflow is non-empty only while its stage is
/// full, so the hot path checks one count.
@usableFromInline
final class _MeshStage<Message: Sendable>: @unchecked Sendable {
  @usableFromInline let lanes: _MeshStorage<Message>
  @usableFromInline let me: Int
  @usableFromInline let workerCount: Int
  @usableFromInline let stageCapacity: Int
  @usableFromInline let maxBacklog: Int
  /// The stages' slots and counts, one stage per destination.
  @usableFromInline let storage: _LaneStageStorage<Message>
  /// Messages held back per destination while its lane and stage are full.
  @exclusivity(unchecked) @usableFromInline var overflow: [[Message]]
  /// Where each overflow's unsent messages begin (taken from the front
  /// without shifting; compacted when half is taken).
  @exclusivity(unchecked) @usableFromInline var overflowHead: [Int]
  /// Messages for this worker itself: handled by the run loop after the
  /// current batch, without a lane.
  @exclusivity(unchecked) @usableFromInline var selfQueue: [Message] = []
  /// The self-queue's other buffer (empty, capacity kept): the run loop
  /// swaps the two instead of allocating a queue per round.
  @exclusivity(unchecked) @usableFromInline var spareSelfQueue: [Message] = []
  /// Staged plus held-back messages, over every destination.
  @exclusivity(unchecked) @usableFromInline var unsent = 0
  /// Lane messages handled whose completion is not yet reported to `inflight`.
  @exclusivity(unchecked) @usableFromInline var owed = 0
  /// Set once this worker counted itself out of `active`.
  @exclusivity(unchecked) @usableFromInline var isPassive = false
  /// Set for the final tick and after a stop: sends fail with `.shutDown`.
  @exclusivity(unchecked) @usableFromInline var isClosed = false
  @usableFromInline let doorbells: [UnsafeEventCount]
  @usableFromInline let fence: AsymmetricFence
  /// The pool's partitioner, for sends by key.
  @usableFromInline let partitioner: any Partitioner

  init(
    lanes: _MeshStorage<Message>, me: Int, doorbells: [UnsafeEventCount],
    fence: AsymmetricFence, partitioner: any Partitioner
  ) {
    self.lanes = lanes
    self.me = me
    workerCount = lanes.workerCount
    stageCapacity = lanes.configuration.stageCapacity
    maxBacklog = lanes.configuration.maxBacklog
    storage = _LaneStageStorage(laneCount: workerCount, stageCapacity: stageCapacity)
    overflow = Array(repeating: [], count: workerCount)
    overflowHead = Array(repeating: 0, count: workerCount)
    self.doorbells = doorbells
    self.fence = fence
    self.partitioner = partitioner
  }

  /// Stages `message` for `destination` (the hot path: one store, one
  /// count); flushes the stage when it fills.
  @inlinable @inline(__always)
  func send(_ message: consuming Message, to destination: Int) throws(SubmitError<Message>) {
    if _slowPath(isClosed || destination == me) {
      try sendRare(message, to: destination)
      return
    }
    let count = storage.count(destination)
    if _fastPath(count < stageCapacity) {
      storage.stage(message, lane: destination, count: count)
      unsent &+= 1
      if count &+ 1 == stageCapacity { flush(destination) }
      return
    }
    try sendBehindFullStage(message, to: destination)
  }

  /// The hot path alone: stages `message` if it goes to a peer whose stage
  /// has room; `false` leaves everything else to ``send(_:to:)``.
  @inlinable @inline(__always)
  func tryStage(_ message: Message, to destination: Int) -> Bool {
    let count = storage.count(destination)
    guard _fastPath(!isClosed && destination != me && count < stageCapacity) else { return false }
    storage.stage(message, lane: destination, count: count)
    unsent &+= 1
    if count &+ 1 == stageCapacity { flush(destination) }
    return true
  }

  @inlinable
  func sendRare(_ message: consuming Message, to destination: Int) throws(SubmitError<Message>) {
    if isClosed {
      throw SubmitError(reason: .shutDown, workerIndex: destination, message: message)
    }
    selfQueue.append(message)
  }

  /// The stage is full: flush, then stage or hold back.
  @inlinable
  func sendBehindFullStage(
    _ message: consuming Message, to destination: Int
  ) throws(SubmitError<Message>) {
    flush(destination)
    let count = storage.count(destination)
    if count < stageCapacity {
      storage.stage(message, lane: destination, count: count)
      unsent += 1
      return
    }
    guard held(destination) < maxBacklog else {
      throw SubmitError(reason: .queueFull, workerIndex: destination, message: message)
    }
    overflow[destination].append(message)
    unsent += 1
  }

  /// Publishes as much of `destination`'s stage (then its overflow) as its
  /// lane takes now; never waits.
  ///
  /// `inflight` is raised before the messages become visible to the
  /// receiver, which lowers it only after handling them, so it never
  /// counts a published message as gone.
  @inlinable
  func flush(_ destination: Int) {
    var published = 0
    while storage.count(destination) > 0 {
      let count = storage.count(destination)
      lanes.inflight.wrappingAdd(count, ordering: .sequentiallyConsistent)
      let sent = storage.publish(destination, into: lanes.sender(from: me, to: destination))
      if sent < count {
        lanes.inflight.wrappingSubtract(count - sent, ordering: .sequentiallyConsistent)
      }
      if sent == 0 { break }
      published += sent
      let waiting = held(destination)
      if waiting > 0 {
        let take = min(stageCapacity - (count - sent), waiting)
        let head = overflowHead[destination]
        storage.stage(contentsOf: overflow[destination][head..<head + take], lane: destination)
        takeFromOverflow(destination, take)
      }
      if sent < count { break }  // the lane is full
    }
    if published > 0 {
      unsent -= published
      // Wakes the destination if it sleeps: the fence orders the lane's
      // index store before the doorbell's load (see UnsafeEventCount).
      doorbells[destination].notify(fence)
    }
  }

  /// Messages held back for `destination`.
  @inlinable
  func held(_ destination: Int) -> Int {
    overflow[destination].count - overflowHead[destination]
  }

  /// Drops the first `count` held messages of `destination` (copied out).
  @inlinable
  func takeFromOverflow(_ destination: Int, _ count: Int) {
    let head = overflowHead[destination] + count
    if head == overflow[destination].count {
      overflow[destination].removeAll(keepingCapacity: true)
      overflowHead[destination] = 0
    } else if head >= 1024, head * 2 >= overflow[destination].count {
      overflow[destination].removeFirst(head)
      overflowHead[destination] = 0
    } else {
      overflowHead[destination] = head
    }
  }

  /// Flushes every destination that has staged messages.
  @inlinable
  func flushAll() {
    guard unsent > 0 else { return }
    for destination in 0..<workerCount where storage.count(destination) > 0 {
      flush(destination)
    }
  }

  /// Whether any destination's overflow holds messages (a lane was full).
  @inlinable
  var isBackpressured: Bool {
    guard unsent > 0 else { return false }
    for destination in 0..<workerCount where held(destination) > 0 { return true }
    return false
  }

  /// Every message not yet published (stages, overflow, self-queue), moved
  /// out; for an immediate stop.
  @usableFromInline
  func takeUnsent() -> [Message] {
    var rest = selfQueue
    selfQueue = []
    for destination in 0..<workerCount {
      storage.take(destination, into: &rest)
      rest += overflow[destination][overflowHead[destination]...]
      overflow[destination] = []
      overflowHead[destination] = 0
    }
    unsent = 0
    return rest
  }
}
