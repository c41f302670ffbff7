/// AnchorHash (Mendelson et al., 2020): consistent hashing with arbitrary removal.
///
/// A fixed set of `capacity` buckets (the anchor) holds the working workers.
/// Removing *any* worker moves only its keys, spread evenly over the others;
/// adding a worker takes back exactly the keys of the most recently removed
/// bucket, so **add-then-remove (or remove-then-add) restores the previous
/// mapping exactly**. Balance is at the sampling floor and a lookup is a short
/// loop whose expected length depends on capacity/workers (about 1 + ln 2 at the
/// default capacity of 2·N).
///
/// Memory: four 32-bit integers per bucket of capacity. Changes copy the
/// arrays (O(capacity)); lookups never write.
@frozen
public struct AnchorHashPartitioner: Partitioner {
  /// The stable key hash.
  public let keyHasher: KeyHasher
  /// The ids of the working workers, in bucket order.
  public let workerIDs: [Int]
  /// The number of buckets: the most workers this partitioner can ever hold.
  public let capacity: Int

  /// `A[b]`: 0 if bucket b works, else the working-set size just after b was removed.
  @usableFromInline let _removedAt: [Int32]
  /// `K[b]`: the bucket b's keys go to within the working set `A[b]` was taken from.
  @usableFromInline let _successor: [Int32]
  /// Bucket → worker index (position in `workerIDs`), -1 for removed buckets.
  @usableFromInline let _bucketIndex: [Int32]
  /// `W`: the working set as a permutation of buckets; `L`: where each bucket sits in W.
  let _working: [Int32]
  let _location: [Int32]
  /// `R`: removed buckets, the most recent last.
  let _removed: [Int32]
  /// Bucket → worker id (stale for removed buckets).
  let _bucketIDs: [Int]

  /// Creates an AnchorHash over workers `0..<workers`.
  ///
  /// - Parameters:
  ///   - workers: The number of workers, at least 1.
  ///   - capacity: The most workers ever; `2 × workers` when `nil`.
  ///   - keyHasher: The stable key hash; XXH64 with the routing seed by default.
  /// - Throws: ``PartitionError/noWorkers``, ``PartitionError/negativeCount``,
  ///   ``PartitionError/invalidCapacity``.
  public init(workers: Int, capacity: Int? = nil, keyHasher: KeyHasher = .default)
    throws(PartitionError)
  {
    try self.init(workerIDs: try _denseIDs(workers), capacity: capacity, keyHasher: keyHasher)
  }

  /// Creates an AnchorHash over the given worker ids; worker *i* starts in bucket *i*.
  ///
  /// - Parameters:
  ///   - workerIDs: Unique worker ids, at least one.
  ///   - capacity: The most workers ever (≥ `workerIDs.count`); twice the count when `nil`.
  ///   - keyHasher: The stable key hash; XXH64 with the routing seed by default.
  /// - Throws: ``PartitionError/noWorkers``, ``PartitionError/duplicateWorkerID``,
  ///   ``PartitionError/invalidCapacity``.
  /// - Complexity: O(capacity).
  public init(workerIDs: [Int], capacity: Int? = nil, keyHasher: KeyHasher = .default)
    throws(PartitionError)
  {
    try _validateWorkerIDs(workerIDs)
    let count = workerIDs.count
    let capacity = capacity ?? 2 * count
    guard capacity >= count, capacity <= Int(Int32.max) else { throw .invalidCapacity }
    var removedAt = [Int32](repeating: 0, count: capacity)
    var removed: [Int32] = []
    // Buckets beyond the initial workers start removed, highest first, so that
    // adding workers later fills buckets count, count+1, … in order.
    for bucket in stride(from: capacity - 1, through: count, by: -1) {
      removed.append(Int32(bucket))
      removedAt[bucket] = Int32(bucket)
    }
    let identity = (0..<capacity).map { Int32($0) }
    self.init(
      keyHasher: keyHasher, capacity: capacity, removedAt: removedAt, successor: identity,
      working: identity, location: identity, removed: removed,
      bucketIDs: workerIDs + Array(repeating: -1, count: capacity - count))
  }

