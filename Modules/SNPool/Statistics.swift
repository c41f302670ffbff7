import Histogram
import SNAtomics
import Synchronization

/// Latency percentiles in nanoseconds, from an HDR histogram (3 significant
/// digits).
public struct LatencySummary: Sendable, Hashable, CustomStringConvertible {
  /// How many samples were recorded.
  public var count: UInt64
  /// The smallest sample.
  public var min: UInt64
  /// The median.
  public var p50: UInt64
  /// The 90th percentile.
  public var p90: UInt64
  /// The 99th percentile.
  public var p99: UInt64
  /// The 99.9th percentile.
  public var p999: UInt64
  /// The largest sample.
  public var max: UInt64

  /// Creates a summary (all nanoseconds).
  ///
  /// - Parameters:
  ///   - count: Samples recorded.
  ///   - min: Smallest sample.
  ///   - p50: Median.
  ///   - p90: 90th percentile.
  ///   - p99: 99th percentile.
  ///   - p999: 99.9th percentile.
  ///   - max: Largest sample.
  public init(
    count: UInt64, min: UInt64, p50: UInt64, p90: UInt64, p99: UInt64, p999: UInt64, max: UInt64
  ) {
    self.count = count
    self.min = min
    self.p50 = p50
    self.p90 = p90
    self.p99 = p99
    self.p999 = p999
    self.max = max
  }

  /// An empty summary.
  public static let empty = LatencySummary(
    count: 0, min: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0)

  init(_ histogram: Histogram<UInt64>) {
    guard histogram.totalCount > 0 else {
      self = .empty
      return
    }
    self.init(
      count: histogram.totalCount, min: histogram.min,
      p50: histogram.valueAtPercentile(50), p90: histogram.valueAtPercentile(90),
      p99: histogram.valueAtPercentile(99), p999: histogram.valueAtPercentile(99.9),
      max: histogram.max)
  }

  /// `p50/p99/max` in nanoseconds with the sample count.
  public var description: String {
    "n=\(count) p50=\(p50)ns p90=\(p90)ns p99=\(p99)ns p99.9=\(p999)ns max=\(max)ns"
  }
}

/// One worker's counters at one moment.
///
/// Counters are read with relaxed loads, one at a time: they are exact once
/// the pool has terminated, and a consistent-enough picture while it runs.
public struct WorkerStatistics: Sendable, Hashable {
  /// The worker's index.
  public var workerIndex: Int
  /// Messages taken from the queue (by the run loop or by a tick).
  public var received: UInt64
  /// Messages handled (a handler that threw counts too) or taken by a tick.
  public var processed: UInt64
  /// Errors thrown by ``Worker/handleMessage(_:state:context:)`` or
  /// ``Worker/tick(state:context:)``.
  public var errors: UInt64
  /// Times the state was replaced under ``WorkerErrorPolicy/restartWorker``.
  public var restarts: UInt64
  /// Ticks run.
  public var ticks: UInt64
  /// Results emitted.
  public var emitted: UInt64
  /// Sends to this worker that were rejected (full, timed out, shut down).
  public var rejected: UInt64
  /// Messages waiting in the worker's shared queue (``Submitter`` lanes
  /// are not included).
  public var queueDepth: Int
  /// The queue's capacity (after rounding to a power of two).
  public var queueCapacity: Int
  /// The CPU the worker is pinned to, or `nil`.
  public var pinnedCPU: Int?
  /// The errno of a pin request the OS refused, or `nil`.
  public var pinError: Int32?
  /// Time spent in ``Worker/handleMessage(_:state:context:)`` per sampled message.
  public var processingLatency: LatencySummary
  /// Time from submission to the start of handling, if
  /// ``PoolConfiguration/recordsQueueDelay`` is on.
  public var queueDelay: LatencySummary
}

/// The pool's counters: every worker's, plus totals.
public struct PoolStatistics: Sendable, Hashable {
  /// Per-worker statistics, by worker index.
  public var workers: [WorkerStatistics]
  /// Processing latency over all workers.
  public var processingLatency: LatencySummary
  /// Queueing delay over all workers (empty unless recorded).
  public var queueDelay: LatencySummary

  /// Messages received by all workers.
  public var received: UInt64 { workers.reduce(0) { $0 &+ $1.received } }
  /// Messages processed by all workers.
  public var processed: UInt64 { workers.reduce(0) { $0 &+ $1.processed } }
  /// Errors over all workers.
  public var errors: UInt64 { workers.reduce(0) { $0 &+ $1.errors } }
  /// Restarts over all workers.
  public var restarts: UInt64 { workers.reduce(0) { $0 &+ $1.restarts } }
  /// Rejected sends over all workers.
  public var rejected: UInt64 { workers.reduce(0) { $0 &+ $1.rejected } }
  /// Ticks over all workers.
  public var ticks: UInt64 { workers.reduce(0) { $0 &+ $1.ticks } }
  /// Messages queued over all workers.
  public var queueDepth: Int { workers.reduce(0) { $0 + $1.queueDepth } }
}

