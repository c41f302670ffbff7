import SNPartition
import Testing

@Suite("Bad input is a typed error, never a crash or a wrong route")
struct BadInputTests {
  @Test("Zero and negative worker counts")
  func counts() {
    #expect(throws: PartitionError.noWorkers) { try HashPartitioner(workers: 0) }
    #expect(throws: PartitionError.negativeCount) { try HashPartitioner(workers: -3) }
    #expect(throws: PartitionError.noWorkers) { try JumpHashPartitioner(workers: 0) }
    #expect(throws: PartitionError.negativeCount) { try JumpHashPartitioner(workers: -1) }
    #expect(throws: PartitionError.noWorkers) { try RoundRobinPartitioner(workers: 0) }
    #expect(throws: PartitionError.noWorkers) { try ConsistentHashPartitioner(workers: 0) }
    #expect(throws: PartitionError.negativeCount) { try MaglevPartitioner(workers: -2) }
    #expect(throws: PartitionError.noWorkers) { try AnchorHashPartitioner(workers: 0) }
    #expect(throws: PartitionError.noWorkers) { try RendezvousPartitioner(workers: 0) }
    #expect(throws: PartitionError.noWorkers) { try RendezvousPartitioner(workerIDs: []) }
    #expect(throws: PartitionError.noWorkers) {
      try HashPartitioner.kafkaCompatible(partitions: 0)
    }
  }

  @Test("Duplicate worker ids")
  func duplicates() throws {
    #expect(throws: PartitionError.duplicateWorkerID) {
      try ConsistentHashPartitioner(workerIDs: [1, 2, 1])
    }
    #expect(throws: PartitionError.duplicateWorkerID) {
      try RendezvousPartitioner(workerIDs: [5, 5])
    }
    #expect(throws: PartitionError.duplicateWorkerID) { try MaglevPartitioner(workerIDs: [0, 0]) }
    #expect(throws: PartitionError.duplicateWorkerID) {
      try AnchorHashPartitioner(workerIDs: [9, 8, 9])
    }
    #expect(throws: PartitionError.duplicateWorkerID) {
      try AnchorHashPartitioner(workers: 3).addingWorker(id: 1)
    }
    #expect(throws: PartitionError.duplicateWorkerID) {
      try ConsistentHashPartitioner(workers: 3).addingWorker(id: 2)
    }
  }

  @Test("Zero, negative and non-finite weights; mismatched counts")
  func weights() {
    for bad in [0.0, -1, .nan, .infinity] {
      #expect(throws: PartitionError.invalidWeight) {
        try RendezvousPartitioner(workerIDs: [0, 1], weights: [1, bad])
      }
    }
    #expect(throws: PartitionError.weightCountMismatch) {
      try RendezvousPartitioner(workerIDs: [0, 1, 2], weights: [1, 2])
    }
    #expect(throws: PartitionError.invalidWeight) {
      try MaglevPartitioner(workerIDs: [0, 1], weights: [1, -2])
    }
    #expect(throws: PartitionError.weightCountMismatch) {
      try MaglevPartitioner(workerIDs: [0, 1], weights: [1, 2]).addingWorker(id: 2)
    }
    #expect(throws: PartitionError.invalidWeight) {
      try ConsistentHashPartitioner(workerIDs: [0, 1], weights: [0, 1])
    }
    #expect(throws: PartitionError.weightCountMismatch) {
      try ConsistentHashPartitioner(workerIDs: [0, 1], weights: [1])
    }
    #expect(throws: PartitionError.invalidWeight) { try RoundRobinPartitioner(weights: [3, 0]) }
    #expect(throws: PartitionError.invalidWeight) { try RoundRobinPartitioner(weights: [-1]) }
    #expect(throws: PartitionError.noWorkers) { try RoundRobinPartitioner(weights: []) }
    #expect(throws: PartitionError.scheduleTooLong) {
      try RoundRobinPartitioner(weights: [1 << 20, 1])
    }
  }

  @Test("Other parameters")
  func parameters() throws {
    #expect(throws: PartitionError.invalidVirtualNodes) {
      try ConsistentHashPartitioner(workers: 4, virtualNodes: 0)
    }
    #expect(throws: PartitionError.tooManyWorkers) {
      try ConsistentHashPartitioner(workers: 4, virtualNodes: Int.max / 2)
    }
    #expect(throws: PartitionError.tooManyWorkers) {
      try ConsistentHashPartitioner(workers: 1 << 20, virtualNodes: 1 << 12)
    }
    #expect(throws: PartitionError.invalidTableSize) {
      try MaglevPartitioner(workers: 4, tableSize: 100)
    }
    #expect(throws: PartitionError.invalidTableSize) {
      try MaglevPartitioner(workers: 8, tableSize: 7)
    }
    #expect(throws: PartitionError.invalidCapacity) {
      try AnchorHashPartitioner(workers: 8, capacity: 4)
    }
    #expect(throws: PartitionError.capacityExceeded) {
      try AnchorHashPartitioner(workers: 2, capacity: 2).addingWorker(id: 7)
    }
    for factor in [1.0, 0.5, .nan, .infinity] {
      #expect(throws: PartitionError.invalidCapacityFactor) {
        try BoundedLoadPartitioner(try JumpHashPartitioner(workers: 4), capacityFactor: factor)
      }
    }
  }

  @Test("Removing unknown workers or the last worker")
  func removals() throws {
    #expect(throws: PartitionError.unknownWorker) {
      try AnchorHashPartitioner(workers: 3).removingWorker(id: 3)
    }
    #expect(throws: PartitionError.noWorkers) {
      try AnchorHashPartitioner(workers: 1).removingWorker(id: 0)
    }
    #expect(throws: PartitionError.unknownWorker) {
      try RendezvousPartitioner(workers: 3).removingWorker(id: -1)
    }
    #expect(throws: PartitionError.noWorkers) {
      try RendezvousPartitioner(workers: 1).removingWorker(id: 0)
    }
    #expect(throws: PartitionError.noWorkers) {
      try ConsistentHashPartitioner(workers: 1).removingWorker(id: 0)
    }
    #expect(throws: PartitionError.noWorkers) {
      try MaglevPartitioner(workers: 1).removingWorker(id: 0)
    }
    #expect(throws: PartitionError.unknownWorker) {
      try JumpHashPartitioner(workers: 2).removingWorker(id: 2)
    }
    #expect(throws: PartitionError.noWorkers) {
      try JumpHashPartitioner(workers: 1).removingWorker(id: 0)
    }
  }

  @Test("Errors describe themselves")
  func descriptions() {
    #expect(PartitionError.noWorkers.description.contains("at least one worker"))
    #expect(PartitionError.noWorkers != PartitionError.negativeCount)
  }
}

