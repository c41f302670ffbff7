/// The shape of a pool's worker-to-worker mesh (see <doc:WorkerMesh>).
///
/// With a mesh, every worker can send to every other worker from its
/// handlers and ticks (``WorkerContext/send(_:toWorker:)``,
/// ``WorkerContext/send(_:key:)``): one SPSC lane per ordered pair of
/// workers, fed from a per-destination stage that is flushed in batches.
///
/// ```swift
/// let configuration = PoolConfiguration()
///   .withWorkerCount(4)
///   .withMesh(MeshConfiguration().withLaneCapacity(4096).withStageCapacity(64))
/// ```
public struct MeshConfiguration: Sendable, Hashable {
  /// Messages one lane (one ordered pair of workers) holds; rounded up to a
  /// power of two. Default 1024. Memory: `workerCount² × laneCapacity`
  /// messages.
  public var laneCapacity: Int = 1024
  /// Messages staged per destination before a flush publishes them as one
  /// batch (one store of the lane's index). Default 64.
  public var stageCapacity: Int = 64
  /// The most messages a worker holds back per destination while that
  /// destination's lane is full (the local overflow). A send beyond it fails
  /// with ``PoolError/queueFull`` and hands the message back. Default 1 Mi.
  public var maxBacklog: Int = 1 << 20

  /// The default mesh: lanes of 1024, stages of 64, backlog 1 Mi.
  public init() {}

  /// A copy with ``laneCapacity`` set.
  ///
  /// - Parameter capacity: Messages per lane, at least 1.
  /// - Returns: The modified configuration.
  public func withLaneCapacity(_ capacity: Int) -> Self {
    var copy = self
    copy.laneCapacity = capacity
    return copy
  }

  /// A copy with ``stageCapacity`` set.
  ///
  /// - Parameter capacity: Messages per flush batch, at least 1.
  /// - Returns: The modified configuration.
  public func withStageCapacity(_ capacity: Int) -> Self {
    var copy = self
    copy.stageCapacity = capacity
    return copy
  }

  /// A copy with ``maxBacklog`` set.
  ///
  /// - Parameter count: Messages held back per destination, at least 0.
  /// - Returns: The modified configuration.
  public func withMaxBacklog(_ count: Int) -> Self {
    var copy = self
    copy.maxBacklog = count
    return copy
  }

  /// Checks the settings for a pool of `workerCount` workers.
  func validate(workerCount: Int) throws(PoolConfigurationError) {
    guard laneCapacity >= 1, laneCapacity <= 1 << 24 else {
      throw .invalidMeshConfiguration.with(
        detail: "laneCapacity \(laneCapacity), want 1...16777216")
    }
    guard stageCapacity >= 1, stageCapacity <= 1 << 16 else {
      throw .invalidMeshConfiguration.with(detail: "stageCapacity \(stageCapacity), want 1...65536")
    }
    guard maxBacklog >= 0 else {
      throw .invalidMeshConfiguration.with(detail: "maxBacklog \(maxBacklog), want >= 0")
    }
    // N² lanes: keep the mesh's memory sane.
    guard workerCount <= 256 else {
      throw .invalidMeshConfiguration.with(
        detail: "workerCount \(workerCount): a mesh has workerCount² lanes, at most 256 workers")
    }
  }
}

extension PoolConfiguration {
  /// A copy with ``mesh`` set: `nil` (the default) builds no mesh.
  ///
  /// - Parameter mesh: The mesh's lane and stage sizes.
  /// - Returns: The modified configuration.
  public func withMesh(_ mesh: MeshConfiguration?) -> Self {
    var copy = self
    copy.mesh = mesh
    return copy
  }
}
