import SNAtomics
import SNPartition
import Synchronization

extension WorkerPool {
  /// The worker that owns `key` (what `send(_:key:)` routes to).
  ///
  /// - Parameter key: The routing key.
  /// - Returns: A worker index.
  @inlinable
  public func workerIndex<Key: StableHashable>(for key: Key) -> Int {
    partitioner.worker(forKeyHash: partitioner.keyHasher.hash(key))
  }

  /// Submits `message` to the worker that owns `key`, following the
  /// configured backpressure policy when its queue is full.
  ///
  /// Blocks the calling thread under ``BackpressurePolicy/block`` and
  /// ``BackpressurePolicy/timeout(_:)``: from Swift concurrency, use the
  /// `async` overload.
  ///
  /// - Parameters:
  ///   - message: The message.
  ///   - key: The routing key, hashed stably (same key, same worker, every run).
  /// - Throws: ``SubmitError`` holding `message`: ``PoolError/queueFull``,
  ///   ``PoolError/timedOut`` or ``PoolError/shutDown``.
  @inlinable
  public func send<Key: StableHashable>(
    _ message: W.Message, key: Key
  ) throws(SubmitError<W.Message>) {
    let (index, keyHash) = _route(key)
    try _send(_envelope(message, keyHash, to: index), to: index, policy: backpressure)
  }

  /// Submits `message` by a precomputed key hash (`Partitioner.keyHasher`).
  ///
  /// - Parameters:
  ///   - message: The message.
  ///   - keyHash: The key's stable hash.
  /// - Throws: ``SubmitError`` holding `message`.
  @inlinable
  public func send(_ message: W.Message, keyHash: UInt64) throws(SubmitError<W.Message>) {
    let index = partitioner.worker(forKeyHash: keyHash)
    try _send(_envelope(message, keyHash, to: index), to: index, policy: backpressure)
  }

  /// Submits `message` to one worker, bypassing the partitioner.
  ///
  /// - Parameters:
  ///   - message: The message.
  ///   - workerIndex: The worker, in `0..<workerCount`.
  /// - Throws: ``SubmitError`` holding `message`.
  @inlinable
  public func send(_ message: W.Message, toWorker workerIndex: Int) throws(SubmitError<W.Message>) {
    precondition(slots.indices.contains(workerIndex), "worker \(workerIndex) out of range")
    try _send(_envelope(message, nil, to: workerIndex), to: workerIndex, policy: backpressure)
  }

  /// Submits `message` without waiting, whatever the configured policy.
  ///
  /// - Parameters:
  ///   - message: The message.
  ///   - key: The routing key.
  /// - Throws: ``SubmitError`` holding `message`: ``PoolError/queueFull`` or
  ///   ``PoolError/shutDown``.
  @inlinable
  public func trySend<Key: StableHashable>(
    _ message: W.Message, key: Key
  ) throws(SubmitError<W.Message>) {
    let (index, keyHash) = _route(key)
    try _send(_envelope(message, keyHash, to: index), to: index, policy: .failFast)
  }

  /// Sends a copy of `message` to every worker, in index order.
  ///
  /// - Parameter message: The message.
  /// - Throws: ``SubmitError`` for the first worker that rejected it (the
  ///   workers before it received their copy; the later ones did not).
  @inlinable
  public func broadcast(_ message: W.Message) throws(SubmitError<W.Message>) {
    for index in slots.indices {
      try _send(_envelope(message, nil, to: index), to: index, policy: backpressure)
    }
  }

