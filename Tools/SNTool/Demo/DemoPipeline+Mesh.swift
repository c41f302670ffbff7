import SNAtomics
import SNPartition
import SNPool

/// How `sn demo` feeds the pool.
public enum DemoMode: String, Sendable, Hashable, CaseIterable {
  /// Shared-nothing: each worker generates its share of the trades and
  /// routes them to the symbols' owners over the worker mesh.
  case mesh
  /// One producer thread generates every trade and submits it from outside
  /// the pool (`WorkerPool.send(contentsOf:key:)`): capped by that thread.
  case ingress
}

extension DemoPipeline {
  /// Runs the shared-nothing pipeline once: every worker generates its own
  /// share of the stream (``SeededShards``), passes each trade to the owner
  /// of its symbol (in buffers whose handles travel over the mesh, see
  /// ``MeshAggregationWorker``; its own symbols it folds itself), and
  /// aggregates; the states are merged after a graceful shutdown.
  ///
  /// - Parameters:
  ///   - configuration: Events, symbols, seed and batch size.
  ///   - workers: The worker count.
  /// - Returns: Timings, balance and the merged aggregates.
  /// - Throws: ``SNToolError/invalidArgument`` or ``SNToolError/pipelineFailed``.
  public static func runMeshed(
    _ configuration: DemoConfiguration, workers: Int
  ) throws(SNToolError) -> DemoRun {
    try configuration.validate()
    let pool: WorkerPool<MeshAggregationWorker>
    do {
      let shards = try SeededShards(
        seed: configuration.seed, count: configuration.events, shardCount: max(1, workers))
      // The owners as the pool's partitioner routes (the same factory).
      let partitioner = try PartitionerFactory.hash.make(max(1, workers))
      let owners = (0..<configuration.symbols).map {
        UInt16(partitioner.worker(for: UInt32($0)))
      }
      pool = try WorkerPool(
        worker: MeshAggregationWorker(
          shards: shards, symbolCount: configuration.symbols,
          chunkSize: configuration.meshChunkSize, owners: owners, workerCount: max(1, workers),
          buffersPerPeer: configuration.meshBuffersPerPeer),
        configuration: PoolConfiguration()
          .withWorkerCount(workers)
          .withCPUPinning(configuration.cpuAffinity ? .spreadOverCores : .unpinned)
          .withPartitioner(.hash)
          .withErrorPolicy(.stopPool)
          .withName("sn-demo")
          .withWorkerConfiguration(
            WorkerConfiguration().withBatchSize(configuration.meshBatchSize)
          )
          .withMesh(
            MeshConfiguration()
              .withLaneCapacity(
                configuration.meshLaneCapacity == 0
                  ? 65_536 / max(1, workers) : configuration.meshLaneCapacity
              )
              .withStageCapacity(configuration.meshStageCapacity)))
    } catch {
      throw .pipelineFailed.with(detail: "\(error)")
    }
    let start = MonotonicClock.nanoseconds
    let cpuStart = processCPUSeconds()
    do {
      try pool.start()
      for worker in 0..<workers { try pool.send(.generate, toWorker: worker) }
    } catch {
      _ = pool.stop()
      throw .pipelineFailed.with(detail: "\(error)")
    }
    // Returns once every share is generated and every trade is folded.
    let termination = pool.shutdown()
    let seconds = Double(MonotonicClock.nanoseconds - start) / 1e9
    let cpuSeconds = processCPUSeconds() - cpuStart
    if let stopped = termination.failure { throw .pipelineFailed.with(detail: "\(stopped)") }

    var table = (0..<configuration.symbols).map { SymbolAggregate(symbol: UInt32($0)) }
    var notional = 0.0
    var generated = 0
    for state in termination.states {
      generated += state.generated
      notional += state.notional
      for aggregate in state.table where aggregate.count > 0 {
        // Each symbol has one owner, so at most one state holds it.
        table[Int(aggregate.symbol)] = aggregate
      }
    }
    return DemoRun(
      workerCount: workers, events: generated, seconds: seconds, cpuSeconds: cpuSeconds,
      perWorker: termination.states.map(\.folded),
      pinnedCPUs: termination.statistics.workers.map(\.pinnedCPU),
      queueDelay: termination.statistics.queueDelay,
      processing: termination.statistics.processingLatency,
      aggregates: table.filter { $0.count > 0 }, simdNotional: notional, arenaBytes: 0)
  }
}
