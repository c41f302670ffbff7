// Simd: SNSimd's kernels in GB/s at L1-, L2- and DRAM-sized inputs.
//
// Each iteration times, back to back on the same buffers: memcpy of the input
// (the physical limit), the AVX2 tier, the portable tier and a naive Swift
// loop. The machine is shared and noisy, so the gate should look at the
// ratios measured within one iteration (x100, larger is better for SNSimd),
// not at the raw GB/s. GB/s counts bytes read plus bytes written.

import Benchmark
import BenchmarkSupport
import SNSimd

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@inline(__always)
func nanoseconds(_ body: () -> Void) -> Double {
  let start = ContinuousClock.now
  body()
  let elapsed = ContinuousClock.now - start
  return Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
}

func ratioMetric(_ name: String) -> BenchmarkMetric {
  .custom(name, polarity: .prefersLarger, useScalingFactor: false)
}

/// Three Float arrays of one size, allocated once, outside any measurement.
final class Buffers: @unchecked Sendable {
  let count: Int
  let x: UnsafeMutableBufferPointer<Float>
  let y: UnsafeMutableBufferPointer<Float>
  let z: UnsafeMutableBufferPointer<Float>

  init(count: Int) {
    self.count = count
    x = .allocate(capacity: count)
    y = .allocate(capacity: count)
    z = .allocate(capacity: count)
    for i in 0..<count {
      x[i] = Float(i % 1000) * 0.001 - 0.5
      y[i] = Float(i % 777) * 0.002 - 0.7
      z[i] = 0
    }
  }

  var xr: UnsafeBufferPointer<Float> { UnsafeBufferPointer(x) }
  var yr: UnsafeBufferPointer<Float> { UnsafeBufferPointer(y) }
}

/// Where the data lives: sizes per array chosen well inside L1d (32 KiB),
/// inside L2 (512 KiB on this EPYC) and far beyond L3.
struct Level: Sendable {
  let name: String
  let count: Int
  /// Passes per timed block, so that each block lasts tens of microseconds.
  var reps: Int { Swift.max(1, (8 << 20) / (count * 4)) }
}

let levels = [
  Level(name: "L1 8KiB", count: 2 << 10),
  Level(name: "L2 64KiB", count: 16 << 10),
  Level(name: "DRAM 64MiB", count: 16 << 20),
]

// MARK: - Naive Swift loops (what a user writes without SNSimd)

@inline(never) func naiveScale(
  _ x: UnsafeBufferPointer<Float>, _ a: Float, _ y: UnsafeMutableBufferPointer<Float>
) {
  for i in 0..<x.count { y[i] = a * x[i] }
}
@inline(never) func naiveAdd(
  _ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>,
  _ z: UnsafeMutableBufferPointer<Float>
) {
  for i in 0..<x.count { z[i] = x[i] + y[i] }
}
@inline(never) func naiveAxpy(
  _ a: Float, _ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>
) {
  for i in 0..<x.count { y[i] = a * x[i] + y[i] }
}
@inline(never) func naiveClamp(
  _ x: UnsafeBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>
) {
  for i in 0..<x.count { y[i] = Swift.min(Swift.max(x[i], -0.25), 0.25) }
}
@inline(never) func naiveSum(_ x: UnsafeBufferPointer<Float>) -> Float {
  var s: Float = 0
  for v in x { s += v }
  return s
}
@inline(never) func naiveDot(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>)
  -> Float
{
  var s: Float = 0
  for i in 0..<x.count { s += x[i] * y[i] }
  return s
}
@inline(never) func naiveMax(_ x: UnsafeBufferPointer<Float>) -> Float {
  var m = x[0]
  for v in x where v > m { m = v }
  return m
}

@inline(never) func naiveArgmax(_ x: UnsafeBufferPointer<Float>) -> Int {
  var best = 0
  for i in 1..<x.count where x[i] > x[best] { best = i }
  return best
}

// MARK: - Kernels

/// One kernel: bytes moved per element, the SNSimd call and the naive twin.
struct Kernel: Sendable {
  let name: String
  let bytesPerElement: Int
  let simd: @Sendable (Buffers) -> Void
  let naive: @Sendable (Buffers) -> Void
}

