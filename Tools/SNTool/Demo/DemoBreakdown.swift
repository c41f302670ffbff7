import SNAtomics
import SNPartition
import SNPool
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where the shared-nothing demo's time goes: the CPU cost per trade of
/// each piece of ``MeshAggregationWorker``'s work, measured on one thread
/// (thread CPU time, so a busy host distorts it little), and the 2-worker
/// ratio they bound (`sn demo --breakdown`).
public struct DemoBreakdown: Sendable {
  /// The single-thread reference: generate and fold in one fused loop.
  public var reference: Double
  /// Generating a trade alone (nothing stored).
  public var generate: Double
  /// Generating a trade and storing it, packed, in its owner's buffer (the
  /// worker's partition loop, 2 owners).
  public var partition: Double
  /// Folding a packed trade from a buffer this thread wrote.
  public var foldLocal: Double
  /// Folding a packed trade from a buffer another thread wrote (its cache
  /// lines come from the other core).
  public var foldRemote: Double
  /// Chunks the remote fold waited for (its writer was behind).
  public var remoteWaits: Int

  /// CPU per generated trade with 2 workers: each worker partitions its
  /// trades and folds as many, half its own (local) and half its peer's
  /// (remote); the mesh's handles, one per chunk, are left out.
  public var perTradeTwoWorkers: Double { partition + (foldLocal + foldRemote) / 2 }

  /// The best 2-worker ratio to the reference these costs allow: two CPUs,
  /// each spending ``perTradeTwoWorkers`` per trade.
  public var twoWorkerBound: Double { 2 * reference / perTradeTwoWorkers }

  /// Measures every piece once over `configuration.events` trades (at most
  /// 20 M), in chunks of `configuration.meshChunkSize`.
  ///
  /// - Parameter configuration: Events, symbols, seed and chunk size.
  /// - Returns: Nanoseconds of CPU per trade, by piece.
  /// - Throws: ``SNToolError/pipelineFailed`` if the routes cannot be built.
  public static func measure(_ configuration: DemoConfiguration) throws(SNToolError)
    -> DemoBreakdown
  {
    var configuration = configuration
    configuration.events = min(configuration.events, 20_000_000)
    let events = configuration.events
    let symbols = configuration.symbols
    let chunk = configuration.meshChunkSize
    let worker: MeshAggregationWorker
    do {
      let partitioner = try PartitionerFactory.hash.make(2)
      worker = MeshAggregationWorker(
        shards: try SeededShards(seed: configuration.seed, count: events, shardCount: 1),
        symbolCount: symbols, chunkSize: chunk,
        owners: (0..<symbols).map { UInt16(partitioner.worker(for: UInt32($0))) },
        workerCount: 2, buffersPerPeer: 8)
    } catch {
      throw .pipelineFailed.with(detail: "\(error)")
    }
    let reference = DemoPipeline.reference(configuration)
    var breakdown = DemoBreakdown(
      reference: reference.cpuSeconds * 1e9 / Double(events), generate: 0, partition: 0,
      foldLocal: 0, foldRemote: 0, remoteWaits: 0)

    // Generation alone.
    var shard = SeededShard(seed: configuration.seed, indices: 0..<events)
    var sink: UInt64 = 0
    var start = threadCPUNanoseconds()
    while let (_, random) = shard.next() {
      let trade = TradeGenerator.wholeTrade(random: random, symbolCount: symbols)
      sink &+= UInt64(trade.symbol) &+ UInt64(trade.price &* trade.quantity)
    }
    breakdown.generate = Double(threadCPUNanoseconds() - start) / Double(events)

    // Partition, then the local fold, timed apart, chunk by chunk.
    let batches = worker.batches
    let targets = [batches.base(from: 0, to: 0, index: 0), batches.base(from: 0, to: 1, index: 0)]
    var fills = [0, 0]
    var tables = worker.owned.map { $0.map { SymbolAggregate(symbol: $0) } }
    var partitionNanoseconds: UInt64 = 0
    var foldNanoseconds: UInt64 = 0
    var notional = 0.0
    shard = SeededShard(seed: configuration.seed, indices: 0..<events)
    while shard.remaining > 0 {
      start = threadCPUNanoseconds()
      worker.routes.withUnsafeBufferPointer { routes in
        targets.withUnsafeBufferPointer { targets in
          fills.withUnsafeMutableBufferPointer { fills in
            _ = MeshAggregationWorker.partition(
              &shard, upTo: chunk, symbolCount: symbols, routes: routes, targets: targets,
              fills: fills)
          }
        }
      }
      let middle = threadCPUNanoseconds()
      for owner in 0..<2 {
        notional += tables[owner].withUnsafeMutableBufferPointer { table in
          MeshAggregationWorker.fold(targets[owner], count: fills[owner], into: table)
        }
      }
      let end = threadCPUNanoseconds()
      partitionNanoseconds += middle - start
      foldNanoseconds += end - middle
    }
    breakdown.partition = Double(partitionNanoseconds) / Double(events)
    breakdown.foldLocal = Double(foldNanoseconds) / Double(events)
    (breakdown.foldRemote, breakdown.remoteWaits) = foldRemote(
      worker: worker, configuration: configuration)
    if sink == 42 && notional == 0 { print("") }  // keeps the loops' results alive
    return breakdown
  }

