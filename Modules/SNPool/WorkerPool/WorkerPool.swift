import Histogram
import Logging
import SNAtomics
import SNChannels
import SNPartition
import Synchronization

/// A pool of OS threads, one per worker, each owning its state and fed
/// through its own bounded queue; messages are routed by key through a
/// partitioner.
///
/// <!-- snippet: setup
/// struct WordCounter: Worker {
///   func makeState(workerIndex: Int) -> [String: Int] { [:] }
///   func handleMessage(
///     _ envelope: Envelope<String>, state: inout [String: Int], context: inout WorkerContext<Self>
///   ) {
///     state[envelope.message, default: 0] += 1
///   }
/// }
/// let words = ["to", "be", "or", "not", "to", "be"]
/// -->
/// ```swift
/// let pool = try WorkerPool(
///   worker: WordCounter(),
///   configuration: PoolConfiguration().withWorkerCount(2).withCPUPinning(.spreadOverCores))
/// try pool.start()
/// for word in words { try pool.send(word, key: word) }
/// let termination = pool.shutdown()  // drains every accepted message
/// let total = termination.states.reduce(into: [:]) { $0.merge($1, uniquingKeysWith: +) }
/// ```
///
/// Wiring: one multi-producer, single-consumer channel per worker. Any
/// thread may submit; each worker reads only its own queue. Submissions
/// follow ``PoolConfiguration/backpressure`` when a queue is full. Async
/// submissions suspend instead of blocking, so they never hold a thread of
/// the cooperative pool.
///
/// Call ``shutdown()`` (or ``stop()``) before the last reference goes away:
/// worker threads keep the pool alive until then.
public final class WorkerPool<W: Worker>: @unchecked Sendable {
  /// The worker all threads run.
  public let worker: W
  /// The configuration the pool was built with.
  public let configuration: PoolConfiguration
  /// The router from key hash to worker index.
  public let partitioner: any Partitioner
  /// The CPU each worker is asked to pin to (`nil`: not pinned).
  public let plannedCPUs: [Int?]

  @usableFromInline let slots: [_WorkerSlot<W.Message>]
  /// The worker-to-worker lanes, if ``PoolConfiguration/mesh`` is set.
  @usableFromInline let mesh: _MeshStorage<W.Message>?
  /// Unretained references to `slots` (which keeps them alive), so that a
  /// send reaches its slot without reference-counting traffic.
  @usableFromInline let slotRefs: [Unmanaged<_WorkerSlot<W.Message>>]
  @usableFromInline let backpressure: BackpressurePolicy.Kind
  @usableFromInline let recordsQueueDelay: Bool
  /// One shared-queue send in this many per worker carries its submission
  /// time; 0 without ``PoolConfiguration/recordsQueueDelay``.
  @usableFromInline let stampInterval: Int
  /// Set for an immediate stop; workers check it between batches.
  @usableFromInline let stopRequested = Atomic<Bool>(false)
  let runLoop: @Sendable (WorkerPool<W>, Int) -> Void
  let results: _Results<W.Output>
  let lifecycle = _Lock(_Lifecycle<W>())
  @usableFromInline let remains: [_WorkerRemains<W>]
  /// The intake words shutdown closes and submitters watch (see
  /// ``Submitter``).
  @usableFromInline let intake = _IntakeStorage()

  /// Creates a pool and checks its configuration; ``start()`` launches the
  /// threads.
  ///
  /// - Parameters:
  ///   - worker: The worker every thread runs.
  ///   - configuration: Worker count, affinity, routing, backpressure, …
  /// - Throws: ``PoolConfigurationError``: ``PoolConfigurationError/noWorkers``, ``PoolConfigurationError/tooManyWorkers``,
  ///   ``PoolConfigurationError/invalidQueueCapacity``, ``PoolConfigurationError/invalidBatchSize``,
  ///   ``PoolConfigurationError/tooManyPinnedWorkers``, ``PoolConfigurationError/invalidCPU``,
  ///   ``PoolConfigurationError/invalidPartitioner``, ``PoolConfigurationError/partitionerMismatch``,
  ///   ``PoolConfigurationError/invalidMeshConfiguration``, or
  ///   ``PoolConfigurationError/allocationFailed`` when the queues do not fit in memory.
  @inlinable
  public convenience init(
    worker: W, configuration: PoolConfiguration
  ) throws(PoolConfigurationError) {
    // Created here, in the caller's module, so the worker loop is
    // specialised for the concrete worker type.
    try self.init(
      _worker: worker, configuration: configuration,
      runLoop: { pool, index in pool._runWorker(index) })
  }

