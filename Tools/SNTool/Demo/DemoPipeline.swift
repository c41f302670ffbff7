import SNAtomics
import SNChannels
import SNPool
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The demo's settings.
public struct DemoConfiguration: Sendable, Hashable {
  /// Trades to generate and aggregate.
  public var events: Int = 20_000_000
  /// Distinct symbols (routing keys).
  public var symbols: Int = 10_000
  /// The seed of the trade stream.
  public var seed: UInt64 = 42
  /// Pin workers to CPUs.
  public var cpuAffinity = false
  /// Each worker's queue capacity.
  public var queueCapacity = 16_384
  /// Messages drained per wake-up before `tick` does the batch math.
  public var batchSize = 256
  /// Trades the producer generates and submits per `send(contentsOf:)` call.
  public var chunkSize = 4_096
  /// How the pool is fed: the shared-nothing mesh (default) or one
  /// external producer.
  public var mode = DemoMode.mesh
  /// Mesh mode: trades a worker generates per step (and the capacity of
  /// each buffer the trades travel in).
  public var meshChunkSize = 4_096
  /// Mesh mode: buffers each worker may lend each peer at once. Deep
  /// enough (64 × 32 KiB per pair) that a worker keeps generating while a
  /// peer is off its CPU for a while; pages no run reaches stay untouched.
  public var meshBuffersPerPeer = 64
  /// Mesh mode: messages handled per lane per round.
  public var meshBatchSize = 2_048
  /// Mesh mode: capacity of each worker-to-worker lane, or 0 for
  /// `65536 / workers`. The lanes carry buffer handles only (at most two
  /// per lent buffer in flight), so any capacity from 1 works; a full lane
  /// only delays a handle.
  public var meshLaneCapacity = 0
  /// Mesh mode: handles staged per destination before a flush.
  public var meshStageCapacity = 128

  /// The default demo: 20 million trades over 10 000 symbols.
  public init() {}

  /// Checks the settings.
  ///
  /// - Throws: ``SNToolError/invalidArgument`` naming the bad setting.
  public func validate() throws(SNToolError) {
    guard events >= 1 else { throw .invalidArgument.with(detail: "--events must be at least 1") }
    guard symbols >= 1, symbols <= 10_000_000 else {
      throw .invalidArgument.with(detail: "--symbols must be in 1...10000000, got \(symbols)")
    }
    // Keeps every notional sum below 2^53 (exact): 2.5e7 per trade.
    guard events <= 300_000_000 else {
      throw .invalidArgument.with(
        detail: "--events must be at most 300M (exact sums), got \(events)")
    }
    guard queueCapacity >= 1, queueCapacity <= 1 << 24 else {
      throw .invalidArgument.with(detail: "--queue-capacity must be in 1...16777216")
    }
    guard batchSize >= 1, batchSize <= 65_536 else {
      throw .invalidArgument.with(detail: "--batch-size must be in 1...65536")
    }
    guard meshChunkSize >= 1, meshChunkSize <= 1 << 20 else {
      throw .invalidArgument.with(detail: "mesh chunk size must be in 1...1048576")
    }
    guard meshBuffersPerPeer >= 1, meshBuffersPerPeer <= 64 else {
      throw .invalidArgument.with(detail: "mesh buffers per peer must be in 1...64")
    }
  }
}

/// One run of the pipeline with a given worker count.
public struct DemoRun: Sendable {
  /// Workers in the pool.
  public var workerCount: Int
  /// Trades submitted and aggregated.
  public var events: Int
  /// Wall-clock seconds from start to the last result.
  public var seconds: Double
  /// CPU seconds the whole process used meanwhile (every thread): what the
  /// run cost, whether or not the OS gave it the CPUs at once.
  public var cpuSeconds: Double = 0
  /// Trades per worker (from the pool's statistics).
  public var perWorker: [UInt64]
  /// The CPU each worker ran pinned to (`nil`: unpinned).
  public var pinnedCPUs: [Int?]
  /// Submit-to-handle delay percentiles (nanoseconds).
  public var queueDelay: LatencySummary
  /// Per-message handler time percentiles (nanoseconds).
  public var processing: LatencySummary
  /// Every symbol's aggregate, gathered from the results channel, by symbol.
  public var aggregates: [SymbolAggregate]
  /// The notional summed by the workers' SIMD kernels, batch by batch.
  public var simdNotional: Double
  /// The largest arena scratch footprint of any worker, in bytes.
  public var arenaBytes: Int

