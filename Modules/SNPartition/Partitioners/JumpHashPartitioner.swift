/// Jump consistent hash (Lamping and Veach, 2014): the default for consistent routing.
///
/// No memory beyond the worker list, balance at the sampling floor, and the
/// ideal movement: growing from N to N+1 workers moves 1/(N+1) of the keys, all
/// of them to the new worker. Lookup runs an expected ln N loop iterations.
///
/// The catch: workers are numbered `0..<N`, and only the **last** one can be
/// removed without remapping others. To take out an arbitrary worker, use
/// ``AnchorHashPartitioner``, or keep jump over logical shards and move shard
/// ownership instead.
@frozen
public struct JumpHashPartitioner: Partitioner {
  /// The stable key hash.
  public let keyHasher: KeyHasher
  /// The ids of the workers, `0..<workerCount`; bucket *i* is worker *i*.
  public let workerIDs: [Int]
  @usableFromInline let _count: Int64

  /// Creates a jump-hash partitioner over workers `0..<workers`.
  ///
  /// - Parameters:
  ///   - workers: The number of workers (buckets), at least 1.
  ///   - keyHasher: The stable key hash; XXH64 with the routing seed by default.
  /// - Throws: ``PartitionError/noWorkers`` or ``PartitionError/negativeCount``.
  public init(workers: Int, keyHasher: KeyHasher = .default) throws(PartitionError) {
    self.workerIDs = try _denseIDs(workers)
    self.keyHasher = keyHasher
    self._count = Int64(workers)
  }

  /// The worker for a key hash.
  ///
  /// The loop is the paper's: a linear congruential step per jump, with the jump
  /// length computed in `Double` exactly as published, so results match other
  /// ports of the paper's code for the same 64-bit key.
  ///
  /// - Parameter keyHash: The key's hash under ``keyHasher``.
  /// - Returns: A worker index in `0..<workerCount`.
  /// - Complexity: O(log N) expected.
  @inlinable
  public func worker(forKeyHash keyHash: UInt64) -> Int {
    var key = keyHash
    var bucket: Int64 = -1
    var next: Int64 = 0
    while next < _count {
      bucket = next
      key = key &* 2_862_933_555_777_941_757 &+ 1
      next = Int64(Double(bucket &+ 1) * (Double(Int64(1) << 31) / Double((key >> 33) &+ 1)))
    }
    return Int(bucket)
  }

  /// A partitioner with one more worker, id `workerCount`; it takes 1/(N+1) of
  /// the keys and no other key moves.
  ///
  /// - Returns: The new partitioner.
  public func addingWorker() -> JumpHashPartitioner {
    try! JumpHashPartitioner(workers: workerIDs.count + 1, keyHasher: keyHasher)
  }

  /// A partitioner without worker `id`.
  ///
  /// - Parameter id: The worker to remove; must be the last one (`workerCount - 1`).
  /// - Returns: The new partitioner; only the removed worker's keys move.
  /// - Throws: ``PartitionError/unknownWorker`` if there is no such worker,
  ///   ``PartitionError/unsupportedRemoval`` if it is not the last,
  ///   ``PartitionError/noWorkers`` if it is the only one.
  public func removingWorker(id: Int) throws(PartitionError) -> JumpHashPartitioner {
    guard workerIDs.indices.contains(id) else { throw .unknownWorker }
    guard id == workerIDs.count - 1 else { throw .unsupportedRemoval }
    return try JumpHashPartitioner(workers: workerIDs.count - 1, keyHasher: keyHasher)
  }
}
