import SNAtomics
import SNPartition

extension WorkerPool where W: AskableWorker {
  /// Sends `request` to the worker that owns `key` and returns its reply,
  /// suspending (never blocking a thread of the cooperative pool) until the
  /// reply comes or `timeout` passes.
  ///
  /// The request travels as a message (``AskableWorker/message(asking:)``)
  /// through the owner's queue, after the messages already there. The
  /// timeout covers both waiting for room in that queue (bounded further by
  /// a ``BackpressurePolicy/timeout(_:)`` policy; ``BackpressurePolicy/failFast``
  /// fails at once) and waiting for the reply.
  ///
  /// - Parameters:
  ///   - request: The request.
  ///   - key: The routing key, hashed stably as for `send(_:key:)`.
  ///   - timeout: The most to wait, from the call.
  /// - Returns: The worker's reply.
  /// - Throws: ``AskError`` holding `request`: ``PoolError/shutDown``,
  ///   ``PoolError/queueFull``, ``PoolError/timedOut``,
  ///   ``PoolError/cancelled`` or ``PoolError/noReply``.
  public func ask<Key: StableHashable>(
    _ request: W.Request, key: Key, timeout: Duration
  ) async throws(AskError<W.Request>) -> W.Reply {
    let hash = partitioner.keyHasher.hash(key)
    return try await _ask(
      request, keyHash: hash, to: partitioner.worker(forKeyHash: hash), timeout: timeout)
  }

  /// Sends `request` to one worker, bypassing the partitioner, and returns
  /// its reply (see `ask(_:key:timeout:)`).
  ///
  /// - Parameters:
  ///   - request: The request.
  ///   - workerIndex: The worker, in `0..<workerCount`.
  ///   - timeout: The most to wait, from the call.
  /// - Returns: The worker's reply.
  /// - Throws: ``AskError`` holding `request`.
  public func ask(
    _ request: W.Request, toWorker workerIndex: Int, timeout: Duration
  ) async throws(AskError<W.Request>) -> W.Reply {
    precondition(slots.indices.contains(workerIndex), "worker \(workerIndex) out of range")
    return try await _ask(request, keyHash: nil, to: workerIndex, timeout: timeout)
  }

  /// Sends `request` to the worker that owns `key` and blocks the calling
  /// thread until the reply comes or `timeout` passes; from Swift
  /// concurrency, use the `async` overload. Not from a handler of the same
  /// pool: a worker asking itself would wait for itself until the timeout.
  ///
  /// - Parameters:
  ///   - request: The request.
  ///   - key: The routing key.
  ///   - timeout: The most to wait, from the call.
  /// - Returns: The worker's reply.
  /// - Throws: ``AskError`` holding `request`: ``PoolError/shutDown``,
  ///   ``PoolError/queueFull``, ``PoolError/timedOut`` or
  ///   ``PoolError/noReply``.
  public func ask<Key: StableHashable>(
    _ request: W.Request, key: Key, timeout: Duration
  ) throws(AskError<W.Request>) -> W.Reply {
    let hash = partitioner.keyHasher.hash(key)
    return try _ask(
      request, keyHash: hash, to: partitioner.worker(forKeyHash: hash), timeout: timeout)
  }

  /// Sends `request` to one worker and blocks until its reply or the
  /// timeout.
  ///
  /// - Parameters:
  ///   - request: The request.
  ///   - workerIndex: The worker, in `0..<workerCount`.
  ///   - timeout: The most to wait, from the call.
  /// - Returns: The worker's reply.
  /// - Throws: ``AskError`` holding `request`.
  public func ask(
    _ request: W.Request, toWorker workerIndex: Int, timeout: Duration
  ) throws(AskError<W.Request>) -> W.Reply {
    precondition(slots.indices.contains(workerIndex), "worker \(workerIndex) out of range")
    return try _ask(request, keyHash: nil, to: workerIndex, timeout: timeout)
  }

  func _ask(
    _ request: W.Request, keyHash: UInt64?, to index: Int, timeout: Duration
  ) async throws(AskError<W.Request>) -> W.Reply {
    let deadline = ContinuousClock.now + timeout
    let promise = _ReplyPromise<W.Reply>()
    do {
      let message = W.message(asking: Ask(request, promise: promise))
      try await _sendAsync(
        _envelope(message, keyHash, to: index), to: index, policy: _askPolicy(timeout))
    } catch {
      // The message (and its ask) come back in `error` and are dropped here.
      throw AskError(
        reason: error.reason, workerIndex: index, request: request, wasDelivered: false)
    }
    let timer = Task {
      do {
        try await Task.sleep(until: deadline, clock: .continuous)
        promise.complete(.gaveUp(.timedOut))
      } catch {}  // cancelled: the ask was settled first
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        if !promise.install(.task(continuation)) { continuation.resume() }
      }
    } onCancel: {
      promise.complete(.gaveUp(.cancelled))
    }
    timer.cancel()
    return try _askResult(promise.outcome, request, index)
  }

  func _ask(
    _ request: W.Request, keyHash: UInt64?, to index: Int, timeout: Duration
  ) throws(AskError<W.Request>) -> W.Reply {
    let deadline = MonotonicClock.deadline(after: timeout)
    let promise = _ReplyPromise<W.Reply>()
    do {
      // Scoped, so that the asker holds no reference to the ask: the
      // worker's is the last, and dropping it unanswered fails the ask.
      let message = W.message(asking: Ask(request, promise: promise))
      try _send(_envelope(message, keyHash, to: index), to: index, policy: _askPolicy(timeout))
    } catch {
      throw AskError(
        reason: error.reason, workerIndex: index, request: request, wasDelivered: false)
    }
    let parker = Parker()
    if promise.install(.thread(parker)) {
      // The parker keeps an unpark that comes before the park, so a reply
      // between `install` and `park` is not missed.
      while case .pending = promise.outcome {
        if !parker.park(deadline: deadline) { promise.complete(.gaveUp(.timedOut)) }
      }
    }
    return try _askResult(promise.outcome, request, index)
  }

  /// The submission policy of an ask: the pool's, with any wait bounded by
  /// the ask's timeout.
  func _askPolicy(_ timeout: Duration) -> BackpressurePolicy.Kind {
    switch backpressure {
    case .failFast: return .failFast
    case .block: return .timeout(timeout)
    case .timeout(let limit): return .timeout(min(limit, timeout))
    }
  }

  func _askResult(
    _ outcome: _ReplyPromise<W.Reply>.Outcome, _ request: W.Request, _ index: Int
  ) throws(AskError<W.Request>) -> W.Reply {
    switch outcome {
    case .replied(let reply):
      return reply
    case .noReply:
      throw AskError(reason: .noReply, workerIndex: index, request: request, wasDelivered: true)
    case .gaveUp(let reason):
      throw AskError(reason: reason, workerIndex: index, request: request, wasDelivered: true)
    case .pending:
      preconditionFailure("an ask's outcome read before it was settled")
    }
  }
}
