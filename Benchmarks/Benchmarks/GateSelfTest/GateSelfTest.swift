// GateSelfTest: a tiny suite that exercises the regression gate itself.
//
// It measures a local kernel (no library module involved), so the gate can be
// tested end to end before the real suites land, and so a regression can be
// injected on purpose without touching library code:
//
//     GATE_SELFTEST_INJECT=slowdown   the candidate kernel does twice the work
//     GATE_SELFTEST_INJECT=allocation the hot loop allocates once per iteration
//
// Metrics follow the gate's policies: a same-run ratio (candidate time over a
// reference kernel timed in the same iteration, x1000) and malloc counts; wall
// clock is recorded for the report only.

import Benchmark
import BenchmarkSupport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Which regression, if any, the environment asks this run to inject.
enum Injection {
  case none, slowdown, allocation

  static let current: Injection = {
    guard let raw = getenv("GATE_SELFTEST_INJECT") else { return .none }
    switch String(cString: raw) {
    case "slowdown": return .slowdown
    case "allocation": return .allocation
    default: return .none
    }
  }()
}

@inline(__always)
func monotonicNanoseconds() -> UInt64 {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// The reference: the same ring loop as the candidate, in its own function
/// and on its own ring, so the ratio is about 1000 and an injected change to
/// the candidate shows up undiluted. A cheaper arithmetic reference was
/// reduced by the optimiser to a few nanoseconds, below the clock's
/// resolution, and a vectorised array loop made the ratio depend on each
/// process's buffer addresses (1820 to 2963 across unchanged runs).
@inline(never)
func referenceKernel(_ ring: UnsafeMutableBufferPointer<UInt64>, count: Int) -> UInt64 {
  var sum: UInt64 = 0
  let mask = ring.count - 1
  var head = 0
  var tail = 0
  for value in 0..<count {
    ring[tail & mask] = UInt64(truncatingIfNeeded: value)
    tail &+= 1
    sum = sum &* 31 &+ ring[head & mask]
    head &+= 1
  }
  return sum
}

/// The candidate: every element goes through a power-of-two ring, as a
/// single-threaded stand-in for a channel's push/pop pair.
@inline(never)
func candidateKernel(_ ring: UnsafeMutableBufferPointer<UInt64>, count: Int, passes: Int) -> UInt64
{
  var sum: UInt64 = 0
  let mask = ring.count - 1
  for _ in 0..<passes {
    var head = 0
    var tail = 0
    for value in 0..<count {
      ring[tail & mask] = UInt64(truncatingIfNeeded: value)
      tail &+= 1
      sum = sum &* 31 &+ ring[head & mask]
      head &+= 1
    }
  }
  return sum
}

/// A page-aligned ring, so its placement is the same in every process.
func makeRing(capacity: Int) -> UnsafeMutableBufferPointer<UInt64> {
  let raw = UnsafeMutableRawPointer.allocate(
    byteCount: capacity * MemoryLayout<UInt64>.stride, alignment: 4096)
  let typed = raw.initializeMemory(as: UInt64.self, repeating: 0, count: capacity)
  return UnsafeMutableBufferPointer(start: typed, count: capacity)
}

let ratioMetric = BenchmarkMetric.custom(
  "ring/reference x1000", polarity: .prefersSmaller, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = suite {
  let elementCount = 20_000
  Benchmark.defaultConfiguration = .init(
    warmupIterations: 5,
    maxDuration: .seconds(1),
    maxIterations: 2_000
  )

  Benchmark(
    "RingRatio",
    configuration: .init(metrics: [ratioMetric, .wallClock, .mallocCountTotal])
  ) { benchmark in
    let ring = makeRing(capacity: 1024)
    let referenceRing = makeRing(capacity: 1024)
    defer {
      ring.deallocate()
      referenceRing.deallocate()
    }
    let passes = Injection.current == .slowdown ? 2 : 1
    for _ in benchmark.scaledIterations {
      let t0 = monotonicNanoseconds()
      blackHole(referenceKernel(referenceRing, count: elementCount))
      let t1 = monotonicNanoseconds()
      blackHole(candidateKernel(ring, count: elementCount, passes: passes))
      let t2 = monotonicNanoseconds()
      benchmark.measurement(ratioMetric, Int((t2 - t1) * 1000 / max(1, t1 - t0)))
    }
  }

  Benchmark(
    "HotLoopAllocations",
    configuration: .init(metrics: [.mallocCountTotal, .wallClock, .throughput])
  ) { benchmark in
    let ring = makeRing(capacity: 64)
    defer { ring.deallocate() }
    let allocate = Injection.current == .allocation
    for _ in benchmark.scaledIterations {
      if allocate {
        let scratch = [UInt64](repeating: 1, count: 8)
        blackHole(scratch)
      }
      blackHole(candidateKernel(ring, count: 256, passes: 1))
    }
  }
}