  @usableFromInline
  init(
    _worker worker: W, configuration: PoolConfiguration,
    runLoop: @escaping @Sendable (WorkerPool<W>, Int) -> Void
  ) throws(PoolConfigurationError) {
    let count = configuration.workerCount
    guard count >= 1 else {
      throw PoolConfigurationError.noWorkers.with(detail: "workerCount \(count)")
    }
    // Checked before anything is sized by the count (CPU plan, partitioner,
    // queues): a count like `Int.max` would trap allocating.
    guard count <= PoolConfiguration.maximumWorkerCount else {
      throw PoolConfigurationError.tooManyWorkers.with(
        detail: "workerCount \(count), maximumWorkerCount \(PoolConfiguration.maximumWorkerCount)")
    }
    let capacity = configuration.worker.queueCapacity
    guard capacity >= 1, capacity <= ChannelCapacity.maximum else {
      throw PoolConfigurationError.invalidQueueCapacity.with(detail: "queueCapacity \(capacity)")
    }
    guard configuration.resultsCapacity >= 1,
      configuration.resultsCapacity <= ChannelCapacity.maximum
    else {
      throw PoolConfigurationError.invalidQueueCapacity.with(
        detail: "resultsCapacity \(configuration.resultsCapacity)")
    }
    guard configuration.worker.batchSize >= 1 else {
      throw PoolConfigurationError.invalidBatchSize.with(
        detail: "batchSize \(configuration.worker.batchSize)")
    }
    plannedCPUs = try Self.planCPUs(configuration)
    do {
      partitioner = try configuration.partitioner.make(count)
    } catch {
      throw PoolConfigurationError.invalidPartitioner.with(detail: "\(error)")
    }
    guard partitioner.workerCount == count else {
      throw PoolConfigurationError.partitionerMismatch.with(
        detail: "partitioner routes to \(partitioner.workerCount) workers, pool has \(count)")
    }
    if let meshConfiguration = configuration.mesh {
      try meshConfiguration.validate(workerCount: count)
      mesh = try _MeshStorage(workerCount: count, configuration: meshConfiguration)
    } else {
      mesh = nil
    }
    var slots: [_WorkerSlot<W.Message>] = []
    for _ in 0..<count {
      do {
        slots.append(
          try _WorkerSlot(
            capacity: capacity, strategy: configuration.worker.idleStrategy.channelStrategy))
      } catch {
        throw Self.configurationError(error, setting: "queueCapacity \(capacity)")
      }
    }
    do {
      // A worker that emits nothing still gets a (tiny) channel.
      results = try _Results(
        capacity: W.Output.self == Never.self ? 2 : configuration.resultsCapacity)
    } catch {
      throw Self.configurationError(
        error, setting: "resultsCapacity \(configuration.resultsCapacity)")
    }
    self.slots = slots
    slotRefs = slots.map { Unmanaged.passUnretained($0) }
    self.remains = slots.map { _ in _WorkerRemains<W>() }
    self.worker = worker
    self.configuration = configuration
    self.backpressure = configuration.backpressure.kind
    self.recordsQueueDelay = configuration.recordsQueueDelay
    self.stampInterval =
      configuration.recordsQueueDelay ? max(1, configuration.latencySampleInterval) : 0
    self.runLoop = runLoop
  }

  /// The pool's error for a channel that could not be made for `setting`.
  static func configurationError(
    _ error: SNChannelError, setting: String
  ) -> PoolConfigurationError {
    error == .allocationFailed
      ? PoolConfigurationError.allocationFailed.with(detail: "\(setting): \(error)")
      : PoolConfigurationError.invalidQueueCapacity.with(detail: "\(setting): \(error)")
  }

