import SNPartition

extension WorkerContext {
  /// Sends `message` to worker `index` over the pool's mesh, from a handler
  /// or a tick of this worker.
  ///
  /// The message is staged for its destination and published with the
  /// stage's other messages as one batch: when the stage fills, after the
  /// batch the run loop is handling, and whenever the worker idles. Messages
  /// from one worker to another arrive in the order they were sent. A
  /// message to this worker itself takes no lane: the run loop handles it
  /// after the current batch. Never blocks: while the destination's lane is
  /// full, messages wait in a local overflow, and the worker keeps handling
  /// its own input meanwhile (see <doc:WorkerMesh>).
  ///
  /// - Parameters:
  ///   - message: The message.
  ///   - index: The destination worker, in `0..<workerCount`.
  /// - Throws: ``SubmitError`` holding `message`: ``PoolError/queueFull`` if
  ///   the overflow for that destination already holds
  ///   ``MeshConfiguration/maxBacklog`` messages (see
  ///   ``isMeshBackpressured``), ``PoolError/shutDown`` from the final tick
  ///   or after an immediate stop.
  /// - Complexity: O(1) amortised; no atomic read-modify-write except at a
  ///   flush (one per batch).
  @inlinable @inline(__always)
  public mutating func send(
    _ message: consuming W.Message, toWorker index: Int
  ) throws(SubmitError<W.Message>) {
    guard let stage = _meshRef else {
      preconditionFailure("WorkerContext.send: the pool has no mesh (PoolConfiguration.withMesh)")
    }
    precondition(index >= 0 && index < workerCount, "worker \(index) not in 0..<\(workerCount)")
    // The context keeps the stage alive (`_mesh`): no retain and release
    // per message on the fast path.
    let message = copy message
    if stage._withUnsafeGuaranteedRef({ $0.tryStage(message, to: index) }) { return }
    try _mesh.unsafelyUnwrapped.send(message, to: index)
  }

  /// Sends `message` over the pool's mesh to the worker that owns `key`
  /// (through the pool's partitioner, as `WorkerPool.send(_:key:)` routes).
  ///
  /// The key's hash is not carried: the receiver's envelope has
  /// ``Envelope/keyHash`` `nil`. For many messages with few keys, resolve
  /// the owner once with ``meshOwner(of:)`` and use ``send(_:toWorker:)``.
  ///
  /// - Parameters:
  ///   - message: The message.
  ///   - key: The routing key.
  /// - Throws: See ``send(_:toWorker:)``.
  @inlinable
  public mutating func send<Key: StableHashable>(
    _ message: consuming W.Message, key: Key
  ) throws(SubmitError<W.Message>) {
    guard let mesh = _mesh else {
      preconditionFailure("WorkerContext.send: the pool has no mesh (PoolConfiguration.withMesh)")
    }
    try mesh.send(message, to: mesh.partitioner.worker(for: key))
  }

  /// The worker that owns `key` under the pool's partitioner.
  ///
  /// - Parameter key: The routing key.
  /// - Returns: A worker index in `0..<workerCount`.
  public func meshOwner<Key: StableHashable>(of key: Key) -> Int {
    guard let mesh = _mesh else {
      preconditionFailure(
        "WorkerContext.meshOwner: the pool has no mesh (PoolConfiguration.withMesh)")
    }
    return mesh.partitioner.worker(for: key)
  }

  /// Whether a destination's lane was full and messages wait in this
  /// worker's local overflow. A worker that generates its own input should
  /// pause generating while this is `true` (the run loop keeps flushing and
  /// keeps handling incoming messages meanwhile).
  public var isMeshBackpressured: Bool { _mesh?.isBackpressured ?? false }

  /// Messages this worker sent over the mesh that are not yet published to
  /// their lanes (staged or held back).
  public var meshBacklog: Int { _mesh?.unsent ?? 0 }

  /// Publishes every staged mesh message whose lane has room now, without
  /// waiting for the end of the batch; rarely needed (the run loop flushes).
  public mutating func flushMesh() {
    _mesh?.flushAll()
  }
}
