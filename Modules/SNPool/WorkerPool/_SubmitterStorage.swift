import SNAtomics
import SNChannels
import Synchronization

/// What shutdown needs to know about one submitter: whether it is inside a
/// send. The word has a cache line to itself and only its submitter writes
/// it, so the two stores per send stay in that core's cache.
@usableFromInline
final class _SubmitterBusyStorage: @unchecked Sendable {
  @usableFromInline let busy: UnsafeMutablePointer<Atomic<Int>>
  let memory: UnsafeMutableRawPointer

  init() {
    memory = .allocate(byteCount: CacheLine.padding, alignment: CacheLine.padding)
    busy = memory.initializeMemory(as: Atomic<Int>.self, to: Atomic(0))
  }

  deinit {
    busy.deinitialize(count: 1)
    memory.deallocate()
  }
}

/// A submitter's raw memory, per worker: its two rows of lanes (keyed and
/// direct, see `_LaneStorage`), the lane kind it used last, the worker's
/// doorbell and the word a send watches to decide whether to ring it; and
/// the pool's intake words it reads (owned by the pool's `_IntakeStorage`,
/// which the submitter's pool reference keeps alive). Owned by one
/// ``Submitter``; freeing it drops the senders, which closes the lanes.
@usableFromInline
struct _SubmitterStorage<Message: Sendable>: ~Copyable {
  @usableFromInline let workerCount: Int
  /// Per worker, the keyed lane (message and key hash) and the direct lane
  /// (the bare message: direct sends, and keyed ones when the worker does
  /// not read key hashes). Their receiving ends belong to the workers.
  @usableFromInline let keyedRow: _LaneStorage<_LaneItem<Message>>
  @usableFromInline let directRow: _LaneStorage<Message>
  /// Per worker, the lane this submitter used last (`_LaneKind`). Sending
  /// by the other one first waits until the worker drained this one, so
  /// the worker sees one submitter's messages in the order sent.
  @usableFromInline let laneKinds: UnsafeMutablePointer<UInt8>
  /// Each worker's doorbell.
  @usableFromInline let doorbells: UnsafeMutablePointer<UnsafeEventCount>
  /// The word each send loads to decide whether to ring a worker's
  /// doorbell: its `state` word when the fence is asymmetric, else the
  /// pool's `alwaysCheck` word (the out-of-line path then fences and loads
  /// the real one). The fence mode costs the hot path nothing.
  @usableFromInline let doorbellWatches: UnsafeMutablePointer<UnsafeMutablePointer<Atomic<Int>>>
  /// The pool's intake word (non-zero once shutdown began).
  @usableFromInline let intakeClosed: UnsafeMutablePointer<Atomic<Int>>
  /// What a send loads to see whether intake is open: `intakeClosed` when
  /// the fence is asymmetric and no send is stamped, else the pool's
  /// `alwaysCheck` word, which sends every send through the out-of-line check.
  @usableFromInline let intakeWatch: UnsafeMutablePointer<Atomic<Int>>

  /// The senders of the keyed lanes, one per worker.
  @inlinable var lanes: UnsafeMutablePointer<SPSCSender<_LaneItem<Message>>> { keyedRow.senders }
  /// The senders of the direct lanes, one per worker.
  @inlinable var directLanes: UnsafeMutablePointer<SPSCSender<Message>> { directRow.senders }

  /// Makes a lane pair to each of `slots`, appending the worker's ends to
  /// `receivers`. The keyed lanes get `keyedCapacity` (1 when the worker
  /// does not read key hashes: they then carry nothing).
  ///
  /// - Throws: The channel error of the first lane that could not be made
  ///   (only memory can run out); the lanes made before are dropped.
  init(
    slots: [_WorkerSlot<Message>], capacity: Int, keyedCapacity: Int, strategy: WaitStrategy,
    intake: _IntakeStorage, stamps: Bool, receivers: inout [_Lane<Message>]
  ) throws(SNChannelError) {
    let count = slots.count
    workerCount = count
    var keyedRow = try _LaneStorage<_LaneItem<Message>>(
      count: count, capacity: { _ in keyedCapacity }, strategy: strategy)
    var directRow = try _LaneStorage<Message>(
      count: count, capacity: { _ in capacity }, strategy: strategy)
    keyedRow.handOffReceivers(pairedWith: &directRow) { keyed, direct in
      receivers.append(_Lane(keyed: keyed, direct: direct))
    }
    self.keyedRow = keyedRow
    self.directRow = directRow
    laneKinds = .allocate(capacity: count)
    laneKinds.initialize(repeating: _LaneKind.unused, count: count)
    doorbells = .allocate(capacity: count)
    _ = UnsafeMutableBufferPointer(start: doorbells, count: count)
      .initialize(from: slots.map(\.doorbell))
    let asymmetric = AsymmetricFence.process.isAsymmetric
    doorbellWatches = .allocate(capacity: count)
    _ = UnsafeMutableBufferPointer(start: doorbellWatches, count: count)
      .initialize(from: slots.map { asymmetric ? $0.doorbell.state : intake.alwaysCheck })
    intakeClosed = intake.closed
    intakeWatch = asymmetric && !stamps ? intake.closed : intake.alwaysCheck
  }

  deinit {
    laneKinds.deallocate()
    doorbells.deallocate()
    doorbellWatches.deallocate()
  }
}

/// The pool's intake words, on one cache line that nobody writes until
/// shutdown: `closed` (non-zero once shutdown began: what submitters check,
/// one relaxed load) and `alwaysCheck`, a constant that never reads 0 or
/// "nobody sleeps": where a submitter's checks point when the fence is not
/// asymmetric, so that they always take the out-of-line path, which has the
/// full fence.
@usableFromInline
final class _IntakeStorage: @unchecked Sendable {
  @usableFromInline let closed: UnsafeMutablePointer<Atomic<Int>>
  @usableFromInline let alwaysCheck: UnsafeMutablePointer<Atomic<Int>>
  let memory: UnsafeMutableRawPointer

  init() {
    memory = .allocate(byteCount: CacheLine.padding, alignment: CacheLine.padding)
    closed = memory.initializeMemory(as: Atomic<Int>.self, to: Atomic(0))
    alwaysCheck = (memory + MemoryLayout<Atomic<Int>>.stride).initializeMemory(
      as: Atomic<Int>.self, to: Atomic(.max))
  }

  deinit {
    closed.deinitialize(count: 2)  // and `alwaysCheck`, the next word
    memory.deallocate()
  }
}
