import Metrics
import SNAtomics
import Synchronization

/// Exports a pool's statistics through swift-metrics, shaped as Prometheus
/// users expect.
///
/// Every metric is labelled with the pool's name (dimension `pool`) and the
/// worker (dimension `worker`), and exists from the moment the exporter is
/// made, so a dashboard sees zeros rather than gaps:
///
/// - Counters `sn_pool_received`, `sn_pool_processed`, `sn_pool_errors`,
///   `sn_pool_restarts`, `sn_pool_rejected`, `sn_pool_ticks`, and
///   `sn_pool_latency_samples_dropped` (samples that did not fit between two
///   updates), each incremented by what changed since the last ``update()``.
/// - Gauge `sn_pool_queue_depth`.
/// - Timers `sn_pool_processing_latency` (time in
///   ``Worker/handleMessage(_:state:context:)``) and `sn_pool_queue_delay`
///   (submission to handling, when ``PoolConfiguration/recordsQueueDelay``
///   is on): every sampled message (one in
///   ``PoolConfiguration/latencySampleInterval``) is recorded once, so a
///   backend that aggregates timers (swift-prometheus makes them
///   histograms) computes its own quantiles over any window.
///
/// The hot path pays nothing for the timers: workers already batch their
/// samples and flush 128 at a time under a lock into their HDR histogram;
/// while an exporter exists, that flush also appends the batch to a
/// bounded buffer, which ``update()`` hands to the timers. Samples still in
/// a worker's unflushed batch arrive at a later update (a parked worker
/// flushes before it sleeps, and every worker at termination).
///
/// Make one exporter per pool: exporters share the sample buffer, so each
/// sample goes to whichever updates first. A pool run as a `Service` makes
/// one when ``PoolConfiguration/metricsInterval`` is set and updates it at
/// that interval.
public final class PoolMetrics<W: Worker>: Sendable {
  private let pool: WorkerPool<W>
  private let workers: [_WorkerInstruments]
  /// The counter values reported so far, per worker, in `counterLabels`
  /// order; the lock also keeps two updates from interleaving.
  private let reported: _Lock<[[UInt64]]>

  /// The counters' labels, in the order of ``_WorkerInstruments/counters``.
  static var counterLabels: [String] {
    [
      "sn_pool_received", "sn_pool_processed", "sn_pool_errors", "sn_pool_restarts",
      "sn_pool_rejected", "sn_pool_ticks", "sn_pool_latency_samples_dropped",
    ]
  }

  /// Creates an exporter for `pool` and every metric it reports, counters
  /// at zero.
  ///
  /// - Parameters:
  ///   - pool: The pool to report.
  ///   - factory: Where the metrics go; the bootstrapped `MetricsSystem`
  ///     factory by default.
  public init(pool: WorkerPool<W>, factory: any MetricsFactory = MetricsSystem.factory) {
    self.pool = pool
    let name = pool.configuration.name
    workers = (0..<pool.workerCount).map { index in
      _WorkerInstruments(
        dimensions: [("pool", name), ("worker", "\(index)")], factory: factory,
        counterLabels: Self.counterLabels)
    }
    reported = _Lock(
      Array(repeating: Array(repeating: 0, count: Self.counterLabels.count), count: workers.count))
    for slot in pool.slots { slot.counters.exporters.wrappingAdd(1, ordering: .relaxed) }
  }

  deinit {
    for slot in pool.slots { slot.counters.exporters.wrappingSubtract(1, ordering: .relaxed) }
  }

  /// Reports what changed since the last call: counter increments, the
  /// queue depths, and the latency samples flushed since.
  ///
  /// - Complexity: O(workers + samples flushed since the last update).
  public func update() {
    let statistics = pool.statistics
    reported.withLock { last in
      for worker in statistics.workers {
        let index = worker.workerIndex
        let instruments = workers[index]
        let export = pool.slots[index].counters.latencyExport.withLock { export in
          defer { export = _LatencyExport() }
          return export
        }
        let values = [
          worker.received, worker.processed, worker.errors, worker.restarts, worker.rejected,
          worker.ticks, last[index][6] &+ export.dropped,
        ]
        for (position, value) in values.enumerated() where value > last[index][position] {
          instruments.counters[position].increment(by: Int64(value - last[index][position]))
          last[index][position] = value
        }
        instruments.queueDepth.record(worker.queueDepth)
        for sample in export.processing {
          instruments.processingLatency.recordNanoseconds(Int64(clamping: sample))
        }
        for sample in export.queueDelay {
          instruments.queueDelay.recordNanoseconds(Int64(clamping: sample))
        }
      }
    }
  }
}

/// One worker's metric handles, made once by the exporter.
final class _WorkerInstruments: Sendable {
  let counters: [Counter]
  let queueDepth: Gauge
  let processingLatency: Timer
  let queueDelay: Timer

  init(dimensions: [(String, String)], factory: any MetricsFactory, counterLabels: [String]) {
    counters = counterLabels.map { Counter(label: $0, dimensions: dimensions, factory: factory) }
    queueDepth = Gauge(label: "sn_pool_queue_depth", dimensions: dimensions, factory: factory)
    processingLatency = Timer(
      label: "sn_pool_processing_latency", dimensions: dimensions, factory: factory)
    queueDelay = Timer(label: "sn_pool_queue_delay", dimensions: dimensions, factory: factory)
  }
}
