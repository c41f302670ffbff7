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

/// A producer's own way into a pool: its own single-producer lanes (SPSC
/// channels) to each worker, for one thread that submits a lot.
///
/// <!-- snippet: setup
/// struct Book: Worker {
///   func makeState(workerIndex: Int) -> Int { 0 }
///   func handleMessage(_ envelope: Envelope<Order>, state: inout Int, context: inout WorkerContext<Self>) {
///     state += envelope.message.amount
///   }
/// }
/// let pool = try WorkerPool(worker: Book(), configuration: PoolConfiguration())
/// let events = [Order(), Order()]
/// -->
/// ```swift
/// let producer = OSThread.spawn(taking: try pool.makeSubmitter()) { submitter in
///   for event in events { try! submitter.send(event, key: event.account) }
/// }  // the thread drops the submitter when done, which closes its lanes
/// ```
///
/// `WorkerPool.send(_:key:)` works from any thread because every sender
/// shares a worker's queue, which costs a compare-and-swap per message and
/// a shared cache line between producers. A submitter's lanes have a single
/// producer, so a send is a few plain loads and stores: use one per
/// producer thread on hot paths. Routing, backpressure
/// (``PoolConfiguration/backpressure``), statistics and shutdown behave as
/// for `WorkerPool.send(_:key:)`: a message sent after shutdown began
/// comes back in a ``SubmitError`` with ``PoolError/shutDown``, and graceful
/// shutdown processes every message a submitter had sent.
///
/// Messages of one submitter to one worker are handled in the order sent;
/// there is no order between different submitters, or between a submitter
/// and `WorkerPool.send(_:key:)`.
///
/// Every send carries the bare message on one lane per worker, unless the
/// worker reads key hashes (``Worker/receivesKeyHash``). Then each worker
/// gets two lanes from a submitter: keyed sends carry the key's hash with
/// the message (``Envelope/keyHash``), ``send(_:toWorker:)`` carries the
/// bare message, half the bytes for a small message. To keep the order, a
/// submitter that switches a worker from one kind of send to the other
/// first waits until that worker has taken what the other lane holds (with
/// a fail-fast policy or ``trySend(_:key:)`` it gets ``PoolError/queueFull``
/// instead): mix the two kinds per worker in runs, not message by message.
///
/// Noncopyable and `Sendable`: move it to the thread that uses it. Each
/// worker polls every lane, so keep submitters few (about one per
/// producer thread) and drop the ones you no longer need.
public struct Submitter<W: Worker>: ~Copyable, @unchecked Sendable {
  @usableFromInline let pool: WorkerPool<W>
  @usableFromInline let router: any Partitioner
  /// The router when it is a `HashPartitioner` (the default), called
  /// directly instead of through the existential.
  @usableFromInline let hashRouter: HashPartitioner?
  @usableFromInline let hasher: KeyHasher
  /// The lanes, lane kinds, doorbells and intake words (see
  /// `_SubmitterStorage`); freeing it closes the lanes.
  @usableFromInline let storage: _SubmitterStorage<W.Message>
  @usableFromInline let workerCount: Int
  /// The word shutdown watches while this submitter is inside a send.
  @usableFromInline let record: _SubmitterBusyStorage
  @usableFromInline let fence: AsymmetricFence
  @usableFromInline let backpressure: BackpressurePolicy.Kind
  @usableFromInline let recordsQueueDelay: Bool

  init(
    pool: WorkerPool<W>, storage: consuming _SubmitterStorage<W.Message>,
    record: _SubmitterBusyStorage
  ) {
    self.pool = pool
    router = pool.partitioner
    hashRouter = pool.partitioner as? HashPartitioner
    hasher = pool.partitioner.keyHasher
    workerCount = pool.slots.count
    self.storage = storage
    self.record = record
    fence = AsymmetricFence.process
    backpressure = pool.backpressure
    recordsQueueDelay = pool.recordsQueueDelay
  }

  deinit {
    // `storage` goes after this: dropping its senders closes the lanes, and
    // each worker drains what is queued and then forgets the lane.
    pool.removeSubmitter(record)
  }

