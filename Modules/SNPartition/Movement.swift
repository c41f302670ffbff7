/// Which keys of a sample change owner between two partitioners.
///
/// Use it before a membership change to plan state migration: build the new
/// partitioner, compare it with the current one over the keys you hold, and
/// move exactly the reported keys. Owners are compared by worker **id**, so
/// re-numbered indices do not count as moves.
public struct MovementReport<Key>: Sendable where Key: Sendable {
  /// One key whose owner changes.
  public struct Move: Sendable {
    /// The key.
    public let key: Key
    /// The id of the worker that owns it now.
    public let fromWorkerID: Int
    /// The id of the worker that will own it.
    public let toWorkerID: Int
  }

  /// The keys that change owner, in sample order.
  public let moves: [Move]
  /// The number of keys compared.
  public let sampleSize: Int

  /// The fraction of the sample that moves, in 0...1 (0 for an empty sample).
  public var movedFraction: Double {
    sampleSize == 0 ? 0 : Double(moves.count) / Double(sampleSize)
  }

  /// Compares the owners of `keys` under `current` and `next`.
  ///
  /// Each partitioner hashes keys with its own ``Partitioner/keyHasher``.
  ///
  /// - Parameters:
  ///   - current: The partitioner in use.
  ///   - next: The partitioner that will replace it.
  ///   - keys: The keys to check, e.g. every key a worker holds state for.
  /// - Complexity: One lookup in each partitioner per key.
  public init<Current: Partitioner, Next: Partitioner, Keys: Sequence<Key>>(
    from current: Current, to next: Next, keys: Keys
  ) where Key: StableHashable {
    var moves: [Move] = []
    var count = 0
    for key in keys {
      count += 1
      let before = current.workerID(for: key)
      let after = next.workerID(for: key)
      if before != after { moves.append(Move(key: key, fromWorkerID: before, toWorkerID: after)) }
    }
    self.moves = moves
    self.sampleSize = count
  }
}

/// The fraction of `keyHashes` whose owner (by worker id) differs between two partitioners.
///
/// The counting core of ``MovementReport`` for pre-hashed keys; both
/// partitioners must use the same key hasher for the comparison to mean anything.
///
/// - Parameters:
///   - current: The partitioner in use.
///   - next: The partitioner that will replace it.
///   - keyHashes: Key hashes to compare.
/// - Returns: The moved fraction in 0...1 (0 for no keys).
/// - Complexity: One lookup in each partitioner per hash.
public func movedFraction<Current: Partitioner, Next: Partitioner>(
  from current: Current, to next: Next, keyHashes: some Collection<UInt64>
) -> Double {
  precondition(current.keyHasher == next.keyHasher, "partitioners hash keys differently")
  guard !keyHashes.isEmpty else { return 0 }
  let currentIDs = current.workerIDs
  let nextIDs = next.workerIDs
  var moved = 0
  for hash in keyHashes
  where currentIDs[current.worker(forKeyHash: hash)] != nextIDs[next.worker(forKeyHash: hash)] {
    moved += 1
  }
  return Double(moved) / Double(keyHashes.count)
}
