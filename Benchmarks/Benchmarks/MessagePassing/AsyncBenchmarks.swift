// Async rows of message_passing: SNChannels between tasks next to
// AsyncStream and swift-async-algorithms' AsyncChannel on the same stream in
// the same iteration (ratios cancel the machine's speed), the sync-to-async
// hop next to the thread-to-thread hop, and the pinned executor's hop.

import AsyncAlgorithms
import Benchmark
import MessagePassingWorkloads
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
  let messages = 400_000
  let baselineMessages = 100_000

  let cases: [(name: String, run: @Sendable () async -> UInt64)] = [
    ("async/spsc/1024", { await asyncSPSC(capacity: 1024, messages: messages) }),
    ("async/spsc/64", { await asyncSPSC(capacity: 64, messages: messages) }),
    ("async/mpsc-2p1c/1024", { await asyncMPSC(capacity: 1024, messages: messages, producers: 2) }),
  ]
  for (name, run) in cases {
    Benchmark(name, configuration: configuration) { benchmark in
      for _ in benchmark.scaledIterations {
        let stream = await asyncStreamBaseline(messages: baselineMessages)
        let channel = await asyncChannelBaseline(messages: baselineMessages)
        let elapsed = await run()
        let rate = Double(messages) / Double(max(1, elapsed))
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

  // The hop rows (syncHop / syncToAsyncHop in MessagePassingWorkloads) run
  // in ChannelPeers (`asynchop`, in Tools/peers/compare.sh). An earlier
  // version of syncToAsyncHop hung: it called the blocking OSThread.join()
  // inside async code, which took one of the two cooperative threads while
  // the echo task needed the other; it now joins off the pool.
  // The executor rows (pinnedActorRoundTrip, defaultActorRoundTrip) are not
  // registered: under this runner an actor round-trip loop hung with idle
  // threads, for the default executor as well, while the same binary run
  // directly completed. Unresolved.
}