@Suite("Extreme parameters stay typed errors or valid answers, never traps")
struct ExtremeParameterTests {
  @Test("a huge capacity factor never spills and never traps")
  func hugeCapacityFactor() throws {
    for factor in [1e300, Double.greatestFiniteMagnitude, 1e19] {
      let bounded = try BoundedLoadPartitioner(
        try HashPartitioner(workers: 4), capacityFactor: factor)
      let base = bounded.base
      for key in 0..<100 {
        let hash = KeyHasher.default.hash(key)
        // With a cap that never binds, every key stays with its owner.
        #expect(bounded.worker(forKeyHash: hash) == base.worker(forKeyHash: hash))
      }
      #expect(bounded.totalLoad == 100)
    }
  }

  @Test("Maglev's default table size for any worker count is a prime the initialiser accepts")
  func maglevDefaultTableSize() throws {
    let largest = MaglevPartitioner.defaultTableSize(workers: .max)
    #expect(largest <= 1 << 30)
    #expect(largest == MaglevPartitioner.defaultTableSize(workers: 1 << 40))
    #expect(largest == 1_073_741_789)  // the largest prime below 2^30
    #expect(MaglevPartitioner.defaultTableSize(workers: 11_000_000) == largest)
    #expect(MaglevPartitioner.defaultTableSize(workers: 1) == 65_537)
    #expect(MaglevPartitioner.defaultTableSize(workers: 1000) == 100_003)
  }
}
