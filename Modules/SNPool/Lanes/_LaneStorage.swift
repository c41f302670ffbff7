import SNAtomics
import SNChannels

// The pool's one lane type: an SPSC ring from one sending thread to one
// worker, optionally with a stage in front of it (a fixed buffer per lane,
// published as one batch). Every lane the pool makes is made and freed here,
// and the raw pointers to the lanes' ends and stages live only in the two
// storage types below (STYLE.md §8).
//
// What each path did before (issue 14, point 5), each with its own code:
//
// - External submitters (`Submitter`, `_SubmitterStorage`): per worker, a
//   keyed SPSC lane (message and key hash) and a direct one (the bare
//   message), made one by one, their senders in two raw arrays. No stage: a
//   send publishes its one message at once (`offerToPollingReceiver`),
//   because the public `Submitter` has no flush point: a message must be in
//   its worker's reach when `send` returns. The receiving ends travel to the
//   worker (`_Lane`, registered through `_WorkerSlot.addLane`).
// - The worker mesh (`_MeshStorage`, `_MeshStage`): an N×N matrix of SPSC
//   lanes, senders and receivers in two raw arrays; each worker stages per
//   destination (`_MeshStageStorage`: N×stageCapacity raw slots and N
//   counts) and flushes a stage as one batch when it fills and at the end of
//   a round, shifting what the lane did not take to the stage's front and
//   refilling it from a bounded overflow.
// - The shared queue (`_WorkerSlot`): one MPSC channel per worker
//   (`MultiSender` → `MPSCReceiver`), entered through a gate word. It has
//   many producers by nature (`WorkerPool.send` from any thread, with no
//   per-thread registration), so it is not an SPSC lane and stays its own
//   kind; the worker polls it first in each round (`_drainSharedQueue`).
//
// Now the submitter's and the mesh's lanes are rows of `_LaneStorage`, and
// the mesh's stages are `_LaneStageStorage` (stage, refill, the batched
// flush `publish`, take), the mesh adding its shutdown accounting and
// overflow around them. A worker reads both kinds of lane through one
// intake (`_Intake.swift`). The shared queue is not read through it: its
// batch is moved into the context (`WorkerContext.batch`) so that a
// handler's own receives get the rest of it in order, so its reader needs
// the context itself, which the intake's handler already holds.

/// A row of the pool's lanes: `count` SPSC lanes, made together, whose
/// sending ends and (until handed off) receiving ends it owns. Freeing it
/// drops the ends it holds: dropping a sender closes its lane.
///
/// Used by one ``Submitter`` (a row per lane kind, whose receiving ends go
/// to the workers) and by the mesh (one row of `N × N`, both ends kept).
@frozen @usableFromInline
struct _LaneStorage<Element: Sendable>: ~Copyable {
  /// The lanes' sending ends, `count` of them.
  @usableFromInline let senders: UnsafeMutablePointer<SPSCSender<Element>>
  /// The lanes' receiving ends: `receiverCount` of them (`count`, or 0 once
  /// handed off).
  @usableFromInline let receivers: UnsafeMutablePointer<SPSCReceiver<Element>>
  @usableFromInline let count: Int
  @usableFromInline var receiverCount: Int

  /// Makes `count` lanes, lane `index` with room for `capacity(index)`.
  ///
  /// - Throws: The channel error of the first lane that could not be made
  ///   (only memory can run out); the lanes made before are dropped.
  init(
    count: Int, capacity: (Int) -> Int, strategy: WaitStrategy = .default
  ) throws(SNChannelError) {
    let senders = UnsafeMutablePointer<SPSCSender<Element>>.allocate(capacity: count)
    let receivers = UnsafeMutablePointer<SPSCReceiver<Element>>.allocate(capacity: count)
    for index in 0..<count {
      let channel: SPSCChannel<Element>
      do throws(SNChannelError) {
        channel = try SNChannel<Element>.spsc(capacity: capacity(index), waitStrategy: strategy)
      } catch {
        senders.deinitialize(count: index)
        senders.deallocate()
        receivers.deinitialize(count: index)
        receivers.deallocate()
        throw error
      }
      let sender = channel.sender
      let receiver = channel.receiver
      (senders + index).initialize(to: consume sender)
      (receivers + index).initialize(to: consume receiver)
    }
    self.senders = senders
    self.receivers = receivers
    self.count = count
    receiverCount = count
  }

