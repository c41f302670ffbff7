import Synchronization

/// Round robin: perfect balance, no key affinity.
///
/// Every call to ``worker(forKeyHash:)`` (or ``next()``) advances one shared
/// cursor, so successive messages go to successive workers regardless of key.
/// Use it for stateless work. With weights, worker *i* gets `weights[i]` of
/// every `weights.sum()` messages, interleaved smoothly (the "smooth weighted
/// round robin" order used by nginx), never in bursts.
///
/// Thread safety: the cursor is one atomic counter advanced with a relaxed
/// `wrappingAdd`. Each call gets a distinct ticket, so over any run of calls
/// the counts per worker differ by at most one (per weight unit). Relaxed
/// ordering is enough: the ticket carries no data, it only has to be unique.
/// Copies of a partitioner share the cursor.
@frozen
public struct RoundRobinPartitioner: Partitioner {
  /// The longest weighted schedule accepted: 1,048,576 slots (4 MiB).
  public static let maximumScheduleLength = 1 << 20

  /// Not used for routing; present for ``Partitioner`` conformance.
  public let keyHasher: KeyHasher
  /// The ids of the workers, `0..<workerCount`.
  public let workerIDs: [Int]
  /// The weights, one per worker (all 1 when unweighted).
  public let weights: [Int]
  @usableFromInline let _cursor: _Cursor
  @usableFromInline let _schedule: [Int32]

  /// The shared ticket counter.
  @usableFromInline
  final class _Cursor: Sendable {
    @usableFromInline let ticket = Atomic<UInt64>(0)
    @usableFromInline init() {}
  }

  /// Creates an unweighted round robin over workers `0..<workers`.
  ///
  /// - Parameter workers: The number of workers, at least 1.
  /// - Throws: ``PartitionError/noWorkers`` or ``PartitionError/negativeCount``.
  public init(workers: Int) throws(PartitionError) {
    self.workerIDs = try _denseIDs(workers)
    self.weights = Array(repeating: 1, count: workers)
    self.keyHasher = .default
    self._cursor = _Cursor()
    self._schedule = (0..<workers).map { Int32($0) }
  }

  /// Creates a weighted round robin over workers `0..<weights.count`.
  ///
  /// The schedule has `weights.sum() / gcd(weights)` slots.
  ///
  /// - Parameter weights: Messages per cycle for each worker; each at least 1.
  /// - Throws: ``PartitionError/noWorkers`` for no weights,
  ///   ``PartitionError/invalidWeight`` for a weight below 1,
  ///   ``PartitionError/scheduleTooLong`` past ``maximumScheduleLength``.
  /// - Complexity: O(schedule length × workers) to build.
  public init(weights: [Int]) throws(PartitionError) {
    self.workerIDs = try _denseIDs(weights.count)
    guard weights.allSatisfy({ $0 >= 1 }) else { throw .invalidWeight }
    let divisor = weights.reduce(0) { Self.gcd($0, $1) }
    let reduced = weights.map { $0 / divisor }
    var total = 0
    for weight in reduced {
      total += weight
      if total > Self.maximumScheduleLength { throw .scheduleTooLong }
    }
    self.weights = weights
    self.keyHasher = .default
    self._cursor = _Cursor()
    self._schedule = Self.smoothSchedule(reduced, total: total)
  }

  private static func gcd(_ lhs: Int, _ rhs: Int) -> Int {
    var (a, b) = (lhs, rhs)
    while b != 0 { (a, b) = (b, a % b) }
    return a
  }

  /// Smooth weighted round robin: each step every worker gains its weight, the
  /// richest is chosen and pays the total. Ties go to the lowest index.
  private static func smoothSchedule(_ weights: [Int], total: Int) -> [Int32] {
    var current = Array(repeating: 0, count: weights.count)
    var schedule: [Int32] = []
    schedule.reserveCapacity(total)
    for _ in 0..<total {
      var best = 0
      for index in weights.indices {
        current[index] += weights[index]
        if current[index] > current[best] { best = index }
      }
      current[best] -= total
      schedule.append(Int32(best))
    }
    return schedule
  }

  /// The next worker in the rotation; the key hash is ignored.
  ///
  /// - Parameter keyHash: Ignored.
  /// - Returns: A worker index in `0..<workerCount`.
  /// - Complexity: O(1): one atomic add and one table read.
  @inlinable
  public func worker(forKeyHash keyHash: UInt64) -> Int {
    next()
  }

  /// The next worker in the rotation.
  ///
  /// - Returns: A worker index in `0..<workerCount`.
  /// - Complexity: O(1): one atomic add and one table read.
  @inlinable
  public func next() -> Int {
    let ticket = _cursor.ticket.wrappingAdd(1, ordering: .relaxed).oldValue
    return _schedule.withUnsafeBufferPointer { schedule in
      Int(schedule[Int(truncatingIfNeeded: ticket % UInt64(schedule.count))])
    }
  }
}
