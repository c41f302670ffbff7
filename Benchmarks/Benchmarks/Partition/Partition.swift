// Partition: lookup cost of every SNPartition partitioner at 8 and 1024 workers,
// stable-hash cost on 8/16/64-byte keys, table rebuild cost, and the balance and
// movement figures quoted in the SNPartition DocC article.
//
// Lookups run over 65,536 pre-hashed keys (512 KiB, so table-based partitioners
// see realistic cache misses rather than one hot line). Each benchmark times its
// own inner loop and reports picoseconds per operation as a custom metric ("ps/op"),
// so the figure does not depend on the harness's scaling rules. The machine is
// shared and noisy: compare partitioners by ratios within one run. Balance and
// movement are deterministic (fixed key sample) and reported ×1000.

import Benchmark
import BenchmarkSupport
import SNPartition

// MARK: - Fixtures

func splitmix(_ value: UInt64) -> UInt64 {
  var z = value &+ 0x9E37_79B9_7F4A_7C15
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

let keyMask = (1 << 16) - 1
let keyHashes: [UInt64] = (0...keyMask).map { splitmix(UInt64($0) &+ 0xC0FFEE) }
/// Operations per measured iteration.
let operations = 1 << 20

let picoseconds = BenchmarkMetric.custom(
  "ps/op", polarity: .prefersSmaller, useScalingFactor: false)
let balanceMetric = BenchmarkMetric.custom(
  "max/mean x1000", polarity: .prefersSmaller, useScalingFactor: false)
let movementMetric = BenchmarkMetric.custom(
  "moved/ideal x1000", polarity: .prefersSmaller, useScalingFactor: false)

@inline(__always)
func elapsedPicoseconds(_ body: () -> Void) -> Int {
  let start = ContinuousClock.now
  body()
  let elapsed = ContinuousClock.now - start
  return Int(elapsed.components.seconds) * 1_000_000_000_000
    + Int(elapsed.components.attoseconds / 1_000_000)
}

var lookupConfiguration: Benchmark.Configuration {
  .init(metrics: [picoseconds, .mallocCountTotal], maxDuration: .seconds(1), maxIterations: 15)
}

/// Generic, so each partitioner's lookup is specialised and inlined as in user code.
func lookup<P: Partitioner>(_ name: String, _ partitioner: P) {
  Benchmark("lookup/\(name)", configuration: lookupConfiguration) { benchmark in
    var sink = 0
    let cost = keyHashes.withUnsafeBufferPointer { keys in
      elapsedPicoseconds {
        for index in 0..<operations {
          sink &+= partitioner.worker(forKeyHash: keys[index & keyMask])
        }
      }
    }
    blackHole(sink)
    benchmark.measurement(picoseconds, cost / operations)
  }
}

/// Key bytes of one length, 65,536 keys back to back.
func keyBytes(length: Int) -> [UInt8] {
  (0..<((keyMask + 1) * length)).map { UInt8(truncatingIfNeeded: splitmix(UInt64($0))) }
}

/// A hash under test; a protocol rather than a closure so each one is specialised
/// and inlined into its loop, as it would be in user code.
protocol ByteHash {
  func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64
}

struct XXH64Hash: ByteHash {
  func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 { KeyHasher.xxh64.hash(bytes: bytes) }
}

struct XXH3Hash: ByteHash {
  func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 { KeyHasher.xxh3.hash(bytes: bytes) }
}

struct KafkaHash: ByteHash {
  func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 { KeyHasher.kafkaMurmur2.hash(bytes: bytes) }
}

struct SipHash13Hash: ByteHash {
  let hasher = KeyHasher.sipHash13(key0: 0x0706_0504_0302_0100, key1: 0x0F0E_0D0C_0B0A_0908)
  func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 { hasher.hash(bytes: bytes) }
}

/// Swift's own `Hasher` (SipHash-1-3, random seed per process): the speed reference.
struct SwiftHasherHash: ByteHash {
  func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var hasher = Hasher()
    hasher.combine(bytes: bytes)
    return UInt64(bitPattern: Int64(hasher.finalize()))
  }
}

/// A whole keyed lookup: XXH64 of the key bytes, then jump hash over 1024 workers.
struct KeyedJumpLookup: ByteHash {
  let partitioner = try! JumpHashPartitioner(workers: 1024)
  func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    UInt64(partitioner.worker(forKeyHash: partitioner.keyHasher.hash(bytes: bytes)))
  }
}

func hashing<H: ByteHash>(_ name: String, length: Int, _ function: H) {
  let bytes = keyBytes(length: length)
  Benchmark("hash/\(name)/\(length)B", configuration: lookupConfiguration) { benchmark in
    var sink: UInt64 = 0
    let cost = bytes.withUnsafeBytes { raw in
      let base = raw.baseAddress!
      return elapsedPicoseconds {
        for index in 0..<operations {
          let key = UnsafeRawBufferPointer(start: base + (index & keyMask) * length, count: length)
          sink &+= function.hash(key)
        }
      }
    }
    blackHole(sink)
    benchmark.measurement(picoseconds, cost / operations)
  }
}

/// Balance over 1M keys and movement on adding one worker (ideal 1/(N+1)).
let balanceKeys: [UInt64] = (0..<1_000_000).map { splitmix(UInt64($0) &+ 0xBA1A_0CE) }

