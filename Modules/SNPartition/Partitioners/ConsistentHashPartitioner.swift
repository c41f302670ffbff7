/// The classic consistent-hash ring (Karger et al.) with virtual nodes.
///
/// Each worker places `virtualNodes` points on a 64-bit ring; a key belongs to
/// the first point at or after its hash, wrapping around. Adding or removing a
/// worker moves only that worker's share of keys.
///
/// Kept for compatibility with systems built on rings (Ketama, Envoy
/// `ring_hash`, Cassandra tokens). Its balance is the weakest of the consistent
/// schemes here: the busiest worker carries about 1 + z/√V times the mean, where
/// z grows with the worker count (≈ 1.12 at 8 workers and ≈ 1.3 at 1024 with the
/// default 150 virtual nodes). Prefer ``JumpHashPartitioner`` or
/// ``AnchorHashPartitioner`` for new designs, or raise `virtualNodes`.
@frozen
public struct ConsistentHashPartitioner: Partitioner {
  /// The default number of virtual nodes per worker, 150.
  public static let defaultVirtualNodes = 150

  /// The stable key hash.
  public let keyHasher: KeyHasher
  /// The ids of the workers, in index order.
  public let workerIDs: [Int]
  /// Points on the ring per worker of weight 1.
  public let virtualNodes: Int
  /// The weights, one per worker; `nil` when unweighted.
  public let weights: [Double]?
  /// Ring points in ascending order.
  @usableFromInline let _points: [UInt64]
  /// `_owners[i]` is the worker index owning `_points[i]`.
  @usableFromInline let _owners: [Int32]

  /// Creates a ring over workers `0..<workers`.
  ///
  /// - Parameters:
  ///   - workers: The number of workers, at least 1.
  ///   - virtualNodes: Points per worker, at least 1; 150 by default.
  ///   - keyHasher: The stable key hash; XXH64 with the routing seed by default.
  /// - Throws: ``PartitionError/noWorkers``, ``PartitionError/negativeCount``,
  ///   ``PartitionError/invalidVirtualNodes``.
  /// - Complexity: O(V·N log(V·N)) to build.
  public init(
    workers: Int, virtualNodes: Int = defaultVirtualNodes, keyHasher: KeyHasher = .default
  ) throws(PartitionError) {
    try self.init(
      workerIDs: try _denseIDs(workers), virtualNodes: virtualNodes, keyHasher: keyHasher)
  }