/// One worker's counters, each on its own cache line. The worker thread
/// owns all but `rejected` (written by senders) and uses plain stores.
@usableFromInline
final class _WorkerCounters: Sendable {
  @usableFromInline let received = RelaxedCounter()
  @usableFromInline let processed = RelaxedCounter()
  @usableFromInline let errors = RelaxedCounter()
  @usableFromInline let restarts = RelaxedCounter()
  @usableFromInline let ticks = RelaxedCounter()
  @usableFromInline let emitted = RelaxedCounter()
  @usableFromInline let rejected = RelaxedCounter()
  /// Of `received`, how many came through submitter lanes (for the shared
  /// queue's depth).
  @usableFromInline let fromLanes = RelaxedCounter()
  let pin = Atomic<Int>(Int.min)  // CPU, or -errno, or Int.min while unknown / unpinned
  let processingLatency = _Lock(_LatencyRecorder.makeHistogram())
  let queueDelay = _Lock(_LatencyRecorder.makeHistogram())
  /// How many ``PoolMetrics`` exporters watch this worker: while non-zero,
  /// each flush also copies its samples into `latencyExport`.
  let exporters = Atomic<Int>(0)
  /// Samples flushed since the exporter last took them (see ``PoolMetrics``).
  let latencyExport = _Lock(_LatencyExport())

  @usableFromInline init() {}
}

/// Samples kept on the worker's thread and flushed into the shared
/// histograms in groups, so the lock is taken once per 128 samples.
@usableFromInline
struct _LatencyRecorder {
  @usableFromInline var processing: [UInt64] = []
  @usableFromInline var queueDelay: [UInt64] = []
  @usableFromInline let interval: Int
  @usableFromInline var countdown: Int

  @usableFromInline static let flushThreshold = 128

  static func makeHistogram() -> Histogram<UInt64> {
    // 1 ns to 60 s, 3 significant digits.
    Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
  }

  @usableFromInline init(interval: Int) {
    self.interval = interval
    self.countdown = interval
    processing.reserveCapacity(Self.flushThreshold)
  }

  /// Whether the next message should be timed.
  @inlinable @inline(__always)
  mutating func shouldSample() -> Bool {
    guard interval > 0 else { return false }
    countdown &-= 1
    if countdown > 0 { return false }
    countdown = interval
    return true
  }

  @inlinable
  mutating func record(processing nanoseconds: UInt64, into counters: _WorkerCounters) {
    processing.append(nanoseconds)
    if processing.count >= Self.flushThreshold { flush(into: counters) }
  }

  /// Records the queueing delay of a message stamped at `submittedAt`
  /// (one clock read).
  @usableFromInline
  mutating func recordQueueDelay(since submittedAt: UInt64, into counters: _WorkerCounters) {
    let now = MonotonicClock.nanoseconds
    queueDelay.append(now > submittedAt ? now &- submittedAt : 0)
    if queueDelay.count >= Self.flushThreshold { flush(into: counters) }
  }

  @usableFromInline
  mutating func flush(into counters: _WorkerCounters) {
    // Relaxed: a flush that misses a new exporter only delays its first
    // samples to the next flush (the lock orders the samples themselves).
    if counters.exporters.load(ordering: .relaxed) > 0,
      !processing.isEmpty || !queueDelay.isEmpty
    {
      counters.latencyExport.withLock { export in
        export.append(processing: processing, queueDelay: queueDelay)
      }
    }
    if !processing.isEmpty {
      counters.processingLatency.withLock { histogram in
        for value in processing { _ = histogram.record(Swift.min(value, 60_000_000_000)) }
      }
      processing.removeAll(keepingCapacity: true)
    }
    if !queueDelay.isEmpty {
      counters.queueDelay.withLock { histogram in
        for value in queueDelay { _ = histogram.record(Swift.min(value, 60_000_000_000)) }
      }
      queueDelay.removeAll(keepingCapacity: true)
    }
  }
}

/// Latency samples waiting for a ``PoolMetrics`` exporter, which feeds them
/// to its `Timer`s at its next update. Bounded: beyond ``capacity`` samples
/// per kind (an exporter that stopped calling ``PoolMetrics/update()``), new
/// samples are counted in `dropped` instead of kept.
struct _LatencyExport {
  static let capacity = 1 << 16

  var processing: [UInt64] = []
  var queueDelay: [UInt64] = []
  var dropped: UInt64 = 0

  mutating func append(processing newProcessing: [UInt64], queueDelay newDelay: [UInt64]) {
    let room = Self.capacity - processing.count
    processing += newProcessing.prefix(room)
    let delayRoom = Self.capacity - queueDelay.count
    queueDelay += newDelay.prefix(delayRoom)
    dropped &+= UInt64(max(0, newProcessing.count - room) + max(0, newDelay.count - delayRoom))
  }
}
