import Metrics
import MetricsTestKit
import SNPool
import Testing

@Suite("Pool metrics")
struct PoolMetricsTests {
  static let counterLabels = [
    "sn_pool_received", "sn_pool_processed", "sn_pool_errors", "sn_pool_restarts",
    "sn_pool_rejected", "sn_pool_ticks", "sn_pool_latency_samples_dropped",
  ]

  static func makePool(name: String) throws -> WorkerPool<RecordingWorker> {
    var configuration = PoolConfiguration().withWorkerCount(2).withName(name)
    configuration.latencySampleInterval = 1  // time every message
    configuration.recordsQueueDelay = true
    return try WorkerPool(worker: RecordingWorker(), configuration: configuration)
  }

  @Test("every counter, the gauge and both timers exist from the start, counters at zero")
  func metricsExistAtZero() throws {
    let metrics = TestMetrics()
    let pool = try Self.makePool(name: "zeros")
    let exporter = PoolMetrics(pool: pool, factory: metrics)
    for worker in 0..<2 {
      let dimensions = [("pool", "zeros"), ("worker", "\(worker)")]
      for label in Self.counterLabels {
        let counter = try metrics.expectCounter(label, dimensions)
        #expect(counter.totalValue == 0, "\(label) worker \(worker)")
      }
      _ = try metrics.expectGauge("sn_pool_queue_depth", dimensions)
      #expect(try metrics.expectTimer("sn_pool_processing_latency", dimensions).values.isEmpty)
      #expect(try metrics.expectTimer("sn_pool_queue_delay", dimensions).values.isEmpty)
    }
    #expect(metrics.recorders.allSatisfy { !$0.label.contains("latency_p") })
    _ = pool.shutdown()
    exporter.update()
    #expect(metrics.counterTotal(label: "sn_pool_processed") == 0)
  }

  @Test("counters count every message and every sampled latency reaches the timers once")
  func timerValuesArrive() throws {
    let metrics = TestMetrics()
    let pool = try Self.makePool(name: "timers")
    let exporter = PoolMetrics(pool: pool, factory: metrics)
    try pool.start()
    let total = 1_000
    for id in 0..<total / 2 { try pool.send(.init(id: id, key: id), key: id) }
    exporter.update()  // mid-run: whatever was flushed so far
    for id in total / 2..<total { try pool.send(.init(id: id, key: id), key: id) }
    let termination = pool.shutdown()  // workers flush their last samples
    exporter.update()
    #expect(metrics.counterTotal(label: "sn_pool_received") == Int64(total))
    #expect(metrics.counterTotal(label: "sn_pool_processed") == Int64(total))
    #expect(metrics.counterTotal(label: "sn_pool_errors") == 0)
    var processingSamples = 0
    var delaySamples = 0
    for worker in 0..<2 {
      let dimensions = [("pool", "timers"), ("worker", "\(worker)")]
      let processing = try metrics.expectTimer("sn_pool_processing_latency", dimensions).values
      let delay = try metrics.expectTimer("sn_pool_queue_delay", dimensions).values
      let statistics = termination.statistics.workers[worker]
      // One timer value per sampled message, exactly as the histogram saw.
      #expect(UInt64(processing.count) == statistics.processingLatency.count)
      #expect(UInt64(delay.count) == statistics.queueDelay.count)
      #expect(processing.allSatisfy { $0 >= 0 })
      // The histogram rounds up to 3 significant digits; the timer has the raw samples.
      #expect(UInt64(processing.max() ?? 0) <= statistics.processingLatency.max)
      processingSamples += processing.count
      delaySamples += delay.count
    }
    #expect(processingSamples == total)
    #expect(delaySamples > 0)
    exporter.update()  // nothing new: nothing recorded twice
    #expect(metrics.counterTotal(label: "sn_pool_processed") == Int64(total))
    #expect(
      metrics.timers(label: "sn_pool_processing_latency").map(\.values.count).reduce(0, +)
        == total)
  }
}
