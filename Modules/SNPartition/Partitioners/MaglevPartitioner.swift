/// Maglev hashing (Eisenbud et al., NSDI 2016): the fastest consistent lookup.
///
/// A prime-sized table is filled by letting each worker claim slots in its
/// own pseudo-random permutation, in turns, so every worker owns
/// ⌊M/N⌋ or ⌈M/N⌉ slots. A lookup is one multiply and one table read.
///
/// Movement on a membership change is close to ideal but not exact: a few keys
/// of unchanged workers also move. The excess shrinks as M/N grows; the paper's
/// rule is M > 100·N, which is the default here (and never below 65,537, the
/// Envoy default). Rebuilding the table costs O(M log M). Weighted workers
/// take proportionally more turns, so they own proportionally more slots.
@frozen
public struct MaglevPartitioner: Partitioner {
  /// The stable key hash.
  public let keyHasher: KeyHasher
  /// The ids of the workers, in index order.
  public let workerIDs: [Int]
  /// The table size M, a prime.
  public let tableSize: Int
  /// The weights, one per worker; `nil` when unweighted.
  public let weights: [Double]?
  @usableFromInline let _table: [Int32]

  /// The default table size for `workers` workers: the smallest prime ≥ max(65,537, 100·N),
  /// capped at 1,073,741,789, the largest prime below 2^30 (the largest table accepted).
  ///
  /// - Parameter workers: The number of workers.
  /// - Returns: The table size.
  public static func defaultTableSize(workers: Int) -> Int {
    // 100 slots per worker, but never above the largest table accepted:
    // past that, the largest prime below 2^30 (so no overflow for any count).
    let largest = 1_073_741_789
    guard workers <= (largest - 1) / 100 else { return largest }
    var size = max(65_537, 100 * max(workers, 1))
    while !isPrime(size) { size += 1 }
    return min(size, largest)
  }

  static func isPrime(_ value: Int) -> Bool {
    if value < 2 { return false }
    if value % 2 == 0 { return value == 2 }
    var divisor = 3
    while divisor * divisor <= value {
      if value % divisor == 0 { return false }
      divisor += 2
    }
    return true
  }

  /// Creates a Maglev table over workers `0..<workers`.
  ///
  /// - Parameters:
  ///   - workers: The number of workers, at least 1.
  ///   - tableSize: A prime ≥ `workers`; ``defaultTableSize(workers:)`` when `nil`.
  ///   - keyHasher: The stable key hash; XXH64 with the routing seed by default.
  /// - Throws: ``PartitionError/noWorkers``, ``PartitionError/negativeCount``,
  ///   ``PartitionError/invalidTableSize``.
  public init(workers: Int, tableSize: Int? = nil, keyHasher: KeyHasher = .default)
    throws(PartitionError)
  {
    try self.init(workerIDs: try _denseIDs(workers), tableSize: tableSize, keyHasher: keyHasher)
  }

  /// Creates a Maglev table over the given worker ids, optionally weighted.
  ///
  /// Workers take turns in ascending id order, so the table depends only on the
  /// set of ids (and their weights), not on their order in the array. With
  /// weights, a worker's turns (and so its slots and its share of keys) are
  /// proportional to its weight, to within one slot per fill round.
  ///
  /// - Parameters:
  ///   - workerIDs: Unique worker ids, at least one.
  ///   - tableSize: A prime ≥ the worker count; ``defaultTableSize(workers:)`` when `nil`.
  ///   - weights: One finite, positive weight per worker, or `nil` for equal shares.
  ///   - keyHasher: The stable key hash; XXH64 with the routing seed by default.
  /// - Throws: ``PartitionError/noWorkers``, ``PartitionError/duplicateWorkerID``,
  ///   ``PartitionError/invalidTableSize``, ``PartitionError/weightCountMismatch``,
  ///   ``PartitionError/invalidWeight``.
  /// - Complexity: O(M log M) expected to fill the table.
  public init(
    workerIDs: [Int], tableSize: Int? = nil, weights: [Double]? = nil,
    keyHasher: KeyHasher = .default
  ) throws(PartitionError) {
    try _validateWorkerIDs(workerIDs)
    if let weights { try _validateWeights(weights, workerCount: workerIDs.count) }
    let size = tableSize ?? Self.defaultTableSize(workers: workerIDs.count)
    guard size >= workerIDs.count, size <= 1 << 30, Self.isPrime(size) else {
      throw .invalidTableSize
    }
    // Equal weights are the unweighted table.
    let weights = weights.flatMap { Set($0).count == 1 ? nil : $0 }
    self.workerIDs = workerIDs
    self.tableSize = size
    self.weights = weights
    self.keyHasher = keyHasher
    self._table = Self.populate(workerIDs: workerIDs, weights: weights, size: size)
  }

