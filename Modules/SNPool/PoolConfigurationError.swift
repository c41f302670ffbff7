/// Why a pool could not be built from its configuration: a setting out of
/// range, a CPU list or partitioner that does not fit the pool, or queues
/// that do not fit in memory. Thrown by ``WorkerPool/init(worker:configuration:)``
/// before any thread starts; the failures of a pool in use are ``PoolError``.
///
/// A struct over a private code so that cases can be added without breaking
/// `switch` statements; compare with the static members
/// (`error == .noWorkers`). Equality looks only at the kind of failure.
public struct PoolConfigurationError: Error, Hashable, CustomStringConvertible {
  private enum Code: Hashable {
    case noWorkers
    case tooManyWorkers
    case allocationFailed
    case invalidQueueCapacity
    case invalidBatchSize
    case tooManyPinnedWorkers
    case invalidCPU
    case partitionerMismatch
    case invalidPartitioner
    case invalidMeshConfiguration
  }

  private let code: Code

  /// Extra detail for the description (the offending setting and value), if any.
  public let detail: String?

  private init(_ code: Code, detail: String? = nil) {
    self.code = code
    self.detail = detail
  }

  /// The configuration asked for fewer than one worker.
  public static let noWorkers = PoolConfigurationError(.noWorkers)
  /// The configuration asked for more than
  /// ``PoolConfiguration/maximumWorkerCount`` workers.
  public static let tooManyWorkers = PoolConfigurationError(.tooManyWorkers)
  /// A worker's queue capacity is below 1 or above the channel maximum.
  public static let invalidQueueCapacity = PoolConfigurationError(.invalidQueueCapacity)
  /// A worker's batch size is below 1.
  public static let invalidBatchSize = PoolConfigurationError(.invalidBatchSize)
  /// CPU affinity is on and there are more workers than CPUs this process
  /// may run on.
  public static let tooManyPinnedWorkers = PoolConfigurationError(.tooManyPinnedWorkers)
  /// An explicit CPU list names a CPU outside the process's allowed set, or
  /// names one twice.
  public static let invalidCPU = PoolConfigurationError(.invalidCPU)
  /// The partitioner routes to a different number of workers than the pool has.
  public static let partitionerMismatch = PoolConfigurationError(.partitionerMismatch)
  /// The partitioner could not be built (see ``detail``).
  public static let invalidPartitioner = PoolConfigurationError(.invalidPartitioner)
  /// A ``MeshConfiguration`` setting is out of range (``detail`` names it).
  public static let invalidMeshConfiguration = PoolConfigurationError(.invalidMeshConfiguration)
  /// The system could not provide the memory for a queue the configuration
  /// sizes (the ``detail`` names the setting: `queueCapacity` or
  /// `resultsCapacity`); nothing was started.
  public static let allocationFailed = PoolConfigurationError(.allocationFailed)

  /// The same kind of failure with a detail attached.
  ///
  /// - Parameter detail: The offending value, for the description.
  /// - Returns: A copy carrying `detail`.
  func with(detail: String) -> PoolConfigurationError {
    PoolConfigurationError(code, detail: detail)
  }

  /// Whether two errors are the same kind of failure.
  public static func == (lhs: PoolConfigurationError, rhs: PoolConfigurationError) -> Bool {
    lhs.code == rhs.code
  }

  /// Hashes the kind of failure.
  public func hash(into hasher: inout Hasher) { hasher.combine(code) }

  /// A short description of the failure.
  public var description: String {
    let text: String
    switch code {
    case .noWorkers: text = "a pool needs at least one worker"
    case .tooManyWorkers:
      text = "at most \(PoolConfiguration.maximumWorkerCount) workers are supported"
    case .invalidQueueCapacity: text = "queue capacity must be at least 1"
    case .invalidBatchSize: text = "batch size must be at least 1"
    case .tooManyPinnedWorkers: text = "more pinned workers than CPUs this process may use"
    case .invalidCPU: text = "CPU list names a CPU outside the allowed set, or twice"
    case .partitionerMismatch: text = "the partitioner's worker count differs from the pool's"
    case .invalidPartitioner: text = "the partitioner could not be built"
    case .invalidMeshConfiguration: text = "a mesh setting is out of range"
    case .allocationFailed: text = "could not allocate a queue"
    }
    guard let detail else { return "PoolConfigurationError: \(text)" }
    return "PoolConfigurationError: \(text) (\(detail))"
  }
}