  /// Trades per second.
  public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }

  /// The busiest worker's trades over the mean (1.0 is perfect balance).
  public var imbalance: Double {
    let mean = Double(perWorker.reduce(0, +)) / Double(max(1, perWorker.count))
    return mean > 0 ? Double(perWorker.max() ?? 0) / mean : 1
  }
}

/// The single-threaded answer the pool's answer is checked against.
public struct DemoReference: Sendable {
  /// Every symbol with at least one trade, by symbol.
  public var aggregates: [SymbolAggregate]
  /// Total notional.
  public var notional: Double
  /// Seconds the computation took.
  public var seconds: Double
  /// CPU seconds it used.
  public var cpuSeconds: Double = 0
}

/// The outcome of comparing a run with the reference.
public struct DemoCheck: Sendable, Hashable {
  /// Symbols compared.
  public var symbolsCompared: Int
  /// Differences, in words (at most 5); empty when the answers agree.
  public var mismatches: [String]

  /// Whether the answers agree exactly.
  public var passed: Bool { mismatches.isEmpty }
}

/// The demo pipeline: a producer generates trades and submits them in
/// chunks through `WorkerPool.send(contentsOf:key:)` (hash routing by
/// symbol); each worker aggregates its symbols in its own state; results
/// come back through the pool's MPSC results channel to a collector thread.
public enum DemoPipeline {
  /// Runs the pipeline once.
  ///
  /// - Parameters:
  ///   - configuration: Events, symbols, queue and batch sizes.
  ///   - workers: The worker count.
  ///   - progress: Called on the producer's thread with the trades submitted
  ///     so far, about every 256 Ki trades and once at the end.
  /// - Returns: Timings, balance, latency and the gathered aggregates.
  /// - Throws: ``SNToolError/invalidArgument`` or ``SNToolError/pipelineFailed``.
  public static func run(
    _ configuration: DemoConfiguration, workers: Int, progress: ((Int) -> Void)? = nil
  ) throws(SNToolError) -> DemoRun {
    try configuration.validate()
    var poolConfiguration = PoolConfiguration()
      .withWorkerCount(workers)
      .withCPUPinning(configuration.cpuAffinity ? .spreadOverCores : .unpinned)
      .withPartitioner(.hash)
      .withResultsCapacity(256)
      .withName("sn-demo")
      .withWorkerConfiguration(
        WorkerConfiguration()
          .withQueueCapacity(configuration.queueCapacity)
          .withBatchSize(configuration.batchSize))
    poolConfiguration.recordsQueueDelay = true
    let pool: WorkerPool<AggregationWorker>
    do {
      pool = try WorkerPool(
        worker: AggregationWorker(symbolCount: configuration.symbols),
        configuration: poolConfiguration)
    } catch {
      throw .pipelineFailed.with(detail: "\(error)")
    }
    guard let receiver = pool.takeResults() else {
      throw .pipelineFailed.with(detail: "results channel already taken")
    }
    let collected = Mutex<[WorkerReport]>([])
    let collector = OSThread.spawn(name: "sn-collector", taking: receiver) { receiver in
      var reports: [WorkerReport] = []
      while let report = try? receiver.receive() { reports.append(report) }
      collected.withLock { $0 = reports }
    }

    let start = MonotonicClock.nanoseconds
    let cpuStart = processCPUSeconds()
    do {
      try pool.start()
    } catch {
      throw .pipelineFailed.with(detail: "\(error)")
    }
    var generator = TradeGenerator(seed: configuration.seed, symbolCount: configuration.symbols)
    var chunk: [Trade] = []
    chunk.reserveCapacity(configuration.chunkSize)
    var submitted = 0
    var nextReport = 1 << 18
    var failure: SNToolError?
    while submitted < configuration.events {
      let count = min(configuration.chunkSize, configuration.events - submitted)
      for _ in 0..<count { chunk.append(generator.next()) }
      do {
        try pool.send(contentsOf: chunk, key: { $0.symbol })
      } catch {
        failure = .pipelineFailed.with(
          detail: "\(error.rejected.count) trades rejected: \(error.reason)")
        break
      }
      chunk.removeAll(keepingCapacity: true)
      submitted += count
      if submitted >= nextReport {
        progress?(submitted)
        nextReport += 1 << 18
      }
    }
    progress?(submitted)
    let termination = pool.shutdown()
    collector.join()
    let seconds = Double(MonotonicClock.nanoseconds - start) / 1e9
    let cpuSeconds = processCPUSeconds() - cpuStart
    if let failure { throw failure }
    if let stopped = termination.failure { throw .pipelineFailed.with(detail: "\(stopped)") }

    var aggregates: [SymbolAggregate] = []
    var simdNotional = 0.0
    var arenaBytes = 0
    var finished = 0
    for report in collected.withLock({ $0 }) {
      switch report {
      case .aggregates(let chunk): aggregates += chunk
      case .finished(_, _, let notional, let bytes):
        simdNotional += notional
        arenaBytes = max(arenaBytes, bytes)
        finished += 1
      }
    }
    guard finished == workers else {
      throw .pipelineFailed.with(detail: "\(finished) of \(workers) workers reported")
    }
    aggregates.sort { $0.symbol < $1.symbol }
    let statistics = termination.statistics
    return DemoRun(
      workerCount: workers, events: submitted, seconds: seconds, cpuSeconds: cpuSeconds,
      perWorker: statistics.workers.map(\.processed),
      pinnedCPUs: statistics.workers.map(\.pinnedCPU), queueDelay: statistics.queueDelay,
      processing: statistics.processingLatency, aggregates: aggregates,
      simdNotional: simdNotional, arenaBytes: arenaBytes)
  }