  private static func populate(workerIDs: [Int], weights: [Double]?, size: Int) -> [Int32] {
    let order = workerIDs.indices.sorted { workerIDs[$0] < workerIDs[$1] }
    let modulus = UInt64(size)
    let offsets = order.map { Int(_workerSeed(workerIDs[$0], salt: 0x4D47_4F46) % modulus) }
    let skips = order.map {
      Int(_workerSeed(workerIDs[$0], salt: 0x4D47_534B) % (modulus - 1)) + 1
    }
    // Each worker walks its permutation offset, offset + skip, … (mod M); M prime
    // makes every walk visit every slot. Advancing by addition with one
    // conditional subtraction avoids a multiply and a division per step.
    var position = offsets
    var table = [Int32](repeating: -1, count: size)
    // Round r lets each worker claim until it holds ⌊r · w / w_max⌋ slots (one
    // per round when unweighted), each claim taking the next free slot on its walk.
    let largest = weights?.max() ?? 1
    let share = order.map { index in weights.map { $0[index] / largest } ?? 1 }
    var claimed = [Int](repeating: 0, count: order.count)
    var filled = 0
    var round = 0
    fill: while true {
      round += 1
      for turn in order.indices {
        let allowed = Int((Double(round) * share[turn]).rounded(.down))
        while claimed[turn] < allowed {
          var slot = position[turn]
          while table[slot] >= 0 {
            slot += skips[turn]
            if slot >= size { slot -= size }
          }
          table[slot] = Int32(order[turn])
          slot += skips[turn]
          position[turn] = slot >= size ? slot - size : slot
          claimed[turn] += 1
          filled += 1
          if filled == size { break fill }
        }
      }
    }
    return table
  }

  /// The worker for a key hash: `table[⌊hash·M / 2⁶⁴⌋]`.
  ///
  /// - Parameter keyHash: The key's hash under ``keyHasher``.
  /// - Returns: A worker index in `0..<workerCount`.
  /// - Complexity: O(1): one multiply and one table read.
  @inlinable
  public func worker(forKeyHash keyHash: UInt64) -> Int {
    _table.withUnsafeBufferPointer { table in
      Int(table[_reduce(keyHash, UInt64(truncatingIfNeeded: table.count))])
    }
  }

  /// A partitioner with one more worker; the table keeps its size.
  ///
  /// Keeping M is what keeps movement near the ideal: a table of another size
  /// would reshuffle every key. Size the table for the most workers you expect
  /// (M ≥ 100 × that count) when you build the first partitioner.
  ///
  /// - Parameters:
  ///   - id: The new worker's id.
  ///   - weight: Its weight; required when this partitioner is weighted, and
  ///     makes it weighted (others at weight 1) when it is not.
  /// - Returns: The new partitioner; the new worker gets the last index.
  /// - Throws: ``PartitionError/duplicateWorkerID``, ``PartitionError/invalidWeight``,
  ///   ``PartitionError/weightCountMismatch``, or ``PartitionError/invalidTableSize``
  ///   if the table has fewer slots than workers.
  /// - Complexity: O(M log M) to refill the table.
  public func addingWorker(id: Int, weight: Double? = nil) throws(PartitionError)
    -> MaglevPartitioner
  {
    var newWeights: [Double]?
    switch (weights, weight) {
    case (nil, nil): newWeights = nil
    case (let existing?, let weight?): newWeights = existing + [weight]
    case (nil, let weight?): newWeights = Array(repeating: 1, count: workerIDs.count) + [weight]
    case (.some, nil): throw .weightCountMismatch
    }
    return try MaglevPartitioner(
      workerIDs: workerIDs + [id], tableSize: tableSize, weights: newWeights, keyHasher: keyHasher)
  }

  /// A partitioner without worker `id` (table rebuilt at the same size).
  ///
  /// - Parameter id: The worker to remove.
  /// - Returns: The new partitioner; later workers' indices shift down by one.
  /// - Throws: ``PartitionError/unknownWorker``, or ``PartitionError/noWorkers``
  ///   when removing the only worker.
  public func removingWorker(id: Int) throws(PartitionError) -> MaglevPartitioner {
    guard let position = workerIDs.firstIndex(of: id) else { throw .unknownWorker }
    var remaining = workerIDs
    remaining.remove(at: position)
    var remainingWeights = weights
    remainingWeights?.remove(at: position)
    return try MaglevPartitioner(
      workerIDs: remaining, tableSize: tableSize, weights: remainingWeights, keyHasher: keyHasher)
  }
}
