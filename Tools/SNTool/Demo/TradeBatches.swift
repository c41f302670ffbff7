/// Fixed buffers of packed trades that the shared-nothing demo's workers
/// pass to each other by indirection: a worker fills a buffer it owns with
/// trades for one peer and sends the peer only a small handle (``Handle``)
/// over the mesh; the peer folds the buffer and hands it back with another
/// handle. Per trade, that is one 8-byte store on the generating core and
/// one load on the owning core, with no per-trade mesh message.
///
/// Every ordered pair of workers `(from, to)` has `depth` buffers of
/// `capacity` trades. Buffer `(from, to, i)` is written only by worker
/// `from` while it holds the buffer, and read only by worker `to` between
/// the handle that lends it and the handle that returns it; the mesh lanes
/// order both hand-overs (see ``MeshAggregationWorker``). The storage is
/// freed when the last worker copy lets go of it.
public final class TradeBatches: @unchecked Sendable {
  /// Workers in the mesh.
  public let workerCount: Int
  /// Buffers per ordered pair of workers.
  public let depth: Int
  /// Trades per buffer.
  public let capacity: Int
  let storage: _TradeBatchStorage

  /// Allocates every buffer.
  ///
  /// - Parameters:
  ///   - workerCount: Workers, at least 1.
  ///   - depth: Buffers per ordered pair, at least 1.
  ///   - capacity: Trades per buffer, at least 1.
  public init(workerCount: Int, depth: Int, capacity: Int) {
    precondition(workerCount >= 1 && depth >= 1 && capacity >= 1, "TradeBatches: sizes >= 1")
    self.workerCount = workerCount
    self.depth = depth
    self.capacity = capacity
    storage = _TradeBatchStorage(words: workerCount * workerCount * depth * capacity)
  }

  /// The first word of buffer `index` from worker `from` to worker `to`.
  @inline(__always)
  func base(from: Int, to: Int, index: Int) -> UnsafeMutablePointer<UInt64> {
    storage.words + ((from * workerCount + to) * depth + index) * capacity
  }
}

/// The raw words behind ``TradeBatches`` (the only raw pointer of the demo).
final class _TradeBatchStorage: @unchecked Sendable {
  let words: UnsafeMutablePointer<UInt64>
  let count: Int

  /// Allocates `count` words, left uninitialized: a buffer's words are
  /// always written before they are read, and pages no one touches (deep
  /// buffer rings a run does not need) cost nothing.
  init(words count: Int) {
    self.count = count
    words = .allocate(capacity: count)
  }

  deinit {
    // `UInt64` is trivial: nothing to deinitialize.
    words.deallocate()
  }
}
