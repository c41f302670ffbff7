// worker_pool: the guide's `cargo bench --bench worker_pool`, for SNPool.
//
// Messages per second through the pool for 1 and 2 workers (this machine's
// core count; more on bigger hosts), for a CPU-bound and a trivial handler,
// affinity on and off, batch submission + batch drain on and off, and the
// per-message cost of a pool hop against a bare SPSC channel hop.
//
// The VM is noisy, so every benchmark also records a ratio of two variants
// measured back to back in the same iteration (x1000): those are what the
// README quotes and what a gate should look at. The CPU-bound suites also
// record the process's CPU time: scaling = (busy vCPUs with n workers / busy
// vCPUs with 1) x (CPU time with 1 / CPU time with n), which separates what
// the pool costs (the second factor) from what the VM grants (the first).

import Benchmark
import SNAtomics
import SNChannels
import SNPartition
import SNPool

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

let throughput = BenchmarkMetric.custom("Mmsg/s", polarity: .prefersLarger, useScalingFactor: false)
let kThroughput = BenchmarkMetric.custom(
  "Kmsg/s", polarity: .prefersLarger, useScalingFactor: false)
let scaling = BenchmarkMetric.custom(
  "n workers / 1 worker x1000", polarity: .prefersLarger, useScalingFactor: false)
let speedup = BenchmarkMetric.custom(
  "variant / baseline speed x1000", polarity: .prefersLarger, useScalingFactor: false)
let busyOne = BenchmarkMetric.custom(
  "busy CPUs 1 worker x1000", polarity: .prefersLarger, useScalingFactor: false)
let busy = BenchmarkMetric.custom(
  "busy CPUs n workers x1000", polarity: .prefersLarger, useScalingFactor: false)
let work = BenchmarkMetric.custom(
  "CPU time n workers / 1 worker x1000", polarity: .prefersSmaller, useScalingFactor: false)
let overhead = BenchmarkMetric.custom(
  "pool time / bare channel time x1000", polarity: .prefersSmaller, useScalingFactor: false)

/// Sums messages: the cheapest possible handler.
struct TrivialWorker: Worker {
  func makeState(workerIndex: Int) -> UInt64 { 0 }
  @inline(__always)
  func handleMessage(
    _ envelope: Envelope<UInt64>, state: inout UInt64, context: inout WorkerContext<Self>
  ) {
    state &+= envelope.message
  }
}

/// About half a microsecond of integer mixing per message.
struct CPUBoundWorker: Worker {
  func makeState(workerIndex: Int) -> UInt64 { 0 }
  func handleMessage(
    _ envelope: Envelope<UInt64>, state: inout UInt64, context: inout WorkerContext<Self>
  ) {
    var x = envelope.message | 1
    for _ in 0..<400 {
      x ^= x << 13
      x ^= x >> 7
      x ^= x << 17
    }
    state &+= x
  }
}

func configuration(workers: Int, capacity: Int, batch: Int, affinity: Bool) -> PoolConfiguration {
  var configuration = PoolConfiguration()
    .withNumWorkers(workers)
    .withCPUAffinity(affinity)
    .withPartitioner(.roundRobin)
    .withWorkerConfiguration(
      WorkerConfiguration().withQueueCapacity(capacity).withBatchSize(batch))
  configuration.latencySampleInterval = 0
  return configuration
}