  /// Submits `message` to the worker that owns `key`, following the pool's
  /// backpressure policy when that worker's lane is full.
  ///
  /// - Parameters:
  ///   - message: The message.
  ///   - key: The routing key, hashed stably (same key, same worker, every run).
  /// - Throws: ``SubmitError`` holding `message`: ``PoolError/queueFull``,
  ///   ``PoolError/timedOut`` or ``PoolError/shutDown``.
  /// - Complexity: O(1) plus the key's hash; no read-modify-write
  ///   instruction unless the lane is full.
  @inlinable @inline(__always)
  public mutating func send<Key: StableHashable>(
    _ message: W.Message, key: Key
  ) throws(SubmitError<W.Message>) {
    guard W.receivesKeyHash else {
      // The hash only routes: none with one worker, and the message takes
      // the bare lane.
      let index = workerCount == 1 ? 0 : _route(hasher.hash(key))
      try _sendDirect(message, to: index, mayWait: true)
      return
    }
    try send(message, keyHash: hasher.hash(key))
  }

  /// Submits `message` by a precomputed key hash (`Partitioner.keyHasher`).
  ///
  /// - Parameters:
  ///   - message: The message.
  ///   - keyHash: The key's stable hash.
  /// - Throws: ``SubmitError`` holding `message`.
  @inlinable @inline(__always)
  public mutating func send(_ message: W.Message, keyHash: UInt64) throws(SubmitError<W.Message>) {
    let index = _route(keyHash)
    guard W.receivesKeyHash else {
      try _sendDirect(message, to: index, mayWait: true)
      return
    }
    guard keyHash != _LaneItem<W.Message>.noKey else {
      try _sendRare(message, keyHash: keyHash, to: index, policy: backpressure)
      return
    }
    try _send(_LaneItem(message, keyHash: keyHash), to: index, mayWait: true)
  }

  /// Submits `message` to one worker, bypassing the partitioner.
  ///
  /// - Parameters:
  ///   - message: The message.
  ///   - workerIndex: The worker, in `0..<workerCount`.
  /// - Throws: ``SubmitError`` holding `message`.
  @inlinable @inline(__always)
  public mutating func send(
    _ message: W.Message, toWorker workerIndex: Int
  ) throws(SubmitError<W.Message>) {
    precondition(
      workerIndex >= 0 && workerIndex < workerCount, "worker \(workerIndex) out of range")
    try _sendDirect(message, to: workerIndex, mayWait: true)
  }

  /// Submits `message` to the worker that owns `key` without waiting,
  /// whatever the configured policy.
  ///
  /// - Parameters:
  ///   - message: The message.
  ///   - key: The routing key.
  /// - Throws: ``SubmitError`` holding `message`: ``PoolError/queueFull`` or
  ///   ``PoolError/shutDown``.
  @inlinable
  public mutating func trySend<Key: StableHashable>(
    _ message: W.Message, key: Key
  ) throws(SubmitError<W.Message>) {
    guard W.receivesKeyHash else {
      let index = workerCount == 1 ? 0 : _route(hasher.hash(key))
      try _sendDirect(message, to: index, mayWait: false)
      return
    }
    let keyHash = hasher.hash(key)
    let index = _route(keyHash)
    guard keyHash != _LaneItem<W.Message>.noKey else {
      try _sendRare(message, keyHash: keyHash, to: index, policy: .failFast)
      return
    }
    try _send(_LaneItem(message, keyHash: keyHash), to: index, mayWait: false)
  }

  /// The worker for `keyHash`.
  @inlinable @inline(__always)
  func _route(_ keyHash: UInt64) -> Int {
    if let hashRouter { return hashRouter.worker(forKeyHash: keyHash) }
    return router.worker(forKeyHash: keyHash)
  }