func quality<P: Partitioner>(_ name: String, _ partitioner: P, grown: P?) {
  Benchmark(
    "quality/\(name)",
    configuration: .init(metrics: [balanceMetric, movementMetric], maxIterations: 1)
  ) { benchmark in
    var counts = [Int](repeating: 0, count: partitioner.workerCount)
    for hash in balanceKeys { counts[partitioner.worker(forKeyHash: hash)] += 1 }
    let mean = Double(balanceKeys.count) / Double(counts.count)
    benchmark.measurement(balanceMetric, Int((Double(counts.max()!) / mean * 1000).rounded()))
    if let grown {
      let moved = movedFraction(from: partitioner, to: grown, keyHashes: balanceKeys)
      let ideal = 1 / Double(partitioner.workerCount + 1)
      benchmark.measurement(movementMetric, Int((moved / ideal * 1000).rounded()))
    }
  }
}

let benchmarks: @Sendable () -> Void = suite {
  // Lookups. Partitioners are built here, outside any measurement.
  for workers in [8, 1024] {
    let tag = "N=\(workers)"
    lookup("hash/\(tag)", try! HashPartitioner(workers: workers))
    lookup("hash-modulo/\(tag)", try! HashPartitioner(workers: workers, reduction: .modulo))
    lookup("round-robin/\(tag)", try! RoundRobinPartitioner(workers: workers))
    lookup("jump/\(tag)", try! JumpHashPartitioner(workers: workers))
    lookup("ring-150/\(tag)", try! ConsistentHashPartitioner(workers: workers))
    lookup("maglev/\(tag)", try! MaglevPartitioner(workers: workers))
    if workers == 1024 {
      lookup(
        "maglev-M=1024021/\(tag)", try! MaglevPartitioner(workers: workers, tableSize: 1_024_021))
    }
    lookup("anchor/\(tag)", try! AnchorHashPartitioner(workers: workers))
    lookup("rendezvous/\(tag)", try! RendezvousPartitioner(workers: workers))
    lookup(
      "bounded-load-jump/\(tag)",
      try! BoundedLoadPartitioner(try! JumpHashPartitioner(workers: workers)))
  }
  lookup(
    "rendezvous-weighted/N=8",
    try! RendezvousPartitioner(workerIDs: Array(0..<8), weights: (1...8).map(Double.init)))
  lookup("round-robin-weighted/N=8", try! RoundRobinPartitioner(weights: Array(1...8)))

  // Stable hashes on short keys, and Swift's per-process Hasher for reference.
  for length in [8, 16, 64] {
    hashing("xxh64", length: length, XXH64Hash())
    hashing("xxh3", length: length, XXH3Hash())
    hashing("kafka-murmur2", length: length, KafkaHash())
    hashing("siphash13", length: length, SipHash13Hash())
    hashing("swift-hasher", length: length, SwiftHasherHash())
  }
  hashing("xxh64+jump1024", length: 16, KeyedJumpLookup())

  // Rebuild cost on a membership change at 1024 workers.
  let rebuildConfiguration = Benchmark.Configuration(
    metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(2), maxIterations: 20)
  let maglev = try! MaglevPartitioner(workers: 1024)
  Benchmark("rebuild/maglev/N=1024", configuration: rebuildConfiguration) { _ in
    blackHole(try! maglev.addingWorker(id: 5000))
  }
  let ring = try! ConsistentHashPartitioner(workers: 1024)
  Benchmark("rebuild/ring-150/N=1024", configuration: rebuildConfiguration) { _ in
    blackHole(try! ring.addingWorker(id: 5000))
  }
  let anchor = try! AnchorHashPartitioner(workers: 1024)
  Benchmark("rebuild/anchor/N=1024", configuration: rebuildConfiguration) { _ in
    blackHole(try! anchor.removingWorker(id: 17))
  }

  // Balance and movement, deterministic.
  for workers in [8, 1024] {
    let tag = "N=\(workers)"
    let jump = try! JumpHashPartitioner(workers: workers)
    quality("jump/\(tag)", jump, grown: jump.addingWorker())
    let anchor = try! AnchorHashPartitioner(workers: workers)
    quality("anchor/\(tag)", anchor, grown: try! anchor.addingWorker(id: workers))
    let maglev = try! MaglevPartitioner(workers: workers)
    quality("maglev/\(tag)", maglev, grown: try! maglev.addingWorker(id: workers))
    if workers == 1024 {
      // A table ten times the default (M ≈ 1000·N) trades memory for movement.
      let big = try! MaglevPartitioner(workers: workers, tableSize: 1_024_021)
      quality("maglev-M=1024021/\(tag)", big, grown: try! big.addingWorker(id: workers))
    }
    let ring = try! ConsistentHashPartitioner(workers: workers)
    quality("ring-150/\(tag)", ring, grown: try! ring.addingWorker(id: workers))
    let hash = try! HashPartitioner(workers: workers)
    quality("hash/\(tag)", hash, grown: hash.addingWorker())
    if workers == 8 {
      let rendezvous = try! RendezvousPartitioner(workers: workers)
      quality("rendezvous/\(tag)", rendezvous, grown: try! rendezvous.addingWorker(id: workers))
    }
  }
}