/// CPU time of the whole process (every thread), in nanoseconds.
func processCPUTime() -> UInt64 {
  var time = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
  return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// CPU-bound throughput: the queues are filled before the threads start, so
/// the time is the workers' alone (no producer competing for the 2 cores).
/// Returns nanoseconds from `start()` to the end of `shutdown()` (wall) and
/// the process's CPU time over the same span: CPU / wall is how many vCPUs
/// the workers actually got, CPU(n) / CPU(1) how much extra work n workers did.
func cpuBound(workers: Int, messages: Int, affinity: Bool) -> (wall: UInt64, cpu: UInt64) {
  let pool = try! WorkerPool(
    worker: CPUBoundWorker(),
    configuration: configuration(
      workers: workers, capacity: messages, batch: 64, affinity: affinity))
  for value in 0..<messages { try! pool.send(UInt64(value), toWorker: value % workers) }
  let cpuStart = processCPUTime()
  let start = MonotonicClock.nanoseconds
  try! pool.start()
  let termination = pool.shutdown()
  let elapsed = MonotonicClock.nanoseconds - start
  let cpu = processCPUTime() - cpuStart
  precondition(termination.statistics.processed == UInt64(messages))
  return (elapsed, cpu)
}

/// Trivial-handler throughput with one producer thread (this one) sending
/// by key; `batched` sends groups of 64 with `send(contentsOf:)` and lets
/// workers drain 64 at a time, otherwise one message per send and per drain.
func trivial(workers: Int, messages: Int, batched: Bool, affinity: Bool = false) -> UInt64 {
  let pool = try! WorkerPool(
    worker: TrivialWorker(),
    configuration: configuration(
      workers: workers, capacity: 1024, batch: batched ? 64 : 1, affinity: affinity))
  try! pool.start()
  let start = MonotonicClock.nanoseconds
  if batched {
    var chunk: [UInt64] = []
    chunk.reserveCapacity(64)
    for value in 0..<UInt64(messages) {
      chunk.append(value)
      if chunk.count == 64 {
        try! pool.send(contentsOf: chunk, key: { $0 })
        chunk.removeAll(keepingCapacity: true)
      }
    }
    if !chunk.isEmpty { try! pool.send(contentsOf: chunk, key: { $0 }) }
  } else {
    for value in 0..<UInt64(messages) { try! pool.send(value, key: value) }
  }
  let termination = pool.shutdown()
  let elapsed = MonotonicClock.nanoseconds - start
  precondition(termination.statistics.processed == UInt64(messages))
  return elapsed
}

/// The producer's cost alone: the pool is not started and the queue holds
/// every message, so no worker competes for a core and no send waits.
/// Returns the nanoseconds spent submitting (the drain afterwards is untimed).
func submitOnly(messages: Int, batched: Bool) -> UInt64 {
  let pool = try! WorkerPool(
    worker: TrivialWorker(),
    configuration: configuration(workers: 1, capacity: messages, batch: 64, affinity: false))
  let start = MonotonicClock.nanoseconds
  if batched {
    var chunk: [UInt64] = []
    chunk.reserveCapacity(64)
    for value in 0..<UInt64(messages) {
      chunk.append(value)
      if chunk.count == 64 {
        try! pool.send(contentsOf: chunk, key: { $0 })
        chunk.removeAll(keepingCapacity: true)
      }
    }
    if !chunk.isEmpty { try! pool.send(contentsOf: chunk, key: { $0 }) }
  } else {
    for value in 0..<UInt64(messages) { try! pool.send(value, key: value) }
  }
  let elapsed = MonotonicClock.nanoseconds - start
  precondition(pool.shutdown().statistics.processed == UInt64(messages))
  return elapsed
}

/// The same hop without the pool: one producer, one consumer thread, a bare
/// SPSC channel of the same capacity, blocking send and 64-at-a-time drain.
func bareSPSC(messages: Int) -> UInt64 {
  let channel = try! Channel<UInt64>.spsc(capacity: 1024)
  var tx = channel.sender
  let start = MonotonicClock.nanoseconds
  let consumer = OSThread.spawn(taking: channel.receiver) { rx in
    var sum: UInt64 = 0
    var buffer: [UInt64] = []
    buffer.reserveCapacity(64)
    while let count = try? rx.receive(into: &buffer, maxCount: 64), count > 0 {
      for value in buffer { sum &+= value }
      buffer.removeAll(keepingCapacity: true)
    }
    precondition(sum > 0)
  }
  for value in 0..<UInt64(messages) { try! tx.send(value) }
  _ = consume tx
  consumer.join()
  return MonotonicClock.nanoseconds - start
}

/// The pool's own wiring without the pool: one producer, one consumer
/// thread, a bare MPSC channel of the same capacity and element size
/// (an envelope), blocking send and 64-at-a-time drain. Pool hop / this is
/// the pool's own overhead (gate, routing, counters, run loop).
func bareMPSC(messages: Int) -> UInt64 {
  let channel = try! Channel<Envelope<UInt64>>.mpsc(capacity: 1024)
  let tx = channel.sender
  let start = MonotonicClock.nanoseconds
  let consumer = OSThread.spawn(taking: channel.receiver) { rx in
    var sum: UInt64 = 0
    var buffer: [Envelope<UInt64>] = []
    buffer.reserveCapacity(64)
    while let count = try? rx.receive(into: &buffer, maxCount: 64), count > 0 {
      for envelope in buffer { sum &+= envelope.message }
      buffer.removeAll(keepingCapacity: true)
    }
    precondition(sum > 0)
  }
  for value in 0..<UInt64(messages) { try! tx.send(Envelope(value)) }
  _ = consume tx
  consumer.join()
  return MonotonicClock.nanoseconds - start
}

/// Same as `trivial(workers: 1, …, batched: false)` but with the pool's
/// default 64-message drain: the configuration a user gets, one send per
/// message, against `bareSPSC`.
func poolHop(messages: Int) -> UInt64 {
  let pool = try! WorkerPool(
    worker: TrivialWorker(),
    configuration: configuration(workers: 1, capacity: 1024, batch: 64, affinity: false))
  try! pool.start()
  let start = MonotonicClock.nanoseconds
  for value in 0..<UInt64(messages) { try! pool.send(value, toWorker: 0) }
  pool.shutdown()
  return MonotonicClock.nanoseconds - start
}

/// Million messages per second.
func rate(_ messages: Int, _ nanoseconds: UInt64) -> Int {
  Int(UInt64(messages) * 1000 / max(1, nanoseconds))
}

let benchmarks: @Sendable () -> Void = {
  let cores = max(1, OSThread.allowedCPUs.count)
  let workerCounts = Array(Set([1, 2, cores])).filter { $0 <= max(2, cores) }.sorted()
  let configurationScaling = Benchmark.Configuration(
    metrics: [kThroughput, scaling, busyOne, busy, work], warmupIterations: 1,
    maxDuration: .seconds(3),
    maxIterations: 8)

  let cpuMessages = 200_000
  for workers in workerCounts where workers > 1 {
    for affinity in [false, true] where !affinity || workers <= cores {
      let name = "cpu-bound/\(workers)-workers/affinity-\(affinity ? "on" : "off")"
      Benchmark(name, configuration: configurationScaling) { benchmark in
        for _ in benchmark.scaledIterations {
          let one = cpuBound(workers: 1, messages: cpuMessages, affinity: affinity)
          let many = cpuBound(workers: workers, messages: cpuMessages, affinity: affinity)
          benchmark.measurement(
            kThroughput, Int(UInt64(cpuMessages) * 1_000_000 / max(1, many.wall)))
          benchmark.measurement(scaling, Int(one.wall * 1000 / max(1, many.wall)))
          benchmark.measurement(busyOne, Int(one.cpu * 1000 / max(1, one.wall)))
          benchmark.measurement(busy, Int(many.cpu * 1000 / max(1, many.wall)))
          benchmark.measurement(work, Int(many.cpu * 1000 / max(1, one.cpu)))
        }
      }
    }
  }

  Benchmark(
    "cpu-bound/2-workers/affinity-on-vs-off",
    configuration: .init(
      metrics: [speedup], warmupIterations: 1, maxDuration: .seconds(3), maxIterations: 8)
  ) { benchmark in
    for _ in benchmark.scaledIterations {
      let off = cpuBound(workers: min(2, cores), messages: cpuMessages, affinity: false).wall
      let on = cpuBound(workers: min(2, cores), messages: cpuMessages, affinity: true).wall
      benchmark.measurement(speedup, Int(off * 1000 / max(1, on)))
    }
  }

  let trivialMessages = 1_000_000
  for workers in workerCounts {
    Benchmark(
      "trivial/\(workers)-workers/batched-vs-single",
      configuration: .init(
        metrics: [throughput, speedup], warmupIterations: 1, maxDuration: .seconds(3),
        maxIterations: 8)
    ) { benchmark in
      for _ in benchmark.scaledIterations {
        let single = trivial(workers: workers, messages: trivialMessages, batched: false)
        let batched = trivial(workers: workers, messages: trivialMessages, batched: true)
        benchmark.measurement(throughput, rate(trivialMessages, batched))
        benchmark.measurement(speedup, Int(single * 1000 / max(1, batched)))
      }
    }
  }

  Benchmark(
    "trivial/1-worker/submit-only/batched-vs-single",
    configuration: .init(
      metrics: [throughput, speedup], warmupIterations: 1, maxDuration: .seconds(3),
      maxIterations: 8)
  ) { benchmark in
    let messages = 262_144
    for _ in benchmark.scaledIterations {
      let single = submitOnly(messages: messages, batched: false)
      let batched = submitOnly(messages: messages, batched: true)
      benchmark.measurement(throughput, rate(messages, batched))
      benchmark.measurement(speedup, Int(single * 1000 / max(1, batched)))
    }
  }

  Benchmark(
    "trivial/1-worker/pool-hop-vs-bare-mpsc",
    configuration: .init(
      metrics: [throughput, overhead], warmupIterations: 1, maxDuration: .seconds(3),
      maxIterations: 8)
  ) { benchmark in
    for _ in benchmark.scaledIterations {
      let bare = bareMPSC(messages: trivialMessages)
      let pool = poolHop(messages: trivialMessages)
      benchmark.measurement(throughput, rate(trivialMessages, bare))
      benchmark.measurement(overhead, Int(pool * 1000 / max(1, bare)))
    }
  }

  Benchmark(
    "trivial/1-worker/pool-hop-vs-bare-spsc",
    configuration: .init(
      metrics: [throughput, overhead], warmupIterations: 1, maxDuration: .seconds(3),
      maxIterations: 8)
  ) { benchmark in
    for _ in benchmark.scaledIterations {
      let bare = bareSPSC(messages: trivialMessages)
      let pool = poolHop(messages: trivialMessages)
      benchmark.measurement(throughput, rate(trivialMessages, pool))
      benchmark.measurement(overhead, Int(pool * 1000 / max(1, bare)))
    }
  }
}
