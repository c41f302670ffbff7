import SNPartition

/// splitmix64: a fast, well-distributed stand-in for hashed keys, so that
/// property tests measure the partitioner, not the key hash.
func splitmix(_ value: UInt64) -> UInt64 {
  var z = value &+ 0x9E37_79B9_7F4A_7C15
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

/// `count` pseudo-random key hashes, reproducible from `seed`.
func sampleHashes(_ count: Int, seed: UInt64 = 12_345) -> [UInt64] {
  (0..<count).map { splitmix(UInt64($0) &+ seed &* 0x1_0000_0000) }
}

/// One million key hashes, shared by the balance and movement tests.
let millionHashes = sampleHashes(1_000_000)

/// Keys per worker index.
func loads(_ partitioner: some Partitioner, _ hashes: [UInt64]) -> [Int] {
  var counts = [Int](repeating: 0, count: partitioner.workerCount)
  for hash in hashes { counts[partitioner.worker(forKeyHash: hash)] += 1 }
  return counts
}

/// Busiest worker's load over the mean load.
func maxOverMean(_ counts: [Int]) -> Double {
  let mean = Double(counts.reduce(0, +)) / Double(counts.count)
  return Double(counts.max()!) / mean
}

/// The sampling floor for a perfectly uniform assignment: 1 + √(2 ln N · N / m).
func samplingFloor(workers: Int, keys: Int) -> Double {
  1 + (2 * _log(Double(workers)) * Double(workers) / Double(keys)).squareRoot()
}

/// ln x by bisection on exp's series; tests only, avoids importing Foundation.
private func _log(_ x: Double) -> Double {
  var low = -50.0
  var high = 50.0
  for _ in 0..<100 {
    let mid = (low + high) / 2
    if _exp(mid) < x { low = mid } else { high = mid }
  }
  return low
}

private func _exp(_ x: Double) -> Double {
  // exp(x) = exp(x / 2^k)^(2^k) with a short series for the small argument.
  let scaled = x / 1024
  var term = 1.0
  var sum = 1.0
  for n in 1..<20 {
    term *= scaled / Double(n)
    sum += term
  }
  for _ in 0..<10 { sum *= sum }
  return sum
}

/// Per-worker-id owner map for comparing partitioners across membership changes.
func ownerIDs(_ partitioner: some Partitioner, _ hashes: [UInt64]) -> [Int] {
  let ids = partitioner.workerIDs
  return hashes.map { ids[partitioner.worker(forKeyHash: $0)] }
}

/// The fraction of positions where two owner lists differ.
func differingFraction(_ lhs: [Int], _ rhs: [Int]) -> Double {
  var moved = 0
  for index in lhs.indices where lhs[index] != rhs[index] { moved += 1 }
  return Double(moved) / Double(lhs.count)
}