  private init(
    keyHasher: KeyHasher, capacity: Int, removedAt: [Int32], successor: [Int32],
    working: [Int32], location: [Int32], removed: [Int32], bucketIDs: [Int]
  ) {
    var ids: [Int] = []
    var bucketIndex = [Int32](repeating: -1, count: capacity)
    for bucket in 0..<capacity where removedAt[bucket] == 0 {
      bucketIndex[bucket] = Int32(ids.count)
      ids.append(bucketIDs[bucket])
    }
    self.keyHasher = keyHasher
    self.capacity = capacity
    self._removedAt = removedAt
    self._successor = successor
    self._working = working
    self._location = location
    self._removed = removed
    self._bucketIDs = bucketIDs
    self._bucketIndex = bucketIndex
    self.workerIDs = ids
  }

  /// The worker for a key hash.
  ///
  /// - Parameter keyHash: The key's hash under ``keyHasher``.
  /// - Returns: A worker index in `0..<workerCount`.
  /// - Complexity: O(1) expected; O(capacity/workers) rehashes in expectation.
  @inlinable
  public func worker(forKeyHash keyHash: UInt64) -> Int {
    _removedAt.withUnsafeBufferPointer { removedAt in
      _successor.withUnsafeBufferPointer { successor in
        var bucket = _reduce(keyHash, UInt64(truncatingIfNeeded: removedAt.count))
        while removedAt[bucket] > 0 {
          // Rehash within the working set as it was when `bucket` left, then
          // follow successors out of buckets removed after that point.
          let limit = removedAt[bucket]
          let rehash = _mix64(
            keyHash &+ UInt64(truncatingIfNeeded: bucket) &* 0xD6E8_FEB8_6659_FD93)
          var candidate = _reduce(rehash, UInt64(truncatingIfNeeded: limit))
          while removedAt[candidate] >= limit { candidate = Int(successor[candidate]) }
          bucket = candidate
        }
        return _bucketIndex.withUnsafeBufferPointer { Int($0[bucket]) }
      }
    }
  }

  /// A partitioner with worker `id` added in the most recently freed bucket.
  ///
  /// It takes exactly the keys that bucket had when it was last removed, so
  /// removing a worker and adding one back restores the earlier mapping.
  ///
  /// - Parameter id: The new worker's id.
  /// - Returns: The new partitioner.
  /// - Throws: ``PartitionError/duplicateWorkerID``, or
  ///   ``PartitionError/capacityExceeded`` when every bucket works.
  /// - Complexity: O(capacity) (copy and re-index).
  public func addingWorker(id: Int) throws(PartitionError) -> AnchorHashPartitioner {
    guard !workerIDs.contains(id) else { throw .duplicateWorkerID }
    guard let bucket32 = _removed.last else { throw .capacityExceeded }
    var removedAt = _removedAt
    var successor = _successor
    var working = _working
    var location = _location
    var removed = _removed
    var bucketIDs = _bucketIDs
    let bucket = Int(bucket32)
    let size = workerIDs.count
    removed.removeLast()
    removedAt[bucket] = 0
    location[Int(working[size])] = Int32(size)
    working[Int(location[bucket])] = bucket32
    successor[bucket] = bucket32
    bucketIDs[bucket] = id
    return AnchorHashPartitioner(
      keyHasher: keyHasher, capacity: capacity, removedAt: removedAt, successor: successor,
      working: working, location: location, removed: removed, bucketIDs: bucketIDs)
  }

  /// A partitioner without worker `id`; only its keys move, evenly to the rest.
  ///
  /// - Parameter id: The worker to remove.
  /// - Returns: The new partitioner; worker indices are re-numbered in bucket order.
  /// - Throws: ``PartitionError/unknownWorker``, or ``PartitionError/noWorkers``
  ///   when removing the only worker.
  /// - Complexity: O(capacity) (copy and re-index).
  public func removingWorker(id: Int) throws(PartitionError) -> AnchorHashPartitioner {
    guard let index = workerIDs.firstIndex(of: id) else { throw .unknownWorker }
    guard workerIDs.count > 1 else { throw .noWorkers }
    let bucket = _bucketIndex.firstIndex(of: Int32(index))!
    var removedAt = _removedAt
    var successor = _successor
    var working = _working
    var location = _location
    var removed = _removed
    let size = workerIDs.count - 1
    removed.append(Int32(bucket))
    removedAt[bucket] = Int32(size)
    let last = working[size]
    working[Int(location[bucket])] = last
    successor[bucket] = last
    location[Int(last)] = location[bucket]
    return AnchorHashPartitioner(
      keyHasher: keyHasher, capacity: capacity, removedAt: removedAt, successor: successor,
      working: working, location: location, removed: removed, bucketIDs: _bucketIDs)
  }
}
