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
/// Each worker gets two lanes from a submitter: keyed sends carry the key's
/// hash with the message (``Envelope/keyHash``), ``send(_:toWorker:)``
/// carries the bare message, half the bytes for a small message. To keep
/// the order, a submitter that switches a worker from one kind of send to
/// the other first waits until that worker has taken what the other lane
/// holds (with a fail-fast policy or ``trySend(_:key:)`` it gets
/// ``PoolError/queueFull`` instead): mix the two kinds per worker in runs,
/// not message by message.
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
  /// Per worker, the keyed lane (message and key hash) and the direct lane
  /// (the bare message, for ``send(_:toWorker:)``).
  @usableFromInline let lanes: UnsafeMutablePointer<SPSCSender<_LaneItem<W.Message>>>
  @usableFromInline let directLanes: UnsafeMutablePointer<SPSCSender<W.Message>>
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
  @usableFromInline let workerCount: Int
  @usableFromInline let record: _SubmitterRecord
  /// The pool's intake word (non-zero once shutdown began).
  @usableFromInline let intakeClosed: UnsafeMutablePointer<Atomic<Int>>
  /// What a send loads to see whether intake is open: `intakeClosed` when
  /// the fence is asymmetric, else the pool's `alwaysCheck` word.
  @usableFromInline let intakeWatch: UnsafeMutablePointer<Atomic<Int>>
  @usableFromInline let fence: AsymmetricFence
  @usableFromInline let backpressure: BackpressurePolicy.Kind
  @usableFromInline let recordsQueueDelay: Bool

  init(
    pool: WorkerPool<W>, lanes: UnsafeMutablePointer<SPSCSender<_LaneItem<W.Message>>>,
    directLanes: UnsafeMutablePointer<SPSCSender<W.Message>>, record: _SubmitterRecord
  ) {
    self.pool = pool
    router = pool.partitioner
    hashRouter = pool.partitioner as? HashPartitioner
    hasher = pool.partitioner.keyHasher
    self.lanes = lanes
    self.directLanes = directLanes
    workerCount = pool.slots.count
    laneKinds = .allocate(capacity: workerCount)
    laneKinds.initialize(repeating: _LaneKind.unused, count: workerCount)
    doorbells = .allocate(capacity: workerCount)
    _ = UnsafeMutableBufferPointer(start: doorbells, count: workerCount)
      .initialize(from: pool.slots.map(\.doorbell))
    fence = AsymmetricFence.process
    let asymmetric = fence.isAsymmetric
    doorbellWatches = .allocate(capacity: workerCount)
    _ = UnsafeMutableBufferPointer(start: doorbellWatches, count: workerCount)
      .initialize(from: pool.slots.map { asymmetric ? $0.doorbell.state : pool.alwaysCheck })
    self.record = record
    intakeClosed = pool.intakeClosed
    // Anything but "asymmetric fence, no stamps" sends every send through
    // the out-of-line check.
    intakeWatch = asymmetric && !pool.recordsQueueDelay ? pool.intakeClosed : pool.alwaysCheck
    backpressure = pool.backpressure
    recordsQueueDelay = pool.recordsQueueDelay
  }

  deinit {
    // Dropping the senders closes the lanes: each worker drains what is
    // queued and then forgets the lane.
    lanes.deinitialize(count: workerCount)
    lanes.deallocate()
    directLanes.deinitialize(count: workerCount)
    directLanes.deallocate()
    laneKinds.deallocate()
    doorbells.deallocate()
    doorbellWatches.deallocate()
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
    if let back = lanes[index].offerToPollingReceiver(item) {
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
    if let back = directLanes[index].offerToPollingReceiver(message) {
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
    AsymmetricFence.compilerOrder(orderingStoreTo: busy, beforeLoadFrom: intakeWatch)
    if intakeWatch.pointee.load(ordering: .relaxed) != 0 || laneKinds[index] != kind {
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

  /// The out-of-line half of ``_enter(_:keyHash:to:kind:_:)``:
  /// `intakeWatch` was non-zero because shutdown began, or the fence is not
  /// asymmetric (the full fence is issued here, before the load that
  /// decides), or the pool stamps submission times (a lane message has no
  /// room for one: the message takes the worker's shared queue); or this
  /// submitter last used the worker's other lane.
  @inlinable @inline(never)
  mutating func _admit(
    _ message: W.Message, keyHash: UInt64?, to index: Int, kind: UInt8, mayWait: Bool
  ) throws(SubmitError<W.Message>) -> Bool {
    let busy = record.busy
    if !fence.isAsymmetric { fence.light() }
    if intakeClosed.pointee.load(ordering: .relaxed) != 0 {
      busy.pointee.store(0, ordering: .releasing)
      throw _reject(.shutDown, message, index)
    }
    let policy = mayWait ? backpressure : .failFast
    if recordsQueueDelay {
      busy.pointee.store(0, ordering: .releasing)
      try _sendRare(message, keyHash: keyHash, to: index, policy: policy)
      return false
    }
    if laneKinds[index] != kind {
      if laneKinds[index] != _LaneKind.unused {
        // Out of the protocol while waiting: shutdown must not wait for us.
        busy.pointee.store(0, ordering: .releasing)
        try _waitForLanesToDrain(index, message, policy: policy)
        busy.pointee.store(1, ordering: .relaxed)
        fence.light()
        if intakeClosed.pointee.load(ordering: .relaxed) != 0 {
          busy.pointee.store(0, ordering: .releasing)
          throw _reject(.shutDown, message, index)
        }
      }
      laneKinds[index] = kind
    }
    return true
  }

  /// ``UnsafeEventCount/notify(_:count:)`` with one pointer loaded instead
  /// of the whole event count: a compiler barrier and one load unless the
  /// worker sleeps.
  @inlinable @inline(__always)
  func _ringDoorbell(_ index: Int) {
    AsymmetricFence.compilerBarrier()
    _checkDoorbell(doorbellWatches[index], index)
  }

  /// ``_ringDoorbell(_:)`` after a store to `stored` that follows the push:
  /// the compiler orders only that store and the doorbell's load.
  @inlinable @inline(__always)
  func _ringDoorbell(_ index: Int, afterStoreTo stored: UnsafeRawPointer) {
    let watch = doorbellWatches[index]
    AsymmetricFence.compilerOrder(orderingStoreTo: stored, beforeLoadFrom: watch)
    _checkDoorbell(watch, index)
  }

  @inlinable @inline(__always)
  func _checkDoorbell(_ watch: UnsafeMutablePointer<Atomic<Int>>, _ index: Int) {
    if watch.pointee.load(ordering: .relaxed) >= UnsafeEventCount.waiterUnit {
      _wakeWorker(index)
    }
  }

  /// Wakes the worker if it sleeps. Without an asymmetric fence the hot
  /// check read `alwaysCheck`: the full fence and the real load happen here.
  @usableFromInline @inline(never)
  func _wakeWorker(_ index: Int) {
    let doorbell = doorbells[index]
    if !fence.isAsymmetric {
      fence.light()
      guard doorbell.state.pointee.load(ordering: .relaxed) >= UnsafeEventCount.waiterUnit else {
        return
      }
    }
    doorbell.wake(count: 1)
  }

  /// The keyed lane was full or closed (still inside the intake protocol).
  @inlinable @inline(never)
  mutating func _sendSlow(
    _ item: _LaneItem<W.Message>, to index: Int, mayWait: Bool
  ) throws(SubmitError<W.Message>) {
    try _sendWaiting(item, into: lanes + index, to: index, mayWait: mayWait) { $0.message }
  }

  /// The direct lane was full or closed (still inside the intake protocol).
  @inlinable @inline(never)
  mutating func _sendSlowDirect(
    _ message: W.Message, to index: Int, mayWait: Bool
  ) throws(SubmitError<W.Message>) {
    try _sendWaiting(message, into: directLanes + index, to: index, mayWait: mayWait) { $0 }
  }

  /// Sends `element` into `lane` following the backpressure policy (fail
  /// fast when `mayWait` is false), then leaves the intake protocol.
  @inlinable
  func _sendWaiting<Element>(
    _ element: Element, into lane: UnsafeMutablePointer<SPSCSender<Element>>, to index: Int,
    mayWait: Bool, message: (Element) -> W.Message
  ) throws(SubmitError<W.Message>) {
    let policy = mayWait ? backpressure : .failFast
    let busy = record.busy
    defer { busy.pointee.store(0, ordering: .releasing) }
    if lane.pointee.isClosed { throw _reject(.shutDown, message(element), index) }
    if case .failFast = policy { throw _reject(.queueFull, message(element), index) }
    do {
      switch policy {
      case .failFast: preconditionFailure("handled above")
      case .block: try lane.pointee.send(element)
      case .timeout(let duration): try lane.pointee.send(element, timeout: duration)
      }
    } catch {
      throw _reject(
        _WorkerSlot<W.Message>.reason(error.reason), message(error.element), index)
    }
    _ringDoorbell(index)
  }

  /// Waits, following `policy`, until the worker has taken everything this
  /// submitter queued in both lanes to worker `index`.
  @usableFromInline
  func _waitForLanesToDrain(
    _ index: Int, _ message: W.Message, policy: BackpressurePolicy.Kind
  ) throws(SubmitError<W.Message>) {
    var deadline: UInt64?
    if case .timeout(let duration) = policy {
      deadline = MonotonicClock.deadline(after: duration)
    }
    var backoff = Backoff(strategy: .lowCPU)
    while lanes[index].stats.depth > 0 || directLanes[index].stats.depth > 0 {
      if lanes[index].isClosed || directLanes[index].isClosed
        || intakeClosed.pointee.load(ordering: .relaxed) != 0
      {
        throw _reject(.shutDown, message, index)
      }
      if case .failFast = policy { throw _reject(.queueFull, message, index) }
      if let deadline, MonotonicClock.nanoseconds >= deadline {
        throw _reject(.timedOut, message, index)
      }
      if backoff.shouldPark { usleep(50) } else { backoff.snooze() }
    }
  }

  /// Sends through the worker's shared queue instead of a lane: when the
  /// pool stamps submission times (a lane item has no room for the stamp),
  /// or for the one key hash a lane item reserves for "no key". In the
  /// second case the lanes are drained first, so this message still comes
  /// after the ones this submitter sent before it.
  @usableFromInline @inline(never)
  mutating func _sendRare(
    _ message: W.Message, keyHash: UInt64?, to index: Int, policy: BackpressurePolicy.Kind
  ) throws(SubmitError<W.Message>) {
    if !recordsQueueDelay { try _waitForLanesToDrain(index, message, policy: policy) }
    try pool._send(pool._envelope(message, keyHash), to: index, policy: policy)
  }

  @usableFromInline
  func _reject(
    _ reason: PoolError, _ message: W.Message, _ index: Int
  ) -> SubmitError<W.Message> {
    pool.slots[index].counters.rejected.add()
    return SubmitError(reason: reason, workerIndex: index, message: message)
  }
}

/// What shutdown needs to know about one submitter: whether it is inside a
/// send. The word has a cache line to itself and only its submitter writes
/// it, so the two stores per send stay in that core's cache.
@usableFromInline
final class _SubmitterRecord: @unchecked Sendable {
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

extension WorkerPool {
  /// Makes a producer handle with its own lane to each worker (see
  /// ``Submitter``), for one thread that submits many messages.
  ///
  /// - Returns: The submitter; drop it when that producer is done.
  /// - Throws: ``PoolError/shutDown`` once shutdown (or stop) has begun;
  ///   ``PoolError/allocationFailed`` if its lanes do not fit in memory.
  public func makeSubmitter() throws(PoolError) -> Submitter<W> {
    let capacity = configuration.worker.queueCapacity
    let lanes = UnsafeMutablePointer<SPSCSender<_LaneItem<W.Message>>>.allocate(
      capacity: slots.count)
    let directLanes = UnsafeMutablePointer<SPSCSender<W.Message>>.allocate(capacity: slots.count)
    var receivers: [_Lane<W.Message>] = []
    let strategy = configuration.worker.idleStrategy.channelStrategy
    // The capacity was validated by init: only memory can run out. Then the
    // lanes made so far are dropped and the error names the setting.
    func abandon(_ made: Int, _ error: SNChannelError) -> PoolError {
      lanes.deinitialize(count: made)
      lanes.deallocate()
      directLanes.deinitialize(count: made)
      directLanes.deallocate()
      return Self.poolError(error, setting: "queueCapacity \(capacity)")
    }
    for index in slots.indices {
      let keyed: SPSCChannel<_LaneItem<W.Message>>
      do throws(SNChannelError) {
        keyed = try SNChannel<_LaneItem<W.Message>>.spsc(capacity: capacity, waitStrategy: strategy)
      } catch {
        throw abandon(index, error)
      }
      let direct: SPSCChannel<W.Message>
      do throws(SNChannelError) {
        direct = try SNChannel<W.Message>.spsc(capacity: capacity, waitStrategy: strategy)
      } catch {
        throw abandon(index, error)
      }
      let keyedSender = keyed.sender
      let keyedReceiver = keyed.receiver
      let directSender = direct.sender
      let directReceiver = direct.receiver
      (lanes + index).initialize(to: consume keyedSender)
      (directLanes + index).initialize(to: consume directSender)
      receivers.append(_Lane(keyed: consume keyedReceiver, direct: consume directReceiver))
    }
    let record = _SubmitterRecord()
    let registered = lifecycle.withLock { state -> Bool in
      switch state.phase {
      case .created, .starting, .running: break
      case .closing, .terminated: return false
      }
      state.submitters.append(record)
      for (slot, lane) in zip(slots, receivers) { slot.addLane(lane) }
      return true
    }
    guard registered else {
      lanes.deinitialize(count: slots.count)
      lanes.deallocate()
      directLanes.deinitialize(count: slots.count)
      directLanes.deallocate()
      throw .shutDown
    }
    return Submitter(pool: self, lanes: lanes, directLanes: directLanes, record: record)
  }

  func removeSubmitter(_ record: _SubmitterRecord) {
    lifecycle.withLock { state in state.submitters.removeAll { $0 === record } }
  }

  /// Shutdown's side of the submitters' intake protocol: close intake, then
  /// wait until no submitter is inside a send.
  func closeSubmitterIntake() {
    intakeClosed.pointee.store(1, ordering: .releasing)
    AsymmetricFence.process.heavy()
    let records = lifecycle.withLock { $0.submitters }
    for record in records {
      var backoff = Backoff(strategy: .lowCPU)
      while record.busy.pointee.load(ordering: .acquiring) != 0 {
        if backoff.shouldPark { usleep(100) } else { backoff.snooze() }
      }
    }
  }
}
