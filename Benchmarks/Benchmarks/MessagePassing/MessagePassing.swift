// message_passing: the guide's `cargo bench --bench message_passing`, for SNChannels.
//
// Throughput (million messages per second) for each channel kind, single
// element vs batch, capacities 64 / 1024 / 16384; one-way latency (ping-pong
// round trip / 2, every round trip a sample, so p50 and p99 are real
// percentiles); and an allocation count of the hot path.
//
// Gating: every threaded benchmark also reports its time divided by the time
// of a reference ring run in the same iteration (x1000), so the machine's
// speed and the noisy VM's regime cancel out; see Benchmarks/README.md.

import Benchmark
import BenchmarkSupport
import MessagePassingWorkloads
import SNChannels

let throughput = BenchmarkMetric.custom("Mmsg/s", polarity: .prefersLarger, useScalingFactor: false)
let ratio = BenchmarkMetric.custom(
  "time / reference x1000", polarity: .prefersSmaller, useScalingFactor: false)
let oneWay = BenchmarkMetric.custom(
  "one-way ns", polarity: .prefersSmaller, useScalingFactor: false)
let latencyRatio = BenchmarkMetric.custom(
  "p50 / bare p50 x1000", polarity: .prefersSmaller, useScalingFactor: false)

/// Runs `workload` and the reference ring back to back and records both metrics.
func measure(_ benchmark: Benchmark, messages: Int, capacity: Int, _ workload: () -> UInt64) {
  for _ in benchmark.scaledIterations {
    let reference = referenceSPSC(capacity: capacity, messages: messages)
    let elapsed = workload()
    benchmark.measurement(throughput, Int(UInt64(messages) * 1000 / max(1, elapsed)))
    benchmark.measurement(ratio, Int(elapsed * 1000 / max(1, reference)))
  }
}

func median(_ samples: [Int]) -> Int { samples.sorted()[samples.count / 2] }

let benchmarks: @Sendable () -> Void = suite {
  registerAsyncBenchmarks()
  registerKindBenchmarks()
  let configuration = Benchmark.Configuration(
    metrics: [throughput, ratio], warmupIterations: 1, maxDuration: .seconds(2),
    maxIterations: 12)
  let spscMessages = QuickMode.scaled(4_000_000)
  let multiMessages = QuickMode.scaled(1_000_000)

  for capacity in [64, 1024, 16384] {
    for mode in [Mode.spin, .blocking, .batch] {
      Benchmark("spsc/\(mode.rawValue)/\(capacity)", configuration: configuration) { benchmark in
        measure(benchmark, messages: spscMessages, capacity: capacity) {
          spsc(capacity: capacity, messages: spscMessages, mode: mode)
        }
      }
    }
    let multiCases: [(name: String, mpmc: Bool, producers: Int, consumers: Int)] = [
      ("mpsc-2p1c", false, 2, 1), ("mpmc-1p1c", true, 1, 1), ("mpmc-2p2c", true, 2, 2),
    ]
    for multiCase in multiCases {
      for mode in [Mode.spin, .blocking, .batch] {
        let name = "\(multiCase.name)/\(mode.rawValue)/\(capacity)"
        Benchmark(name, configuration: configuration) { benchmark in
          measure(benchmark, messages: multiMessages, capacity: capacity) {
            multi(
              mpmc: multiCase.mpmc, producers: multiCase.producers,
              consumers: multiCase.consumers, capacity: capacity, messages: multiMessages,
              mode: mode)
          }
        }
      }
    }
  }

  let latencyConfiguration = Benchmark.Configuration(
    metrics: [oneWay, latencyRatio], warmupIterations: 1, maxDuration: .seconds(2),
    maxIterations: 10)
  for kind in ["spsc", "mpsc", "mpmc"] {
    Benchmark("latency/\(kind)", configuration: latencyConfiguration) { benchmark in
      for _ in benchmark.scaledIterations {
        let bare = barePingPong(rounds: 2_000)
        let samples = channelPingPong(kind: kind, rounds: 2_000)
        for sample in samples { benchmark.measurement(oneWay, sample) }
        benchmark.measurement(latencyRatio, median(samples) * 1000 / max(1, median(bare)))
      }
    }
  }
  Benchmark("latency/bare-atomics", configuration: latencyConfiguration) { benchmark in
    for _ in benchmark.scaledIterations {
      let samples = barePingPong(rounds: 2_000)
      for sample in samples { benchmark.measurement(oneWay, sample) }
      benchmark.measurement(latencyRatio, 1000)
    }
  }

  // The hot path allocates nothing: a deterministic count, gated exactly.
  Benchmark(
    "spsc/hot-path-allocations",
    configuration: .init(metrics: [.mallocCountTotal], maxDuration: .seconds(1), maxIterations: 50)
  ) { benchmark in
    let channel = try! SNChannel<UInt64>.spsc(capacity: 1024)
    var tx = channel.sender
    var rx = channel.receiver
    benchmark.startMeasurement()
    for round in 0..<10_000 {
      try! tx.trySend(UInt64(round))
      blackHole(try! rx.tryReceive())
    }
    benchmark.stopMeasurement()
  }
}