  /// The intake protocol, a Dekker pair with shutdown over an asymmetric
  /// fence: the submitter stores "busy", then loads "closed"; shutdown
  /// stores "closed", runs the heavy fence, then waits until every
  /// submitter's "busy" is 0. Either shutdown sees this send in flight and
  /// waits for its push, or this send sees "closed" and hands the message
  /// back; no push can land after the workers' final drain. The releasing
  /// store of 0 publishes the push to the shutdown thread that reads it.
  ///
  /// The hot path tests one word, `intakeWatch`, and the worker's lane
  /// kind; everything unusual (intake closed, no asymmetric fence,
  /// submission times to stamp, a switch of lanes) is sorted out in
  /// ``_admit(_:keyHash:to:kind:mayWait:)``.
  @inlinable @inline(__always)
  mutating func _send(
    _ item: _LaneItem<W.Message>, to index: Int, mayWait: Bool
  ) throws(SubmitError<W.Message>) {
    guard try _enter(item.message, keyHash: item.keyHash, to: index, kind: _LaneKind.keyed, mayWait)
    else { return }
    // The worker never sleeps on a lane (it polls its lanes and sleeps on
    // its doorbell), so the lane's own check for a sleeping receiver is
    // skipped: the doorbell check in `_leave` is the one that matters.
    if let back = storage.lanes[index].offerToPollingReceiver(item) {
      try _sendSlow(back, to: index, mayWait: mayWait)
      return
    }
    _leave(ringing: index)
  }

  /// ``_send(_:to:mayWait:)`` through the direct lane: the bare message.
  @inlinable @inline(__always)
  mutating func _sendDirect(
    _ message: W.Message, to index: Int, mayWait: Bool
  ) throws(SubmitError<W.Message>) {
    guard try _enter(message, keyHash: nil, to: index, kind: _LaneKind.direct, mayWait) else {
      return
    }
    if let back = storage.directLanes[index].offerToPollingReceiver(message) {
      try _sendSlowDirect(back, to: index, mayWait: mayWait)
      return
    }
    _leave(ringing: index)
  }

  /// Enters the intake protocol (`busy` is 1 after it): `true` if the
  /// caller should push to the lane of `kind` now, `false` if the message
  /// was sent another way.
  @inlinable @inline(__always)
  mutating func _enter(
    _ message: W.Message, keyHash: UInt64?, to index: Int, kind: UInt8, _ mayWait: Bool
  ) throws(SubmitError<W.Message>) -> Bool {
    let busy = record.busy
    busy.pointee.store(1, ordering: .relaxed)
    // Orders just these two accesses (the lane's fields stay in registers).
    AsymmetricFence.compilerOrder(orderingStoreTo: busy, beforeLoadFrom: storage.intakeWatch)
    if storage.intakeWatch.pointee.load(ordering: .relaxed) != 0 || storage.laneKinds[index] != kind
    {
      return try _admit(message, keyHash: keyHash, to: index, kind: kind, mayWait: mayWait)
    }
    return true
  }

  /// Leaves the intake protocol after a push and rings the worker's
  /// doorbell if it sleeps.
  @inlinable @inline(__always)
  func _leave(ringing index: Int) {
    let busy = record.busy
    busy.pointee.store(0, ordering: .releasing)
    // The lane's tail store comes before the releasing store of `busy`, so
    // ordering that store before the doorbell's load is enough: a fence on
    // two locations, after which nothing else is reloaded.
    _ringDoorbell(index, afterStoreTo: busy)
  }

  /// ``UnsafeEventCount/notify(_:count:)`` with one pointer loaded instead
  /// of the whole event count: a compiler barrier and one load unless the
  /// worker sleeps.
  @inlinable @inline(__always)
  func _ringDoorbell(_ index: Int) {
    AsymmetricFence.compilerBarrier()
    _checkDoorbell(storage.doorbellWatches[index], index)
  }

  /// ``_ringDoorbell(_:)`` after a store to `stored` that follows the push:
  /// the compiler orders only that store and the doorbell's load.
  @inlinable @inline(__always)
  func _ringDoorbell(_ index: Int, afterStoreTo stored: UnsafeRawPointer) {
    let watch = storage.doorbellWatches[index]
    AsymmetricFence.compilerOrder(orderingStoreTo: stored, beforeLoadFrom: watch)
    _checkDoorbell(watch, index)
  }

  @inlinable @inline(__always)
  func _checkDoorbell(_ watch: UnsafeMutablePointer<Atomic<Int>>, _ index: Int) {
    if watch.pointee.load(ordering: .relaxed) >= UnsafeEventCount.waiterUnit {
      _wakeWorker(index)
    }
  }

}
