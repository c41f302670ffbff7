import SNPartition
import Testing

/// Balance (max/mean keys per worker over 1M keys) against the bounds:
/// ≤ 1.01 at N = 8 and ≤ 1.13 at N = 1024 for the consistent schemes, where
/// the sampling floor for perfectly uniform placement is 1.006 / 1.12.
@Suite("Balance over one million keys")
struct BalanceTests {
  @Test("The floor formula gives the note's figures")
  func floor() {
    #expect(abs(samplingFloor(workers: 8, keys: 1_000_000) - 1.006) < 0.0005)
    #expect(abs(samplingFloor(workers: 1024, keys: 1_000_000) - 1.119) < 0.002)
  }

  @Test("Jump, AnchorHash, Maglev and plain hash at N = 8 and 1024", arguments: [8, 1024])
  func consistentSchemes(workers: Int) throws {
    let bound = workers == 8 ? 1.01 : 1.13
    let candidates: [(String, any Partitioner)] = [
      ("jump", try JumpHashPartitioner(workers: workers)),
      ("anchor", try AnchorHashPartitioner(workers: workers)),
      ("maglev", try MaglevPartitioner(workers: workers)),
      ("hash", try HashPartitioner(workers: workers)),
    ]
    for (name, partitioner) in candidates {
      let ratio = maxOverMean(loads(partitioner, millionHashes))
      #expect(ratio <= bound, "\(name) N=\(workers): \(ratio)")
      #expect(ratio >= 1, "\(name)")
    }
  }

  @Test("AnchorHash stays balanced after arbitrary removals")
  func anchorAfterRemovals() throws {
    var anchor = try AnchorHashPartitioner(workers: 12)
    for id in [3, 7, 0, 11] { anchor = try anchor.removingWorker(id: id) }
    #expect(anchor.workerIDs == [1, 2, 4, 5, 6, 8, 9, 10])
    let ratio = maxOverMean(loads(anchor, millionHashes))
    #expect(ratio <= 1.01, "\(ratio)")
  }

  @Test("Rendezvous at N = 8")
  func rendezvous() throws {
    let ratio = maxOverMean(loads(try RendezvousPartitioner(workers: 8), millionHashes))
    #expect(ratio <= 1.01, "\(ratio)")
  }

  @Test("The 150-virtual-node ring shows the imbalance the guide understates")
  func ring() throws {
    let eight = maxOverMean(loads(try ConsistentHashPartitioner(workers: 8), millionHashes))
    #expect(eight > 1.02 && eight <= 1.25, "\(eight)")
    let many = try ConsistentHashPartitioner(workers: 8, virtualNodes: 4000)
    #expect(maxOverMean(loads(many, millionHashes)) < eight)
  }

  @Test("Weighted rendezvous gives each worker its share of the weight")
  func weightedRendezvous() throws {
    let weights: [Double] = [1, 2, 3, 4, 5, 6, 7, 8]
    let partitioner = try RendezvousPartitioner(workerIDs: Array(0..<8), weights: weights)
    let hashes = Array(millionHashes.prefix(400_000))
    let counts = loads(partitioner, hashes)
    for (index, weight) in weights.enumerated() {
      let expected = Double(hashes.count) * weight / 36
      let relative = Double(counts[index]) / expected
      #expect(relative > 0.95 && relative < 1.05, "worker \(index): \(relative)")
    }
  }

  @Test("A weighted ring gives each worker roughly its share of the weight")
  func weightedRing() throws {
    let weights: [Double] = [1, 2, 4]
    let ring = try ConsistentHashPartitioner(
      workerIDs: [5, 6, 7], virtualNodes: 1000, weights: weights)
    let counts = loads(ring, Array(millionHashes.prefix(200_000)))
    for (index, weight) in weights.enumerated() {
      // 1000·w points per worker: the share's noise is about 1/√(1000·w) ≈ 3%.
      let relative = Double(counts[index]) / (200_000 * weight / 7)
      #expect(relative > 0.88 && relative < 1.12, "worker \(index): \(relative)")
    }
    #expect(try ConsistentHashPartitioner(workerIDs: [5, 6], weights: [1, 1]).weights == nil)
    let grown = try ring.addingWorker(id: 8)
    #expect(grown.weights == [1, 2, 4, 1])
    #expect(try grown.removingWorker(id: 6).weights == [1, 4, 1])
  }

  @Test("Weighted Maglev gives each worker its share of the weight")
  func weightedMaglev() throws {
    let weights: [Double] = [1, 2, 3, 4]
    let partitioner = try MaglevPartitioner(workerIDs: [7, 3, 9, 1], weights: weights)
    let counts = loads(partitioner, Array(millionHashes.prefix(400_000)))
    for (index, weight) in weights.enumerated() {
      let relative = Double(counts[index]) / (400_000 * weight / 10)
      #expect(relative > 0.97 && relative < 1.03, "worker \(index): \(relative)")
    }
    // Equal weights build the unweighted table.
    let equal = try MaglevPartitioner(workerIDs: [7, 3, 9, 1], weights: [2, 2, 2, 2])
    let plain = try MaglevPartitioner(workerIDs: [7, 3, 9, 1])
    #expect(equal.weights == nil)
    #expect(
      sampleHashes(1000).allSatisfy { equal.worker(forKeyHash: $0) == plain.worker(forKeyHash: $0) }
    )
    // Adding a weighted worker keeps the others' weights.
    let grown = try partitioner.addingWorker(id: 11, weight: 5)
    #expect(grown.weights == [1, 2, 3, 4, 5])
    #expect(try grown.removingWorker(id: 3).weights == [1, 3, 4, 5])
  }

  @Test("Round robin is perfectly even, weighted round robin exactly proportional")
  func roundRobin() throws {
    let plain = try RoundRobinPartitioner(workers: 7)
    var counts = [Int](repeating: 0, count: 7)
    for _ in 0..<(7 * 1000) { counts[plain.next()] += 1 }
    #expect(counts == Array(repeating: 1000, count: 7))

    let weighted = try RoundRobinPartitioner(weights: [5, 1, 1])
    var sequence: [Int] = []
    for _ in 0..<14 { sequence.append(weighted.worker(forKeyHash: 0)) }
    // Smooth order: the heavy worker is spread out, never five in a row.
    #expect(Array(sequence.prefix(7)) == [0, 0, 1, 0, 2, 0, 0])
    #expect(Array(sequence.suffix(7)) == Array(sequence.prefix(7)))
    let scaled = try RoundRobinPartitioner(weights: [10, 2, 2])
    #expect((0..<7).map { _ in scaled.next() } == [0, 0, 1, 0, 2, 0, 0])
  }

  @Test("Round robin shares one cursor across threads without losing a ticket")
  func roundRobinConcurrent() async throws {
    let partitioner = try RoundRobinPartitioner(workers: 4)
    let perTask = 25_000
    let counts = await withTaskGroup(of: [Int].self) { group in
      for _ in 0..<4 {
        group.addTask {
          var local = [0, 0, 0, 0]
          for _ in 0..<perTask { local[partitioner.next()] += 1 }
          return local
        }
      }
      var total = [0, 0, 0, 0]
      for await local in group { for index in 0..<4 { total[index] += local[index] } }
      return total
    }
    #expect(counts == Array(repeating: perTask, count: 4))
  }
}
