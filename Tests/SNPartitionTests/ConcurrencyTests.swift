import Testing

@testable import SNPartition

@Suite("Shared use from many threads, and platform-independent arithmetic")
struct ConcurrencyTests {
  @Test("Lookups from concurrent tasks agree with single-threaded lookups")
  func concurrentLookups() async throws {
    let partitioners: [any Partitioner] = [
      try JumpHashPartitioner(workers: 13), try AnchorHashPartitioner(workers: 13),
      try MaglevPartitioner(workers: 13), try ConsistentHashPartitioner(workers: 13),
      try RendezvousPartitioner(workers: 13), try HashPartitioner(workers: 13),
    ]
    let hashes = sampleHashes(20_000, seed: 99)
    let expected = partitioners.map { partitioner in
      hashes.map { partitioner.worker(forKeyHash: $0) }
    }
    let results = await withTaskGroup(of: (Int, [[Int]]).self) { group in
      for task in 0..<4 {
        group.addTask {
          (
            task,
            partitioners.map { partitioner in hashes.map { partitioner.worker(forKeyHash: $0) } }
          )
        }
      }
      var all: [[[Int]]] = []
      for await (_, result) in group { all.append(result) }
      return all
    }
    for result in results { #expect(result == expected) }
  }

  @Test("Bounded-load counts stay exact under concurrent assign and complete")
  func boundedLoadConcurrent() async throws {
    let bounded = try BoundedLoadPartitioner(try JumpHashPartitioner(workers: 8))
    await withTaskGroup(of: Void.self) { group in
      for task in 0..<4 {
        group.addTask {
          for message in 0..<5_000 {
            let worker = bounded.worker(for: "t\(task)-\(message % 97)")
            bounded.complete(worker: worker)
          }
        }
      }
    }
    #expect(bounded.totalLoad == 0)
    #expect((0..<8).allSatisfy { bounded.load(of: $0) == 0 })
  }

  @Test("The libm-free logarithm matches known values to a few ulp")
  func stableLog() {
    let cases: [(Double, Double)] = [
      (1, 0), (0.5, -0.693_147_180_559_945_3), (0.25, -1.386_294_361_119_890_6),
      (0.1, -2.302_585_092_994_045_7), (0.9, -0.105_360_515_657_826_3),
      (1e-10, -23.025_850_929_940_457), (0x1p-53, -36.736_800_569_677_1),
      (0.707_106_781_186_547_6, -0.346_573_590_279_972_6),
    ]
    for (x, expected) in cases {
      let error = abs(_stableLog(x) - expected)
      #expect(error <= 4 * max(abs(expected), 1) * Double.ulpOfOne, "ln(\(x)): \(error)")
    }
  }

  @Test("Weighted rendezvous golden scores do not depend on the platform's libm")
  func weightedIsDeterministic() throws {
    // Same inputs, same winner: a pure function of the key hash and the ids.
    let lhs = try RendezvousPartitioner(workerIDs: [1, 2, 3], weights: [1, 2, 3])
    let rhs = try RendezvousPartitioner(workerIDs: [1, 2, 3], weights: [1, 2, 3])
    let hashes = sampleHashes(1000, seed: 5)
    #expect(hashes.map(lhs.worker(forKeyHash:)) == hashes.map(rhs.worker(forKeyHash:)))
  }
}