  /// The number of workers.
  public var workerCount: Int { slots.count }

  /// Launches one OS thread per worker (pinned if configured).
  ///
  /// Messages sent before `start()` wait in the queues (a blocking send to a
  /// full queue waits until the workers run).
  ///
  /// May race ``shutdown()``, ``stop()`` or ``requestShutdown(_:)``
  /// on other threads, and a worker failing under
  /// ``WorkerErrorPolicy/stopPool`` while the others are still being
  /// spawned: a termination that begins while `start()` runs waits until
  /// every thread is recorded, then joins them all. A termination that began
  /// first starts the threads itself, and `start()` throws.
  ///
  /// - Throws: ``PoolError/alreadyStarted`` if the pool was started (or shut
  ///   down) before.
  public func start() throws(PoolError) {
    let proceed = lifecycle.withLock { state -> Bool in
      guard case .created = state.phase else { return false }
      state.phase = .starting
      return true
    }
    guard proceed else { throw .alreadyStarted }
    // A termination that comes meanwhile (another thread's `shutdown()`, or
    // a worker's `stopPool` failure) waits for `.running`, so it joins every
    // thread spawned here. The lifecycle lock orders the store of `threads`
    // before the termination's read of it.
    let threads = spawnThreads()
    lifecycle.withLock { state in
      state.threads = threads
      state.phase = .running
    }
  }

  /// Spawns one thread per worker; the caller records them.
  func spawnThreads() -> [OSThread] {
    var threads: [OSThread] = []
    for index in slots.indices {
      let name = "\(configuration.name.prefix(10))-\(index)"
      threads.append(
        OSThread.spawn(name: name) { [self] in
          runLoop(self, index)
        })
    }
    return threads
  }

  /// Takes the receiver of the results channel that workers emit into with
  /// ``WorkerContext/emit(_:)``; only the first call gets it.
  ///
  /// The channel closes (the receiver sees `SNChannelError.closed` after
  /// draining) once the pool has terminated. The receiver's blocking
  /// `receive()` suits a thread of your own; its `async` `receive()`
  /// suspends instead, or use ``takeAsyncResults()`` to iterate.
  ///
  /// - Returns: The receiver, or `nil` if it (or the async sequence) was
  ///   taken already.
  public func takeResults() -> MPSCReceiver<W.Output>? {
    results.takeReceiver()
  }

  /// Takes the results channel as an `AsyncSequence`: each result emitted
  /// with ``WorkerContext/emit(_:)`` comes out exactly once, and iteration
  /// ends (`next()` returns `nil`) once the pool has terminated and every
  /// emitted result was read.
  ///
  /// <!-- snippet: setup
  /// struct Lengths: Worker {
  ///   typealias Output = Int
  ///   func makeState(workerIndex: Int) -> Int { 0 }
  ///   func handleMessage(_ envelope: Envelope<String>, state: inout Int, context: inout WorkerContext<Self>) throws {
  ///     try context.emit(envelope.message.count)
  ///   }
  /// }
  /// let pool = try WorkerPool(worker: Lengths(), configuration: PoolConfiguration())
  /// try pool.start()
  /// let words = ["to", "be", "or", "not"]
  /// -->
  /// ```swift
  /// let results = pool.takeAsyncResults()!
  /// let reader = Task {
  ///   var total = 0
  ///   for try await count in results { total += count }
  ///   return total  // the loop ended: the pool terminated, all read
  /// }
  /// for word in words { try await pool.send(word, key: word) }
  /// pool.requestShutdown()
  /// print(try await reader.value)
  /// await pool.waitUntilTerminated()
  /// ```
  ///
  /// Waiting suspends the task, never blocking a thread of the cooperative
  /// pool. A task cancelled while it waits gets
  /// `SNChannelError.cancelled` and takes nothing: the result it would have
  /// read stays queued for the next `next()` (a new iterator of the same
  /// sequence continues where the cancelled one stopped). Only one task
  /// should iterate (the channel has one consumer), so the sequence is not
  /// `Sendable`.
  ///
  /// - Returns: The sequence, or `nil` if the results (sequence or
  ///   receiver, see ``takeResults()``) were taken already.
  public func takeAsyncResults() -> MPSCReceiver<W.Output>.Messages? {
    guard let receiver = results.takeReceiver() else { return nil }
    return receiver.messages()
  }