  /// Submits many messages, grouped by worker so that each worker's share
  /// goes into its queue as one batch (one gate entry and one slot claim per
  /// batch where room allows).
  ///
  /// Messages for the same worker keep their order. Once a worker rejects a
  /// message, its later messages of this call are rejected too, so that a
  /// caller who resubmits the rejected ones cannot reorder that worker's
  /// share.
  ///
  /// - Parameters:
  ///   - messages: The messages.
  ///   - key: Extracts each message's routing key.
  /// - Throws: ``BatchSubmitError`` with the messages that were not
  ///   accepted; all others were.
  /// - Complexity: O(n): one pass to hash and route, one to group by worker
  ///   (skipped with one worker), then one batch send per worker.
  @inlinable
  public func send<Messages: Sequence, Key: StableHashable>(
    contentsOf messages: Messages, key: (W.Message) -> Key
  ) throws(BatchSubmitError<W.Message>) where Messages.Element == W.Message {
    // Hoisted out of the loop: one existential access each per call, not
    // per message.
    let router = partitioner
    let hasher = router.keyHasher
    let workers = slots.count
    let keepsHash = W.receivesKeyHash
    var stamps = _StampSampler(interval: stampInterval)
    var envelopes: [Envelope<W.Message>] = []
    envelopes.reserveCapacity(messages.underestimatedCount)
    if workers == 1 {
      // Every partitioner sends everything to worker 0: no routing, no
      // grouping, the caller's order is the queue's order.
      // One worker: no routing, so the key is hashed only if the worker
      // reads the hash.
      for message in messages {
        envelopes.append(
          Envelope(
            message, keyHash: keepsHash ? hasher.hash(key(message)) : nil,
            submittedAt: stamps.next()))
      }
      guard !envelopes.isEmpty else { return }
      if let (reason, left) = slotRefs[0]._withUnsafeGuaranteedRef({
        $0.send(contentsOf: envelopes[...], policy: backpressure)
      }) {
        throw BatchSubmitError(reason: reason, rejected: left.map(\.message))
      }
      return
    }
    var targets: [Int32] = []
    targets.reserveCapacity(messages.underestimatedCount)
    var counts = [Int](repeating: 0, count: workers)
    for message in messages {
      let hash = hasher.hash(key(message))
      let index = router.worker(forKeyHash: hash)
      envelopes.append(
        Envelope(message, keyHash: keepsHash ? hash : nil, submittedAt: stamps.next()))
      targets.append(Int32(truncatingIfNeeded: index))
      counts[index] &+= 1
    }
    guard !envelopes.isEmpty else { return }
    // Counting sort by worker, stable, into one flat array.
    var starts = [Int](repeating: 0, count: workers + 1)
    for index in 0..<workers { starts[index + 1] = starts[index] &+ counts[index] }
    var cursor = starts
    let grouped = [Envelope<W.Message>](unsafeUninitializedCapacity: envelopes.count) {
      buffer, initialized in
      envelopes.withUnsafeBufferPointer { source in
        targets.withUnsafeBufferPointer { target in
          for offset in source.indices {
            let index = Int(target[offset])
            (buffer.baseAddress! + cursor[index]).initialize(to: source[offset])
            cursor[index] &+= 1
          }
        }
      }
      initialized = envelopes.count
    }
    var firstReason: PoolError?
    var rejected: [W.Message] = []
    for index in 0..<workers where counts[index] > 0 {
      let share = grouped[starts[index]..<starts[index + 1]]
      if let (reason, left) = slotRefs[index]._withUnsafeGuaranteedRef({
        $0.send(contentsOf: share, policy: backpressure)
      }) {
        firstReason = firstReason ?? reason
        rejected += left.map(\.message)
      }
    }
    if let firstReason { throw BatchSubmitError(reason: firstReason, rejected: rejected) }
  }

  /// Submits `message` to the worker that owns `key` from Swift
  /// concurrency: when the queue is full, the task suspends (yielding, then
  /// sleeping with growing pauses up to 1 ms) instead of blocking a thread
  /// of the cooperative pool.
  ///
  /// - Parameters:
  ///   - message: The message.
  ///   - key: The routing key.
  /// - Throws: ``SubmitError`` holding `message`: ``PoolError/queueFull``
  ///   (fail-fast policy), ``PoolError/timedOut``, ``PoolError/shutDown`` or
  ///   ``PoolError/cancelled``.
  @inlinable
  public func send<Key: StableHashable>(
    _ message: W.Message, key: Key
  ) async throws(SubmitError<W.Message>) {
    let (index, keyHash) = _route(key)
    try await _sendAsync(_envelope(message, keyHash, to: index), to: index)
  }