  /// Creates a ring over the given worker ids, optionally weighted.
  ///
  /// A worker's points depend only on its id (and weight), so the same ids give
  /// the same ring in any order and on any machine. A worker of weight w gets
  /// `max(1, round(w × virtualNodes))` points, so its share is roughly
  /// proportional to w, with the ring's usual 1/√points noise. Weights are
  /// multipliers, not normalised, so adding a worker never moves the others'
  /// points.
  ///
  /// - Parameters:
  ///   - workerIDs: Unique worker ids, at least one.
  ///   - virtualNodes: Points per worker of weight 1, at least 1; 150 by default.
  ///   - weights: One finite, positive weight per worker, or `nil` for equal shares.
  ///   - keyHasher: The stable key hash; XXH64 with the routing seed by default.
  /// - Throws: ``PartitionError/noWorkers``, ``PartitionError/duplicateWorkerID``,
  ///   ``PartitionError/invalidVirtualNodes``, ``PartitionError/weightCountMismatch``,
  ///   ``PartitionError/invalidWeight``, ``PartitionError/tooManyWorkers``.
  /// - Complexity: O(P log P) to build, for P points in total.
  public init(
    workerIDs: [Int], virtualNodes: Int = defaultVirtualNodes, weights: [Double]? = nil,
    keyHasher: KeyHasher = .default
  ) throws(PartitionError) {
    try _validateWorkerIDs(workerIDs)
    guard virtualNodes >= 1 else { throw .invalidVirtualNodes }
    if let weights { try _validateWeights(weights, workerCount: workerIDs.count) }
    let weights = weights.flatMap { $0.allSatisfy { $0 == 1 } ? nil : $0 }
    let limit = Double(Int32.max)
    var pointCounts: [Int] = []
    var points = 0
    for index in workerIDs.indices {
      let scaled = (weights.map { $0[index] } ?? 1) * Double(virtualNodes)
      guard scaled < limit else { throw .tooManyWorkers }
      let count = max(1, Int(scaled.rounded()))
      pointCounts.append(count)
      points += count
      guard points < Int(Int32.max) else { throw .tooManyWorkers }
    }
    // Each entry packs (point, rank of the worker's id, worker index) into one
    // UInt128, so a plain integer sort orders the ring, breaks (vanishingly
    // rare) point ties by id rather than by input order, and runs several times
    // faster than sorting tuples with a closure.
    var rank = [Int](repeating: 0, count: workerIDs.count)
    for (position, index) in workerIDs.indices.sorted(by: { workerIDs[$0] < workerIDs[$1] })
      .enumerated()
    {
      rank[index] = position
    }
    var entries: [UInt128] = []
    entries.reserveCapacity(points)
    for (index, id) in workerIDs.enumerated() {
      let seed = _workerSeed(id, salt: 0x5249_4E47)  // "RING"
      let tag = UInt128(UInt64(rank[index]) << 32 | UInt64(index))
      for replica in 0..<pointCounts[index] {
        let point = _mix64(seed &+ UInt64(replica) &* 0x9E37_79B9_7F4A_7C15)
        entries.append(UInt128(point) << 64 | tag)
      }
    }
    entries.sort()
    self._points = entries.map { UInt64(truncatingIfNeeded: $0 >> 64) }
    self._owners = entries.map { Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
    self.workerIDs = workerIDs
    self.virtualNodes = virtualNodes
    self.weights = weights
    self.keyHasher = keyHasher
  }

  /// The worker for a key hash: the owner of the first ring point ≥ the hash.
  ///
  /// - Parameter keyHash: The key's hash under ``keyHasher``.
  /// - Returns: A worker index in `0..<workerCount`.
  /// - Complexity: O(log(V·N)): a branch-free binary search.
  @inlinable
  public func worker(forKeyHash keyHash: UInt64) -> Int {
    _points.withUnsafeBufferPointer { points in
      // Branch-free lower bound: `base` only moves forward by a conditional add,
      // which compiles to a cmov, so the search never mispredicts.
      var base = 0
      var length = points.count
      while length > 1 {
        let half = length >> 1
        base = points[base &+ half] < keyHash ? base &+ half : base
        length &-= half
      }
      var slot = base &+ (points[base] < keyHash ? 1 : 0)
      if slot == points.count { slot = 0 }
      return _owners.withUnsafeBufferPointer { Int($0[slot]) }
    }
  }

  /// A ring with one more worker; only the keys its points capture move.
  ///
  /// - Parameters:
  ///   - id: The new worker's id.
  ///   - weight: Its weight; `nil` means 1.
  /// - Returns: The new partitioner; the new worker gets the last index.
  /// - Throws: ``PartitionError/duplicateWorkerID`` if `id` is already present,
  ///   ``PartitionError/invalidWeight`` for a bad weight.
  public func addingWorker(id: Int, weight: Double? = nil) throws(PartitionError)
    -> ConsistentHashPartitioner
  {
    let newWeights: [Double]? =
      weights == nil && weight == nil
      ? nil : (weights ?? Array(repeating: 1, count: workerIDs.count)) + [weight ?? 1]
    return try ConsistentHashPartitioner(
      workerIDs: workerIDs + [id], virtualNodes: virtualNodes, weights: newWeights,
      keyHasher: keyHasher)
  }

  /// A ring without worker `id`; only its keys move.
  ///
  /// - Parameter id: The worker to remove.
  /// - Returns: The new partitioner; later workers' indices shift down by one.
  /// - Throws: ``PartitionError/unknownWorker``, or ``PartitionError/noWorkers``
  ///   when removing the only worker.
  public func removingWorker(id: Int) throws(PartitionError) -> ConsistentHashPartitioner {
    guard let position = workerIDs.firstIndex(of: id) else { throw .unknownWorker }
    var remaining = workerIDs
    remaining.remove(at: position)
    var remainingWeights = weights
    remainingWeights?.remove(at: position)
    return try ConsistentHashPartitioner(
      workerIDs: remaining, virtualNodes: virtualNodes, weights: remainingWeights,
      keyHasher: keyHasher)
  }
}
