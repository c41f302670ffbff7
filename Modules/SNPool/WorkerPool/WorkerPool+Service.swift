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
        self.requestShutdown(.graceful)
      }
    } onCancel: {
      self.requestShutdown(.immediate)
    }
    exporter?.update()
  }
}