  /// Computes the same aggregation on one thread, with scalar arithmetic:
  /// generation and aggregation fused in one loop, the same generator per
  /// trade as the pool's workers.
  ///
  /// - Parameter configuration: Events, symbols and seed.
  /// - Returns: Every symbol with a trade, the total notional and the time taken.
  public static func reference(_ configuration: DemoConfiguration) -> DemoReference {
    let start = MonotonicClock.nanoseconds
    let cpuStart = processCPUSeconds()
    // The same generator per trade as the workers use: one share, the whole stream.
    var stream = SeededShard(seed: configuration.seed, indices: 0..<configuration.events)
    let symbols = configuration.symbols
    var table = (0..<symbols).map { SymbolAggregate(symbol: UInt32($0)) }
    var notional = 0.0
    while let (_, random) = stream.next() {
      let trade = TradeGenerator.trade(random: random, symbolCount: symbols)
      let value = trade.price * trade.quantity
      notional += value
      table[Int(trade.symbol)].add(price: trade.price, quantity: trade.quantity, notional: value)
    }
    return DemoReference(
      aggregates: table.filter { $0.count > 0 }, notional: notional,
      seconds: Double(MonotonicClock.nanoseconds - start) / 1e9,
      cpuSeconds: processCPUSeconds() - cpuStart)
  }

  /// Compares a run with the reference: every symbol's count, volume,
  /// notional and price range, and the SIMD-summed total notional, exactly.
  ///
  /// - Parameters:
  ///   - run: The pool's answer.
  ///   - reference: The single-threaded answer.
  /// - Returns: The symbols compared and up to 5 differences.
  public static func check(_ run: DemoRun, against reference: DemoReference) -> DemoCheck {
    var mismatches: [String] = []
    if run.aggregates.count != reference.aggregates.count {
      mismatches.append(
        "\(run.aggregates.count) symbols gathered, \(reference.aggregates.count) expected")
    }
    for (got, want) in zip(run.aggregates, reference.aggregates) where got != want {
      mismatches.append(
        "symbol \(want.symbol): got count \(got.count) volume \(got.volume) notional "
          + "\(got.notional) (symbol \(got.symbol)), want count \(want.count) volume "
          + "\(want.volume) notional \(want.notional)")
      if mismatches.count >= 5 { break }
    }
    if run.simdNotional != reference.notional, mismatches.count < 5 {
      mismatches.append("SIMD total notional \(run.simdNotional), want \(reference.notional)")
    }
    return DemoCheck(
      symbolsCompared: min(run.aggregates.count, reference.aggregates.count),
      mismatches: mismatches)
  }
}

#if canImport(Glibc)
  /// Glibc imports `RUSAGE_SELF` as an enum case; `getrusage` wants its raw value.
  private let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
  private let RUSAGE_SELF_WHO = RUSAGE_SELF
#endif

/// CPU seconds (user and system) every thread of this process used so far.
func processCPUSeconds() -> Double {
  var usage = rusage()
  guard getrusage(RUSAGE_SELF_WHO, &usage) == 0 else { return 0 }
  return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
    + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