  /// Submits `message` to one worker from Swift concurrency, suspending
  /// while its queue is full.
  ///
  /// - Parameters:
  ///   - message: The message.
  ///   - workerIndex: The worker, in `0..<workerCount`.
  /// - Throws: ``SubmitError`` holding `message`.
  @inlinable
  public func send(
    _ message: W.Message, toWorker workerIndex: Int
  ) async throws(SubmitError<W.Message>) {
    precondition(slots.indices.contains(workerIndex), "worker \(workerIndex) out of range")
    try await _sendAsync(_envelope(message, nil, to: workerIndex), to: workerIndex)
  }

  /// Submits many messages to one worker from Swift concurrency, in order,
  /// as batches: each attempt enters the worker's queue once and claims as
  /// many slots as there is room for; while the queue is full the task
  /// suspends (yielding, then sleeping with growing pauses up to 1 ms).
  ///
  /// One call per batch instead of one per message: what a node of a
  /// cluster does with the messages of one arriving frame.
  ///
  /// - Parameters:
  ///   - messages: The messages, in the order the worker receives them.
  ///   - workerIndex: The worker, in `0..<workerCount`.
  /// - Throws: ``BatchSubmitError`` with the messages not accepted: always a
  ///   suffix of `messages` (everything before it was accepted), so a caller
  ///   who resubmits them keeps the worker's order. Reasons as for
  ///   the one-message async `send(_:toWorker:)`; a
  ///   ``BackpressurePolicy/timeout(_:)`` bounds the whole call.
  /// - Complexity: O(n) plus the waits for room.
  @inlinable
  public func send<Messages: Collection>(
    contentsOf messages: Messages, toWorker workerIndex: Int
  ) async throws(BatchSubmitError<W.Message>) where Messages.Element == W.Message {
    precondition(slots.indices.contains(workerIndex), "worker \(workerIndex) out of range")
    guard !messages.isEmpty else { return }
    var stamps = _StampSampler(interval: stampInterval)
    var envelopes: [Envelope<W.Message>] = []
    envelopes.reserveCapacity(messages.count)
    for message in messages {
      envelopes.append(Envelope(message, keyHash: nil, submittedAt: stamps.next()))
    }
    let slot = slotRefs[workerIndex]
    var sent = 0
    var deadline: UInt64?
    if case .timeout(let duration) = backpressure {
      deadline = MonotonicClock.deadline(after: duration)
    }
    var attempt = 0
    while true {
      let (accepted, reason) = slot._withUnsafeGuaranteedRef {
        $0.trySend(contentsOf: envelopes[sent...])
      }
      sent += accepted
      guard let reason else { return }
      if accepted > 0 { attempt = 0 }
      var final: PoolError? = nil
      if reason != .queueFull {
        final = reason
      } else if case .failFast = backpressure {
        final = .queueFull
      } else if let deadline, MonotonicClock.nanoseconds >= deadline {
        final = .timedOut
      } else if Task.isCancelled {
        final = .cancelled
      }
      if let final {
        slot._withUnsafeGuaranteedRef { $0.counters.rejected.add(UInt64(envelopes.count - sent)) }
        throw BatchSubmitError(reason: final, rejected: envelopes[sent...].map(\.message))
      }
      attempt += 1
      if attempt < 8 {
        await Task.yield()
      } else {
        // As `_sendAsync`: 10 µs doubling to 1 ms.
        let micros = min(1000, 10 << min(attempt - 8, 7))
        try? await Task.sleep(for: .microseconds(micros))
      }
    }
  }

  /// The worker that owns `key`, and the key's hash if the message carries
  /// it (``Worker/receivesKeyHash``). With one worker and no hash wanted,
  /// the key is not hashed at all.
  @inlinable @inline(__always)
  func _route<Key: StableHashable>(_ key: Key) -> (index: Int, keyHash: UInt64?) {
    if !W.receivesKeyHash && slots.count == 1 { return (0, nil) }
    let hash = partitioner.keyHasher.hash(key)
    return (partitioner.worker(forKeyHash: hash), W.receivesKeyHash ? hash : nil)
  }