  @inlinable
  deinit {
    senders.deinitialize(count: count)
    senders.deallocate()
    receivers.deinitialize(count: receiverCount)
    receivers.deallocate()
  }

  /// Hands the receiving ends of this row and of `other` (of the same
  /// length) to `body`, lane by lane; neither row holds receivers after.
  mutating func handOffReceivers<Other: Sendable>(
    pairedWith other: inout _LaneStorage<Other>,
    _ body: (consuming SPSCReceiver<Element>, consuming SPSCReceiver<Other>) -> Void
  ) {
    precondition(receiverCount == count && other.receiverCount == count, "receivers handed off")
    receiverCount = 0
    other.receiverCount = 0
    for index in 0..<count {
      body((receivers + index).move(), (other.receivers + index).move())
    }
  }
}

/// The stages in front of a row of lanes: `laneCount × stageCapacity`
/// element slots, lane `l` using `l * stageCapacity ..< l * stageCapacity +
/// counts[l]`, and the counts. Owned by one sending thread; freeing it drops
/// the staged elements.
@frozen @usableFromInline
struct _LaneStageStorage<Element: Sendable>: ~Copyable {
  @usableFromInline let slots: UnsafeMutablePointer<Element>
  @usableFromInline let counts: UnsafeMutablePointer<Int>
  @usableFromInline let laneCount: Int
  @usableFromInline let stageCapacity: Int

  init(laneCount: Int, stageCapacity: Int) {
    self.laneCount = laneCount
    self.stageCapacity = stageCapacity
    slots = .allocate(capacity: laneCount * stageCapacity)
    counts = .allocate(capacity: laneCount)
    counts.initialize(repeating: 0, count: laneCount)
  }

  @inlinable
  deinit {
    for lane in 0..<laneCount {
      (slots + lane * stageCapacity).deinitialize(count: counts[lane])
    }
    counts.deallocate()
    slots.deallocate()
  }

  /// How many elements `lane`'s stage holds.
  @inlinable @inline(__always)
  func count(_ lane: Int) -> Int { counts[lane] }

  /// Appends `element` to `lane`'s stage, which holds `count` elements and
  /// has room for one more.
  @inlinable @inline(__always)
  func stage(_ element: consuming Element, lane: Int, count: Int) {
    (slots + lane * stageCapacity + count).initialize(to: element)
    counts[lane] = count &+ 1
  }

  /// Appends copies of `elements` to `lane`'s stage, which has room for them.
  @inlinable
  func stage(contentsOf elements: ArraySlice<Element>, lane: Int) {
    let count = counts[lane]
    let base = slots + lane * stageCapacity + count
    elements.withUnsafeBufferPointer { elements in
      for index in elements.indices { (base + index).initialize(to: elements[index]) }
    }
    counts[lane] = count + elements.count
  }

  /// Moves `lane`'s staged elements out, in order, to the end of `rest`.
  func take(_ lane: Int, into rest: inout [Element]) {
    let base = slots + lane * stageCapacity
    for index in 0..<counts[lane] { rest.append((base + index).move()) }
    counts[lane] = 0
  }

  /// The batched flush: publishes as much of `lane`'s stage as `sender`'s
  /// ring takes now (a prefix, one index store for all of it), drops the
  /// published slots and moves the rest to the stage's front. Never waits.
  ///
  /// - Returns: How many were published.
  @inlinable
  func publish(_ lane: Int, into sender: UnsafeMutablePointer<SPSCSender<Element>>) -> Int {
    let base = slots + lane * stageCapacity
    let count = counts[lane]
    let sent: Int
    do {
      sent = try sender.pointee.trySend(
        contentsOf: UnsafeMutableBufferPointer(start: base, count: count))
    } catch {
      return 0  // a closed lane takes nothing; the stage keeps it all
    }
    guard sent > 0 else { return 0 }
    base.deinitialize(count: sent)
    base.moveInitialize(from: base + sent, count: count - sent)
    counts[lane] = count - sent
    return sent
  }
}
