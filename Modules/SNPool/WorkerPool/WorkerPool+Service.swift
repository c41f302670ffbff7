import Metrics
import SNAtomics
import ServiceLifecycle
import Synchronization

extension WorkerPool {
  /// Graceful shutdown from Swift concurrency: the waiting (joining the
  /// worker threads) happens on a dedicated thread, so no thread of the
  /// cooperative pool blocks.
  ///
  /// - Returns: The final states and statistics, as ``shutdown()``: only the
  ///   first collecting call gets the states (see ``PoolTermination``).
  public func shutdownGracefully() async -> PoolTermination<W> where W.State: Sendable {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let thread = OSThread.spawn(name: "sn-pool-close") { [self] in
        terminate(immediate: false)
        continuation.resume()
      }
      lifecycle.withLock { $0.closers.append(thread) }
    }
    joinClosers()
    return collectTermination()
  }
}

extension WorkerPool: Service {
  /// Runs the pool as a swift-service-lifecycle service.
  ///
  /// Starts the pool (if it is not running yet), exports metrics every
  /// ``PoolConfiguration/metricsInterval`` when set, and returns once the
  /// pool has terminated. Graceful shutdown of the service group (SIGTERM,
  /// for instance) triggers ``shutdown()``; cancellation triggers ``stop()``.
  /// Neither blocks a thread of the cooperative pool.
  ///
  /// - Throws: ``PoolError/alreadyStarted`` if the pool had already terminated.
  public func run() async throws {
    do {
      try start()
    } catch {
      if isTerminated { throw error }  // otherwise it is already running
    }
    let exporter = configuration.metricsInterval.map { _ in PoolMetrics(pool: self) }
    await withTaskCancellationHandler {
      await withGracefulShutdownHandler {
        await withTaskGroup(of: Void.self) { group in
          if let exporter, let interval = configuration.metricsInterval {
            group.addTask {
              while !self.isTerminated, !Task.isCancelled {
                exporter.update()
                try? await Task.sleep(for: interval)
              }
            }
          }
          await waitUntilTerminated()
          group.cancelAll()
        }
      } onGracefulShutdown: {
        self.requestShutdown(immediate: false)
      }
    } onCancel: {
      self.requestShutdown(immediate: true)
    }
    exporter?.update()
  }
}

/// Exports a pool's statistics through swift-metrics.
///
/// Each ``update()`` reads ``WorkerPool/statistics`` and reports, per
/// worker (dimension `worker`) and labelled with the pool's name:
/// counters `sn_pool_received`, `sn_pool_processed`, `sn_pool_errors`,
/// `sn_pool_restarts`, `sn_pool_rejected`, `sn_pool_ticks` (increments since
/// the last update), gauges `sn_pool_queue_depth` and
/// `sn_pool_latency_p50_ns` / `…_p99_ns` / `…_p999_ns` / `…_max_ns`.
/// A pool run as a `Service` calls it every
/// ``PoolConfiguration/metricsInterval``.
public final class PoolMetrics<W: Worker>: Sendable {
  private let pool: WorkerPool<W>
  private let reported: _MetricState

  /// Creates an exporter for `pool` (metrics go to the bootstrapped
  /// `MetricsSystem` factory).
  ///
  /// - Parameter pool: The pool to report.
  public init(pool: WorkerPool<W>) {
    self.pool = pool
    self.reported = _MetricState(workers: pool.workerCount)
  }

  /// Reads the statistics and reports what changed since the last call.
  public func update() {
    let statistics = pool.statistics
    let name = pool.configuration.name
    reported.lock.withLock { last in
      for worker in statistics.workers {
        let dimensions = [("pool", name), ("worker", "\(worker.workerIndex)")]
        let values: [(String, UInt64)] = [
          ("sn_pool_received", worker.received), ("sn_pool_processed", worker.processed),
          ("sn_pool_errors", worker.errors), ("sn_pool_restarts", worker.restarts),
          ("sn_pool_rejected", worker.rejected), ("sn_pool_ticks", worker.ticks),
        ]
        for (label, value) in values {
          let key = "\(label)/\(worker.workerIndex)"
          let previous = last[key] ?? 0
          if value > previous {
            Counter(label: label, dimensions: dimensions).increment(by: Int64(value - previous))
          }
          last[key] = value
        }
        Gauge(label: "sn_pool_queue_depth", dimensions: dimensions).record(worker.queueDepth)
        let latency = worker.processingLatency
        if latency.count > 0 {
          Gauge(label: "sn_pool_latency_p50_ns", dimensions: dimensions).record(latency.p50)
          Gauge(label: "sn_pool_latency_p99_ns", dimensions: dimensions).record(latency.p99)
          Gauge(label: "sn_pool_latency_p999_ns", dimensions: dimensions).record(latency.p999)
          Gauge(label: "sn_pool_latency_max_ns", dimensions: dimensions).record(latency.max)
        }
      }
    }
  }
}

final class _MetricState: Sendable {
  let lock: _Lock<[String: UInt64]>
  init(workers: Int) { lock = _Lock([:]) }
}
