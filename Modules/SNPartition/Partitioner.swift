/// Decides which worker owns a key.
///
/// A partitioner is an immutable value describing one worker set. A lookup
/// returns a worker *index*: a position in ``workerIDs``, so it can index an
/// array of per-worker queues directly. Worker *ids* are the stable identities
/// used when the set changes: adding or removing a worker returns a new
/// partitioner, and keys are compared across the two by id (see
/// ``MovementReport``).
///
/// Lookups never lock and never allocate; a partitioner can be shared by any
/// number of threads. Keys are hashed with the partitioner's ``keyHasher``, a
/// stable hash, so the same key reaches the same worker in every process.
public protocol Partitioner: Sendable {
  /// The hash that turns keys into the value ``worker(forKeyHash:)`` routes on.
  var keyHasher: KeyHasher { get }

  /// The ids of the workers, in index order: lookups return positions in this array.
  var workerIDs: [Int] { get }

  /// The owning worker of a key whose stable hash is `keyHash`.
  ///
  /// - Parameter keyHash: The key's hash under ``keyHasher``.
  /// - Returns: A worker index in `0..<workerIDs.count`.
  func worker(forKeyHash keyHash: UInt64) -> Int
}

extension Partitioner {
  /// The number of workers.
  @inlinable
  public var workerCount: Int { workerIDs.count }

  /// The owning worker of `key`.
  ///
  /// - Parameter key: The key, hashed with ``keyHasher``.
  /// - Returns: A worker index in `0..<workerCount`.
  /// - Complexity: One stable hash of the key plus the partitioner's lookup.
  @inlinable
  public func worker<Key: StableHashable>(for key: Key) -> Int {
    worker(forKeyHash: keyHasher.hash(key))
  }

  /// The id of the worker that owns `key`.
  ///
  /// - Parameter key: The key, hashed with ``keyHasher``.
  /// - Returns: An element of ``workerIDs``.
  @inlinable
  public func workerID<Key: StableHashable>(for key: Key) -> Int {
    workerIDs[worker(for: key)]
  }
}

/// Why a partitioner could not be built or changed.
///
/// A struct over a private code so cases can be added without breaking
/// `switch`es; compare with the static members, e.g. `error == .noWorkers`.
public struct PartitionError: Error, Hashable, CustomStringConvertible {
  private enum Code: Hashable {
    case noWorkers, negativeCount, duplicateWorkerID, invalidWeight, weightCountMismatch
    case invalidVirtualNodes, invalidTableSize, capacityExceeded, unknownWorker
    case unsupportedRemoval, invalidCapacityFactor, scheduleTooLong, tooManyWorkers
    case invalidCapacity
  }

  private let code: Code

  private init(_ code: Code) { self.code = code }

  /// The worker set is empty (zero workers, or removing the last one).
  public static let noWorkers = PartitionError(.noWorkers)
  /// A count that must not be negative was negative.
  public static let negativeCount = PartitionError(.negativeCount)
  /// Two workers have the same id, or an added worker's id is already present.
  public static let duplicateWorkerID = PartitionError(.duplicateWorkerID)
  /// A weight was zero, negative, not finite, or (for round robin) not an integer ≥ 1.
  public static let invalidWeight = PartitionError(.invalidWeight)
  /// The number of weights differs from the number of workers.
  public static let weightCountMismatch = PartitionError(.weightCountMismatch)
  /// The number of virtual nodes per worker is below 1.
  public static let invalidVirtualNodes = PartitionError(.invalidVirtualNodes)
  /// A Maglev table size that is not a prime at least as large as the worker count.
  public static let invalidTableSize = PartitionError(.invalidTableSize)
  /// An AnchorHash has no free bucket left for another worker.
  public static let capacityExceeded = PartitionError(.capacityExceeded)
  /// The capacity given is smaller than the number of workers.
  public static let invalidCapacity = PartitionError(.invalidCapacity)
  /// The worker id to remove is not in the set.
  public static let unknownWorker = PartitionError(.unknownWorker)
  /// This partitioner cannot remove that worker without remapping others (jump hash:
  /// only the last worker can go).
  public static let unsupportedRemoval = PartitionError(.unsupportedRemoval)
  /// A bounded-load capacity factor that is not finite and greater than 1.
  public static let invalidCapacityFactor = PartitionError(.invalidCapacityFactor)
  /// Weighted round-robin weights whose schedule would be too long (see
  /// ``RoundRobinPartitioner/maximumScheduleLength``).
  public static let scheduleTooLong = PartitionError(.scheduleTooLong)
  /// More workers than the partitioner's index type can hold (2³¹ − 1).
  public static let tooManyWorkers = PartitionError(.tooManyWorkers)

