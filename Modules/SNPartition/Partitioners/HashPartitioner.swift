/// Plain hash partitioning: `reduce(hash(key), workerCount)`.
///
/// The cheapest lookup and balance at the sampling floor, but **not
/// consistent**: changing the worker count moves about half the keys with the
/// default multiply-high reduction, and N/(N+1) of them with modulo. Use it when
/// the worker count never changes for the life of the data (or state is not kept
/// per key); otherwise use ``JumpHashPartitioner`` or ``AnchorHashPartitioner``.
@frozen
public struct HashPartitioner: Partitioner {
  /// How a 64-bit hash is mapped onto `0..<workerCount`.
  @frozen
  public enum Reduction: Sendable, Hashable {
    /// `(hash × workerCount) >> 64`: one multiply, uniform for full 64-bit hashes.
    case multiplyHigh
    /// `hash % workerCount`: a division; what Kafka and most systems do.
    case modulo
  }

  /// The stable key hash.
  public let keyHasher: KeyHasher
  /// The ids of the workers, `0..<workerCount`.
  public let workerIDs: [Int]
  /// The reduction from hash to worker index.
  public let reduction: Reduction
  @usableFromInline let _count: UInt64

  /// Creates a hash partitioner over workers `0..<workers`.
  ///
  /// - Parameters:
  ///   - workers: The number of workers, at least 1.
  ///   - keyHasher: The stable key hash; XXH64 with the routing seed by default.
  ///   - reduction: The hash-to-index reduction; multiply-high by default.
  /// - Throws: ``PartitionError/noWorkers`` or ``PartitionError/negativeCount``.
  public init(
    workers: Int, keyHasher: KeyHasher = .default, reduction: Reduction = .multiplyHigh
  ) throws(PartitionError) {
    self.workerIDs = try _denseIDs(workers)
    self.keyHasher = keyHasher
    self.reduction = reduction
    self._count = UInt64(workers)
  }

  /// A partitioner that picks the partition Kafka's Java producer picks for a
  /// keyed record: `toPositive(murmur2(key)) % partitions`.
  ///
  /// Hash the key's *serialized* bytes (what the producer sends), e.g. the UTF-8
  /// of a `StringSerializer` key.
  ///
  /// - Parameter partitions: The topic's partition count, at least 1.
  /// - Returns: The partitioner.
  /// - Throws: ``PartitionError/noWorkers`` or ``PartitionError/negativeCount``.
  public static func kafkaCompatible(partitions: Int) throws(PartitionError) -> HashPartitioner {
    try HashPartitioner(workers: partitions, keyHasher: .kafkaMurmur2, reduction: .modulo)
  }

  /// The worker for a key hash.
  ///
  /// - Parameter keyHash: The key's hash under ``keyHasher``.
  /// - Returns: A worker index in `0..<workerCount`.
  /// - Complexity: O(1): one multiply (or one division for ``Reduction/modulo``).
  @inlinable
  public func worker(forKeyHash keyHash: UInt64) -> Int {
    switch reduction {
    case .multiplyHigh: return _reduce(keyHash, _count)
    case .modulo: return Int(truncatingIfNeeded: keyHash % _count)
    }
  }

  /// A partitioner with one more worker (id `workerCount`). Most keys move.
  ///
  /// - Returns: The new partitioner.
  public func addingWorker() -> HashPartitioner {
    try! HashPartitioner(workers: workerIDs.count + 1, keyHasher: keyHasher, reduction: reduction)
  }
}
