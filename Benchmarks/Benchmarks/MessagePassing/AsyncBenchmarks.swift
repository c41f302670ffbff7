// Async rows of message_passing: SNChannels between tasks next to
// AsyncStream and swift-async-algorithms' AsyncChannel on the same stream in
// the same iteration (ratios cancel the machine's speed), the sync-to-async
// hop next to the thread-to-thread hop, and the pinned executor's hop.

import AsyncAlgorithms
import Benchmark
import BenchmarkSupport
import MessagePassingWorkloads
import SNAtomics
import SNChannels

let versusAsyncStream = BenchmarkMetric.custom(
  "x AsyncStream throughput", polarity: .prefersLarger, useScalingFactor: false)
let versusAsyncChannel = BenchmarkMetric.custom(
  "x AsyncChannel throughput", polarity: .prefersLarger, useScalingFactor: false)

/// swift-async-algorithms' AsyncChannel (rendezvous: every send waits for
/// its receive) between two tasks.
func asyncChannelBaseline(messages: Int) async -> UInt64 {
  let channel = AsyncChannel<UInt64>()
  let start = now()
  let producer = Task {
    for value in 0..<UInt64(messages) { await channel.send(value) }
    channel.finish()
  }
  let consumer = Task { () -> UInt64 in
    var expected: UInt64 = 0
    for await value in channel {
      precondition(value == expected, "out of order")
      expected &+= 1
    }
    return expected
  }
  await producer.value
  let received = await consumer.value
  precondition(received == UInt64(messages), "lost messages")
  return now() - start
}

func registerAsyncBenchmarks() {
  let configuration = Benchmark.Configuration(
    metrics: [throughput, versusAsyncStream, versusAsyncChannel], warmupIterations: 1,
    maxDuration: .seconds(3), maxIterations: 8)
  let messages = QuickMode.scaled(400_000)
  let baselineMessages = QuickMode.scaled(100_000)

  // async/spsc/1 suspends on nearly every message (a ring of one slot):
  // it measures the waiter path (continuation, wake, executor), not the ring.
  let cases: [(name: String, messages: Int, run: @Sendable () async -> UInt64)] = [
    ("async/spsc/1024", messages, { await asyncSPSC(capacity: 1024, messages: messages) }),
    ("async/spsc/64", messages, { await asyncSPSC(capacity: 64, messages: messages) }),
    (
      "async/spsc/1", baselineMessages, { await asyncSPSC(capacity: 1, messages: baselineMessages) }
    ),
    (
      "async/mpsc-2p1c/1024", messages,
      { await asyncMPSC(capacity: 1024, messages: messages, producers: 2) }
    ),
  ]
  for (name, count, run) in cases {
    Benchmark(name, configuration: configuration) { benchmark in
      for _ in benchmark.scaledIterations {
        let stream = await asyncStreamBaseline(messages: baselineMessages)
        let channel = await asyncChannelBaseline(messages: baselineMessages)
        let elapsed = await run()
        let rate = Double(count) / Double(max(1, elapsed))
        benchmark.measurement(throughput, Int(rate * 1000))
        benchmark.measurement(
          versusAsyncStream, Int(rate / (Double(baselineMessages) / Double(max(1, stream)))))
        benchmark.measurement(
          versusAsyncChannel, Int(rate / (Double(baselineMessages) / Double(max(1, channel)))))
      }
    }
  }
  Benchmark(
    "async/baseline/AsyncStream", configuration: .init(metrics: [throughput], maxIterations: 8)
  ) { benchmark in
    for _ in benchmark.scaledIterations {
      let elapsed = await asyncStreamBaseline(messages: baselineMessages)
      benchmark.measurement(throughput, Int(UInt64(baselineMessages) * 1000 / max(1, elapsed)))
    }
  }
  Benchmark(
    "async/baseline/AsyncChannel", configuration: .init(metrics: [throughput], maxIterations: 8)
  ) { benchmark in
    for _ in benchmark.scaledIterations {
      let elapsed = await asyncChannelBaseline(messages: baselineMessages)
      benchmark.measurement(throughput, Int(UInt64(baselineMessages) * 1000 / max(1, elapsed)))
    }
  }

  registerHopBenchmarks()
}

let roundTrip = BenchmarkMetric.custom(
  "ns / round trip", polarity: .prefersSmaller, useScalingFactor: false)
let versusDefaultActor = BenchmarkMetric.custom(
  "time / default actor x1000", polarity: .prefersSmaller, useScalingFactor: false)
let versusSyncHop = BenchmarkMetric.custom(
  "time / sync hop x1000", polarity: .prefersSmaller, useScalingFactor: false)

/// The hop rows: an actor call on a `PinnedExecutor` against a default actor
/// and a plain call, and the sync-to-async channel hop against the
/// thread-to-thread hop, each pair alternated in one iteration.
///
/// Under this runner the benchmark body runs while the runner's own task
/// blocks one cooperative thread in a semaphore wait (package-benchmark's
/// `runAsync` is called from its async `run()`): on this 2-vCPU VM the async
/// rows have ONE pool thread. Anything here that blocks a pool thread (a
/// join, the blocking `PinnedExecutor.shutdown()`) can deadlock the process.
/// The actors' methods touch their state: a method whose inlined body needs
/// no isolation lets the optimizer drop both hops (about 7 ns "round trips").
func registerHopBenchmarks() {
  let configuration = Benchmark.Configuration(
    metrics: [roundTrip, versusDefaultActor], warmupIterations: 1, maxDuration: .seconds(3),
    maxIterations: 10)
  let rounds = 20_000
  for target in HopTarget.allCases {
    Benchmark("async/executor-hop/\(target.rawValue)", configuration: configuration) {
      benchmark in
      let executor = PinnedExecutor(
        name: "bench-pinned", cpu: OSThread.allowedCPUs.last,
        waitStrategy: target == .pinnedActorBusySpin ? .spinThenYield : .default)
      for _ in benchmark.scaledIterations {
        let reference = await executorRoundTrip(.defaultActor, rounds: rounds, executor: executor)
        // A parked worker makes each pinned round trip tens of microseconds.
        let elapsed = await executorRoundTrip(
          target, rounds: target == .pinnedActor ? rounds / 4 : rounds, executor: executor)
        benchmark.measurement(roundTrip, Int(elapsed))
        benchmark.measurement(versusDefaultActor, Int(elapsed * 1000 / max(1, reference)))
      }
      await executor.shutdown()
    }
  }

  Benchmark(
    "async/sync-to-async-hop",
    configuration: .init(
      metrics: [oneWay, versusSyncHop], warmupIterations: 1, maxDuration: .seconds(3),
      maxIterations: 10)
  ) { benchmark in
    for _ in benchmark.scaledIterations {
      let sync = syncHop(rounds: 20_000)
      let mixed = await syncToAsyncHop(rounds: 20_000)
      benchmark.measurement(oneWay, Int(mixed))
      benchmark.measurement(versusSyncHop, Int(mixed * 1000 / max(1, sync)))
    }
  }
}
