/// Rendezvous (highest-random-weight) hashing, with exact weights.
///
/// Every worker scores the key with its own seeded hash; the highest score
/// wins. Removing a worker moves only its keys, adding one takes exactly its
/// share, and weighted scores (`weight / -ln(u)`) give each worker a share of
/// keys equal to its share of the total weight, with no table to build.
///
/// A lookup costs one hash per worker, O(N): the fastest choice for a handful
/// of workers, the wrong one for hundreds (use ``AnchorHashPartitioner``).
@frozen
public struct RendezvousPartitioner: Partitioner {
  /// The stable key hash.
  public let keyHasher: KeyHasher
  /// The ids of the workers, in index order.
  public let workerIDs: [Int]
  /// The weights, one per worker; `nil` when unweighted.
  public let weights: [Double]?
  @usableFromInline let _seeds: [UInt64]

  /// Creates an unweighted rendezvous partitioner over workers `0..<workers`.
  ///
  /// - Parameters:
  ///   - workers: The number of workers, at least 1.
  ///   - keyHasher: The stable key hash; XXH64 with the routing seed by default.
  /// - Throws: ``PartitionError/noWorkers`` or ``PartitionError/negativeCount``.
  public init(workers: Int, keyHasher: KeyHasher = .default) throws(PartitionError) {
    try self.init(workerIDs: try _denseIDs(workers), weights: nil, keyHasher: keyHasher)
  }

  /// Creates a rendezvous partitioner over the given workers, optionally weighted.
  ///
  /// - Parameters:
  ///   - workerIDs: Unique worker ids, at least one.
  ///   - weights: One finite, positive weight per worker, or `nil` for equal shares.
  ///   - keyHasher: The stable key hash; XXH64 with the routing seed by default.
  /// - Throws: ``PartitionError/noWorkers``, ``PartitionError/duplicateWorkerID``,
  ///   ``PartitionError/weightCountMismatch``, ``PartitionError/invalidWeight``.
  public init(workerIDs: [Int], weights: [Double]? = nil, keyHasher: KeyHasher = .default)
    throws(PartitionError)
  {
    try _validateWorkerIDs(workerIDs)
    if let weights { try _validateWeights(weights, workerCount: workerIDs.count) }
    self.workerIDs = workerIDs
    // Equal weights are the unweighted case: skip the logarithms.
    self.weights = weights.flatMap { Set($0).count == 1 ? nil : $0 }
    self.keyHasher = keyHasher
    self._seeds = workerIDs.map { _workerSeed($0, salt: 0x4852_57) }  // "HRW"
  }

  /// The worker for a key hash: the highest-scoring worker.
  ///
  /// - Parameter keyHash: The key's hash under ``keyHasher``.
  /// - Returns: A worker index in `0..<workerCount`.
  /// - Complexity: O(N): one 64-bit mix per worker (plus one logarithm each when weighted).
  @inlinable
  public func worker(forKeyHash keyHash: UInt64) -> Int {
    if let weights { return _weightedWorker(keyHash, weights) }
    return _seeds.withUnsafeBufferPointer { seeds in
      var best: UInt64 = 0
      var winner = 0
      for index in seeds.indices {
        let score = _mix64(keyHash ^ seeds[index])
        if score > best {
          best = score
          winner = index
        }
      }
      return winner
    }
  }

  @usableFromInline
  func _weightedWorker(_ keyHash: UInt64, _ weights: [Double]) -> Int {
    var best = -Double.infinity
    var winner = 0
    for index in _seeds.indices {
      // u in (0, 1) from the top 53 bits; score = w / -ln(u) is distributed so
      // that P(worker i wins) = w_i / Σw (an exponential race).
      let bits = _mix64(keyHash ^ _seeds[index]) >> 11
      let unit = (Double(bits) + 0.5) * 0x1p-53
      let score = weights[index] / -_stableLog(unit)
      if score > best {
        best = score
        winner = index
      }
    }
    return winner
  }

  /// A partitioner with one more worker; it takes exactly its share of keys.
  ///
  /// - Parameters:
  ///   - id: The new worker's id.
  ///   - weight: Its weight; required (and only allowed) when this partitioner is weighted.
  /// - Returns: The new partitioner; the new worker gets the last index.
  /// - Throws: ``PartitionError/duplicateWorkerID``, ``PartitionError/invalidWeight``,
  ///   ``PartitionError/weightCountMismatch``.
  public func addingWorker(id: Int, weight: Double? = nil) throws(PartitionError)
    -> RendezvousPartitioner
  {
    var newWeights: [Double]?
    switch (weights, weight) {
    case (nil, nil): newWeights = nil
    case (let existing?, let weight?): newWeights = existing + [weight]
    case (nil, let weight?): newWeights = Array(repeating: 1, count: workerIDs.count) + [weight]
    case (.some, nil): throw .weightCountMismatch
    }
    return try RendezvousPartitioner(
      workerIDs: workerIDs + [id], weights: newWeights, keyHasher: keyHasher)
  }

  /// A partitioner without worker `id`; only its keys move.
  ///
  /// - Parameter id: The worker to remove.
  /// - Returns: The new partitioner; later workers' indices shift down by one.
  /// - Throws: ``PartitionError/unknownWorker``, or ``PartitionError/noWorkers``
  ///   when removing the only worker.
  public func removingWorker(id: Int) throws(PartitionError) -> RendezvousPartitioner {
    guard let position = workerIDs.firstIndex(of: id) else { throw .unknownWorker }
    var remaining = workerIDs
    remaining.remove(at: position)
    var remainingWeights = weights
    remainingWeights?.remove(at: position)
    return try RendezvousPartitioner(
      workerIDs: remaining, weights: remainingWeights, keyHasher: keyHasher)
  }
}

/// Natural logarithm for x in (0, 1], from +, ×, ÷ only, so every platform
/// computes the same bits (libm's `log` may differ in the last place between
/// glibc and Darwin, and a routing decision must not). Accurate to a few ulp.
@usableFromInline
func _stableLog(_ x: Double) -> Double {
  // x = m · 2^e with m in [√½, √2); ln x = e·ln 2 + 2·atanh((m−1)/(m+1)).
  var exponent = Int(x.exponent)
  var mantissa = x.significand  // [1, 2)
  if mantissa > 1.414_213_562_373_095_1 {
    mantissa *= 0.5
    exponent += 1
  }
  let s = (mantissa - 1) / (mantissa + 1)
  let s2 = s * s
  // Odd series of atanh: |s| < 0.1716, so 12 terms reach double precision.
  var term = s2 / 23
  term = s2 * (1.0 / 21 + term)
  term = s2 * (1.0 / 19 + term)
  term = s2 * (1.0 / 17 + term)
  term = s2 * (1.0 / 15 + term)
  term = s2 * (1.0 / 13 + term)
  term = s2 * (1.0 / 11 + term)
  term = s2 * (1.0 / 9 + term)
  term = s2 * (1.0 / 7 + term)
  term = s2 * (1.0 / 5 + term)
  term = s2 * (1.0 / 3 + term)
  let atanh = s * (1 + term)
  return Double(exponent) * 0.693_147_180_559_945_3 + 2 * atanh
}
