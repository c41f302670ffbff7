import SNAtomics
import SNPartition

extension WorkerPool {
  /// The worker that owns `key` (what ``send(_:key:)`` routes to).
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
    try send(message, keyHash: partitioner.keyHasher.hash(key))
  }

  /// Submits `message` by a precomputed key hash (``Partitioner/keyHasher``).
  ///
  /// - Parameters:
  ///   - message: The message.
  ///   - keyHash: The key's stable hash.
  /// - Throws: ``SubmitError`` holding `message`.
  @inlinable
  public func send(_ message: W.Message, keyHash: UInt64) throws(SubmitError<W.Message>) {
    let index = partitioner.worker(forKeyHash: keyHash)
    try _send(_envelope(message, keyHash), to: index, policy: backpressure)
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
    try _send(_envelope(message, nil), to: workerIndex, policy: backpressure)
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
    let hash = partitioner.keyHasher.hash(key)
    try _send(
      _envelope(message, hash), to: partitioner.worker(forKeyHash: hash), policy: .failFast)
  }

  /// Sends a copy of `message` to every worker, in index order.
  ///
  /// - Parameter message: The message.
  /// - Throws: ``SubmitError`` for the first worker that rejected it (the
  ///   workers before it received their copy; the later ones did not).
  @inlinable
  public func broadcast(_ message: W.Message) throws(SubmitError<W.Message>) {
    for index in slots.indices {
      try _send(_envelope(message, nil), to: index, policy: backpressure)
    }
  }

  /// Submits many messages, grouped by worker so that each worker's share
  /// goes into its queue as one batch (one gate entry and one slot claim per
  /// batch where room allows).
  ///
  /// - Parameters:
  ///   - messages: The messages.
  ///   - key: Extracts each message's routing key.
  /// - Throws: ``BatchSubmitError`` with the messages that were not
  ///   accepted; all others were.
  @inlinable
  public func send<Messages: Sequence, Key: StableHashable>(
    contentsOf messages: Messages, key: (W.Message) -> Key
  ) throws(BatchSubmitError<W.Message>) where Messages.Element == W.Message {
    var groups = Array(repeating: [Envelope<W.Message>](), count: slots.count)
    let expected = messages.underestimatedCount
    if expected > 0 {
      // Room for an even share plus slack, so groups rarely reallocate.
      let share = expected / slots.count + expected / (4 * slots.count) + 8
      for index in groups.indices { groups[index].reserveCapacity(share) }
    }
    for message in messages {
      let hash = partitioner.keyHasher.hash(key(message))
      groups[partitioner.worker(forKeyHash: hash)].append(_envelope(message, hash))
    }
    var firstReason: PoolError?
    var rejected: [W.Message] = []
    for (index, group) in groups.enumerated() where !group.isEmpty {
      if let (reason, left) = slots[index].send(contentsOf: group, policy: backpressure) {
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
    let hash = partitioner.keyHasher.hash(key)
    try await _sendAsync(_envelope(message, hash), to: partitioner.worker(forKeyHash: hash))
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
    try await _sendAsync(_envelope(message, nil), to: workerIndex)
  }

  @inlinable @inline(__always)
  func _envelope(_ message: W.Message, _ keyHash: UInt64?) -> Envelope<W.Message> {
    Envelope(
      message, keyHash: keyHash, submittedAt: recordsQueueDelay ? MonotonicClock.nanoseconds : 0)
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

  @usableFromInline
  func _sendAsync(
    _ envelope: Envelope<W.Message>, to index: Int
  ) async throws(SubmitError<W.Message>) {
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