let kernels: [Kernel] = [
  Kernel(
    name: "scale", bytesPerElement: 8, simd: { Batch.scale($0.xr, by: 1.0001, into: $0.z) },
    naive: { naiveScale($0.xr, 1.0001, $0.z) }),
  Kernel(
    name: "add", bytesPerElement: 12, simd: { Batch.add($0.xr, $0.yr, into: $0.z) },
    naive: { naiveAdd($0.xr, $0.yr, $0.z) }),
  Kernel(
    name: "axpy", bytesPerElement: 12, simd: { Batch.axpy(1e-7, x: $0.xr, y: $0.y) },
    naive: { naiveAxpy(1e-7, $0.xr, $0.y) }),
  Kernel(
    name: "clamp", bytesPerElement: 8, simd: { Batch.clamp($0.xr, to: -0.25...0.25, into: $0.z) },
    naive: { naiveClamp($0.xr, $0.z) }),
  Kernel(
    name: "sum", bytesPerElement: 4, simd: { blackHole(Batch.sum($0.xr)) },
    naive: { blackHole(naiveSum($0.xr)) }),
  Kernel(
    name: "dot", bytesPerElement: 8, simd: { blackHole(Batch.dot($0.xr, $0.yr)) },
    naive: { blackHole(naiveDot($0.xr, $0.yr)) }),
  Kernel(
    name: "max", bytesPerElement: 4, simd: { blackHole(Batch.max($0.xr)) },
    naive: { blackHole(naiveMax($0.xr)) }),
  Kernel(
    name: "argmax", bytesPerElement: 4, simd: { blackHole(Batch.argmax($0.xr)) },
    naive: { blackHole(naiveArgmax($0.xr)) }),
]

let benchmarks: @Sendable () -> Void = suite {
  let wide = Batch.Tier.best == .avx2
  let best = Batch.Tier.best
  var metrics: [BenchmarkMetric] = [
    .mallocCountTotal, ratioMetric("memcpy MB/s"), ratioMetric("portable MB/s"),
    ratioMetric("naive MB/s"), ratioMetric("portable/naive x100"),
    ratioMetric("portable/memcpy x100"),
  ]
  if wide {
    metrics += [
      ratioMetric("avx2 MB/s"), ratioMetric("avx2/portable x100"),
      ratioMetric("avx2/naive x100"), ratioMetric("avx2/memcpy x100"),
    ]
  }
  Benchmark.defaultConfiguration = .init(
    metrics: metrics, warmupIterations: 2, maxDuration: .seconds(2), maxIterations: 25)

  for level in levels {
    let buffers = Buffers(count: level.count)
    for kernel in kernels {
      Benchmark("\(kernel.name) \(level.name)") { benchmark in
        let reps = level.reps
        let bytes = Double(kernel.bytesPerElement * level.count * reps)
        // memcpy x -> z moves 8 bytes (read + write) per element.
        let copyBytes = Double(8 * level.count * reps)
        let copy = nanoseconds {
          for _ in 0..<reps {
            memcpy(buffers.z.baseAddress!, buffers.x.baseAddress!, level.count * 4)
          }
        }
        var avx2 = 0.0
        if wide {
          Batch.Tier.active = .avx2
          avx2 = nanoseconds { for _ in 0..<reps { kernel.simd(buffers) } }
        }
        Batch.Tier.active = .portable
        let portable = nanoseconds { for _ in 0..<reps { kernel.simd(buffers) } }
        Batch.Tier.active = best
        let naive = nanoseconds { for _ in 0..<reps { kernel.naive(buffers) } }

        func mbps(_ b: Double, _ ns: Double) -> Int { Int(b / ns * 1000) }
        func x100(_ a: Double, _ b: Double) -> Int { Int(a / b * 100) }
        let copyRate = copyBytes / copy
        benchmark.measurement(ratioMetric("memcpy MB/s"), mbps(copyBytes, copy))
        benchmark.measurement(ratioMetric("portable MB/s"), mbps(bytes, portable))
        benchmark.measurement(ratioMetric("naive MB/s"), mbps(bytes, naive))
        benchmark.measurement(ratioMetric("portable/naive x100"), x100(naive, portable))
        benchmark.measurement(ratioMetric("portable/memcpy x100"), x100(bytes / portable, copyRate))
        if wide {
          benchmark.measurement(ratioMetric("avx2 MB/s"), mbps(bytes, avx2))
          benchmark.measurement(ratioMetric("avx2/portable x100"), x100(portable, avx2))
          benchmark.measurement(ratioMetric("avx2/naive x100"), x100(naive, avx2))
          benchmark.measurement(ratioMetric("avx2/memcpy x100"), x100(bytes / avx2, copyRate))
        }
      }
    }
  }
}