  /// A snapshot of every worker's counters and latency percentiles.
  public var statistics: PoolStatistics {
    var workers: [WorkerStatistics] = []
    var processing = _LatencyRecorder.makeHistogram()
    var delay = _LatencyRecorder.makeHistogram()
    for (index, slot) in slots.enumerated() {
      let counters = slot.counters
      let channel = slot.channelStats
      let pin = counters.pin.load(ordering: .acquiring)
      let workerProcessing = counters.processingLatency.withLock { $0 }
      let workerDelay = counters.queueDelay.withLock { $0 }
      processing.add(workerProcessing)
      delay.add(workerDelay)
      workers.append(
        WorkerStatistics(
          workerIndex: index, received: counters.received.value,
          processed: counters.processed.value, errors: counters.errors.value,
          restarts: counters.restarts.value, ticks: counters.ticks.value,
          emitted: counters.emitted.value, rejected: counters.rejected.value,
          queueDepth: channel.map {
            // The shared queue only: lane messages are counted apart.
            max(
              0,
              Int(
                truncatingIfNeeded: $0.sent &- (counters.received.value &- counters.fromLanes.value)
              ))
          } ?? 0,
          queueCapacity: slot.capacity,
          pinnedCPU: pin >= 0 ? pin : nil,
          pinError: pin < 0 && pin != Int.min ? Int32(-pin) : nil,
          processingLatency: LatencySummary(workerProcessing),
          queueDelay: LatencySummary(workerDelay)))
    }
    return PoolStatistics(
      workers: workers, processingLatency: LatencySummary(processing),
      queueDelay: LatencySummary(delay))
  }

  /// Chooses a CPU per worker: the explicit list, or distinct physical
  /// cores of the allowed set first, then their hyperthread siblings.
  static func planCPUs(
    _ configuration: PoolConfiguration
  ) throws(PoolConfigurationError) -> [Int?] {
    let count = configuration.workerCount
    let allowed: [Int]
    switch configuration.cpuPinning {
    case .unpinned:
      return Array(repeating: nil, count: count)
    case .spreadOverCores:
      allowed = OSThread.allowedCPUs
      guard count <= allowed.count else {
        throw PoolConfigurationError.tooManyPinnedWorkers.with(
          detail: "\(count) workers, \(allowed.count) allowed CPUs \(allowed)")
      }
      let order = CPUTopology.current().placementOrder(for: allowed)
      return order.prefix(count).map { $0 }
    case .pinned(let cpus):
      allowed = OSThread.allowedCPUs
      guard cpus.count >= count, Set(cpus).count == cpus.count,
        cpus.allSatisfy({ allowed.contains($0) })
      else {
        throw PoolConfigurationError.invalidCPU.with(detail: "cpus \(cpus), allowed \(allowed)")
      }
      return cpus.prefix(count).map { $0 }
    }
  }
}

/// The results channel: the pool keeps one sender (each worker clones it)
/// until termination, and the user takes the receiver.
final class _Results<Output: Sendable>: @unchecked Sendable {
  private struct Ends: ~Copyable {
    var sender: MultiSender<Output>?
    var receiver: MPSCReceiver<Output>?
  }

  private let state: _Lock<Ends>

  init(capacity: Int) throws(SNChannelError) {
    let channel = try SNChannel<Output>.mpsc(capacity: capacity)
    let sender = channel.sender
    let receiver = channel.receiver
    state = _Lock(Ends(sender: consume sender, receiver: consume receiver))
  }

  func cloneSender() -> MultiSender<Output>? {
    state.withLock { state in state.sender?.clone() }
  }

  func takeReceiver() -> MPSCReceiver<Output>? {
    state.withLock { state in state.receiver.take() }
  }

  func closeSender() {
    state.withLock { state in state.sender = nil }
  }
}