  /// The envelope of a message for worker `index`'s shared queue: the key
  /// hash only if the worker reads it, the submission time only for the
  /// sampled messages (see ``PoolConfiguration/recordsQueueDelay``).
  @inlinable @inline(__always)
  func _envelope(_ message: W.Message, _ keyHash: UInt64?, to index: Int) -> Envelope<W.Message> {
    Envelope(
      message, keyHash: W.receivesKeyHash ? keyHash : nil,
      submittedAt: stampInterval == 0 ? 0 : _stamp(index))
  }

  /// The submission time if this send to worker `index` is one of the
  /// sampled ones, else 0. The count is a relaxed load and store on the
  /// slot's own line, not a read-modify-write: producers racing on it may
  /// lose a count, which only shifts the sample.
  @usableFromInline
  func _stamp(_ index: Int) -> UInt64 {
    let slot = slots[index]
    let count = slot.stampCount[0].load(ordering: .relaxed) &+ 1
    guard count >= stampInterval else {
      slot.stampCount[0].store(count, ordering: .relaxed)
      return 0
    }
    slot.stampCount[0].store(0, ordering: .relaxed)
    return MonotonicClock.nanoseconds
  }

  @inlinable @inline(__always)
  func _send(
    _ envelope: Envelope<W.Message>, to index: Int, policy: BackpressurePolicy.Kind
  ) throws(SubmitError<W.Message>) {
    let outcome = slotRefs[index]._withUnsafeGuaranteedRef { $0.send(envelope, policy: policy) }
    switch outcome {
    case .sent: return
    case .rejected(let reason, let envelope):
      throw SubmitError(reason: reason, workerIndex: index, message: envelope.message)
    }
  }

  /// The async send loop; `policy` overrides the pool's backpressure (an
  /// ask bounds the wait by its own timeout).
  @usableFromInline
  func _sendAsync(
    _ envelope: Envelope<W.Message>, to index: Int, policy: BackpressurePolicy.Kind? = nil
  ) async throws(SubmitError<W.Message>) {
    let backpressure = policy ?? backpressure
    let slot = slots[index]
    var envelope = envelope
    var deadline: UInt64?
    if case .timeout(let duration) = backpressure {
      deadline = MonotonicClock.deadline(after: duration)
    }
    var attempt = 0
    while true {
      guard let (reason, back) = slot.trySend(envelope) else { return }
      envelope = back
      var final: PoolError? = nil
      if reason != .queueFull {
        final = reason
      } else if case .failFast = backpressure {
        final = .queueFull
      } else if let deadline, MonotonicClock.nanoseconds >= deadline {
        final = .timedOut
      } else if Task.isCancelled {
        final = .cancelled
      }
      if let final {
        slot.counters.rejected.add()
        throw SubmitError(reason: final, workerIndex: index, message: envelope.message)
      }
      attempt += 1
      if attempt < 8 {
        await Task.yield()
      } else {
        // 10 µs doubling to 1 ms: a full queue drains in microseconds to
        // milliseconds, and sleeping frees the cooperative thread.
        let micros = min(1000, 10 << min(attempt - 8, 7))
        try? await Task.sleep(for: .microseconds(micros))
      }
    }
  }
}

/// Picks the messages of one batch send that carry a submission time: one
/// in every `interval` (0: none).
@usableFromInline
struct _StampSampler {
  @usableFromInline let interval: Int
  @usableFromInline var count = 0

  @inlinable init(interval: Int) { self.interval = interval }

  /// The submission time for the next message, or 0 if it is not sampled.
  @inlinable @inline(__always)
  mutating func next() -> UInt64 {
    guard interval > 0 else { return 0 }
    count &+= 1
    guard count >= interval else { return 0 }
    count = 0
    return MonotonicClock.nanoseconds
  }
}