  /// Another thread partitions the stream into a ring of buffers; this
  /// thread folds owner 1's buffers as they fill, timing only the folds.
  static func foldRemote(
    worker: MeshAggregationWorker, configuration: DemoConfiguration
  ) -> (Double, Int) {
    let batches = worker.batches
    let depth = batches.depth
    let chunk = configuration.meshChunkSize
    let symbols = configuration.symbols
    let events = configuration.events
    // Per ring slot: 0 while free, else 1 + the trades for owner 1. The
    // writer fills slot i and stores its count with release; the folder
    // loads it with acquire (the trades are visible), folds, and stores 0
    // with release, which the writer loads with acquire before reusing it.
    let flags = (0..<depth).map { _ in RingFlag() }
    let writer = OSThread.spawn(name: "sn-breakdown") {
      var shard = SeededShard(seed: configuration.seed, indices: 0..<events)
      var fills = [0, 0]
      var slot = 0
      while shard.remaining > 0 {
        while flags[slot].value.load(ordering: .acquiring) != 0 { sched_yield() }
        let targets = [
          batches.base(from: 0, to: 0, index: slot), batches.base(from: 0, to: 1, index: slot),
        ]
        worker.routes.withUnsafeBufferPointer { routes in
          targets.withUnsafeBufferPointer { targets in
            fills.withUnsafeMutableBufferPointer { fills in
              _ = MeshAggregationWorker.partition(
                &shard, upTo: chunk, symbolCount: symbols, routes: routes, targets: targets,
                fills: fills)
            }
          }
        }
        flags[slot].value.store(1 + fills[1], ordering: .releasing)
        slot = (slot + 1) % depth
      }
    }
    var table = worker.owned[1].map { SymbolAggregate(symbol: $0) }
    var folded = 0
    var nanoseconds: UInt64 = 0
    var waits = 0
    var notional = 0.0
    var slot = 0
    var chunks = 0
    let chunkCount = (events + chunk - 1) / chunk
    while chunks < chunkCount {
      var value = flags[slot].value.load(ordering: .acquiring)
      if value == 0 {
        waits += 1
        while value == 0 {
          sched_yield()
          value = flags[slot].value.load(ordering: .acquiring)
        }
      }
      let count = value - 1
      let start = threadCPUNanoseconds()
      notional += table.withUnsafeMutableBufferPointer { table in
        MeshAggregationWorker.fold(
          batches.base(from: 0, to: 1, index: slot), count: count, into: table)
      }
      nanoseconds += threadCPUNanoseconds() - start
      folded += count
      flags[slot].value.store(0, ordering: .releasing)
      slot = (slot + 1) % depth
      chunks += 1
    }
    writer.join()
    if notional == -1 { print("") }  // keeps the folds' results alive
    return (Double(nanoseconds) / Double(max(1, folded)), waits)
  }
}

/// One slot's hand-over flag in ``DemoBreakdown/foldRemote(worker:configuration:)``.
final class RingFlag: Sendable {
  let value = Atomic<Int>(0)
}

/// CPU nanoseconds the calling thread used so far.
func threadCPUNanoseconds() -> UInt64 {
  var time = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
  return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