  /// A sentence describing the problem.
  public var description: String {
    switch code {
    case .noWorkers: return "a partitioner needs at least one worker"
    case .negativeCount: return "a count was negative"
    case .duplicateWorkerID: return "worker ids must be unique"
    case .invalidWeight: return "weights must be finite and greater than zero"
    case .weightCountMismatch: return "there must be exactly one weight per worker"
    case .invalidVirtualNodes: return "virtual nodes per worker must be at least 1"
    case .invalidTableSize: return "the table size must be a prime at least the worker count"
    case .capacityExceeded: return "no free bucket left: rebuild with a larger capacity"
    case .invalidCapacity: return "the capacity must be at least the number of workers"
    case .unknownWorker: return "no worker with that id"
    case .unsupportedRemoval: return "this partitioner can only remove its last worker"
    case .invalidCapacityFactor: return "the capacity factor must be finite and greater than 1"
    case .scheduleTooLong: return "the weighted schedule would be too long; reduce the weights"
    case .tooManyWorkers: return "too many workers"
    }
  }
}

// MARK: - Shared internals

/// splitmix64's finaliser: a fixed, invertible 64-bit mixer. Part of the routing
/// contract (placement of ring points, Maglev permutations, AnchorHash rehashes).
@inlinable @inline(__always)
func _mix64(_ value: UInt64) -> UInt64 {
  var z = value &+ 0x9E37_79B9_7F4A_7C15
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

/// Maps a 64-bit hash uniformly onto `0..<range` with one multiply (Lemire's
/// multiply-high reduction), avoiding a division.
@inlinable @inline(__always)
func _reduce(_ hash: UInt64, _ range: UInt64) -> Int {
  Int(truncatingIfNeeded: hash.multipliedFullWidth(by: range).high)
}

/// A stable 64-bit digest of a worker id, the seed of everything placed per worker.
@inlinable @inline(__always)
func _workerSeed(_ id: Int, salt: UInt64) -> UInt64 {
  _mix64(UInt64(bitPattern: Int64(id)) ^ _mix64(salt))
}

/// Checks a worker id list: non-empty, unique, small enough for 32-bit indices.
func _validateWorkerIDs(_ ids: [Int]) throws(PartitionError) {
  if ids.isEmpty { throw .noWorkers }
  if ids.count > Int(Int32.max) { throw .tooManyWorkers }
  if Set(ids).count != ids.count { throw .duplicateWorkerID }
}

/// Checks a worker count and returns the ids `0..<count`.
func _denseIDs(_ count: Int) throws(PartitionError) -> [Int] {
  if count < 0 { throw .negativeCount }
  if count == 0 { throw .noWorkers }
  if count > Int(Int32.max) { throw .tooManyWorkers }
  return Array(0..<count)
}

/// Checks real-valued weights: one per worker, finite and positive.
func _validateWeights(_ weights: [Double], workerCount: Int) throws(PartitionError) {
  if weights.count != workerCount { throw .weightCountMismatch }
  for weight in weights where !(weight.isFinite && weight > 0) { throw .invalidWeight }
}
