// The issue 18 channel kinds in the message_passing suite: the workloads of
// `ChannelPeers kinds` and Tools/peers/rust (crossbeam bounded(0), tokio
// oneshot/broadcast/watch), so a suite run and a side-by-side measure the
// same code. Not gated (no baselines yet): figures for the record.

import Benchmark
import BenchmarkSupport
import MessagePassingWorkloads

func registerKindBenchmarks() {
  let configuration = Benchmark.Configuration(
    metrics: [throughput], warmupIterations: 1, maxDuration: .seconds(2), maxIterations: 8)
  let handOffs = QuickMode.scaled(200_000)
  let values = QuickMode.scaled(2_000_000)

  func record(_ benchmark: Benchmark, _ count: Int, _ nanoseconds: UInt64) {
    benchmark.measurement(throughput, Int(UInt64(count) * 1000 / max(1, nanoseconds)))
  }

  Benchmark("rendezvous-1p1c/blocking", configuration: configuration) { benchmark in
    for _ in benchmark.scaledIterations {
      record(benchmark, handOffs, rendezvousStream(count: handOffs))
    }
  }
  Benchmark("rendezvous-pingpong/blocking", configuration: configuration) { benchmark in
    for _ in benchmark.scaledIterations {
      record(benchmark, handOffs / 5, rendezvousPingPong(rounds: handOffs / 5))
    }
  }
  Benchmark("oneshot-local", configuration: configuration) { benchmark in
    for _ in benchmark.scaledIterations { record(benchmark, values, oneshotLocal(count: values)) }
  }
  Benchmark("oneshot-pingpong/blocking", configuration: configuration) { benchmark in
    for _ in benchmark.scaledIterations {
      record(benchmark, handOffs / 5, oneshotPingPong(rounds: handOffs / 5))
    }
  }
  Benchmark("broadcast-1p2c/async/1024", configuration: configuration) { benchmark in
    for _ in benchmark.scaledIterations {
      let (nanoseconds, delivered) = runBlocking {
        await broadcastTasks(receivers: 2, count: values)
      }
      record(benchmark, delivered, nanoseconds)
    }
  }
  Benchmark("watch-1p1c/async", configuration: configuration) { benchmark in
    for _ in benchmark.scaledIterations {
      record(benchmark, values, runBlocking { await watchTasks(count: values) })
    }
  }
}
