import SNPartition
import Testing

/// Frozen routing: key → worker index for keys "key-0" … "key-11" under the
/// default hasher. A change here is a breaking change of placement across
/// releases, never a test to update casually. The hash, Kafka and jump rows were
/// cross-checked against an independent Python computation (python-xxhash plus
/// the papers' formulas); the others freeze this implementation.
@Suite("Golden key-to-worker tables")
struct GoldenTableTests {
  static let keys = (0..<12).map { "key-\($0)" }

  /// XXH64 (routing seed v1) of the keys.
  static let hashes: [UInt64] = [
    0x73BD_714A_E3DD_8411, 0xFADD_E37E_1751_375A, 0x4D44_3DB3_9D0A_39E5, 0x6197_52B4_9CAC_48B8,
    0x4DDD_FAD6_251F_6D83, 0x8915_A087_44D6_9CBD, 0x14E1_D923_5BA1_A1D8, 0x49F5_FFE8_011A_3DE1,
    0xC1B5_4BF7_0F14_9C85, 0x5444_4804_8DA5_16EE, 0x404D_D8F2_1FC1_B492, 0x4538_35A7_ECF1_44CE,
  ]

  static let tables: [(String, Int, [Int])] = [
    ("hash", 2, [0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0]),
    ("kafka", 2, [1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1]),
    ("jump", 2, [1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0]),
    ("ring", 2, [0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0]),
    ("rendezvous", 2, [1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0]),
    ("maglev", 2, [0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 1, 0]),
    ("anchor", 2, [1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1]),
    ("hash", 7, [3, 6, 2, 2, 2, 3, 0, 2, 5, 2, 1, 1]),
    ("kafka", 7, [0, 5, 4, 4, 5, 4, 5, 3, 4, 2, 3, 3]),
    ("jump", 7, [1, 0, 5, 4, 6, 6, 5, 1, 3, 0, 3, 2]),
    ("ring", 7, [0, 1, 6, 4, 1, 5, 1, 1, 1, 3, 1, 0]),
    ("rendezvous", 7, [6, 3, 0, 2, 4, 4, 1, 0, 3, 2, 4, 3]),
    ("maglev", 7, [3, 5, 3, 1, 4, 6, 6, 5, 2, 2, 2, 2]),
    ("anchor", 7, [6, 3, 4, 5, 4, 3, 1, 4, 3, 4, 3, 3]),
    ("hash", 8, [3, 7, 2, 3, 2, 4, 0, 2, 6, 2, 2, 2]),
    ("kafka", 8, [1, 0, 6, 3, 1, 0, 4, 3, 3, 5, 6, 1]),
    ("jump", 8, [1, 0, 5, 4, 6, 6, 5, 1, 7, 0, 3, 2]),
    ("ring", 8, [0, 1, 6, 4, 7, 5, 7, 1, 1, 3, 1, 0]),
    ("rendezvous", 8, [6, 3, 0, 2, 4, 4, 1, 0, 7, 2, 4, 3]),
    ("maglev", 8, [7, 5, 3, 1, 4, 6, 7, 5, 2, 2, 7, 2]),
    ("anchor", 8, [7, 5, 4, 6, 4, 3, 1, 4, 4, 5, 4, 4]),
    ("hash", 1024, [462, 1003, 309, 390, 311, 548, 83, 295, 774, 337, 257, 276]),
    ("kafka", 1024, [441, 440, 646, 667, 377, 672, 404, 923, 635, 77, 46, 961]),
    ("jump", 1024, [502, 960, 551, 558, 77, 284, 302, 467, 7, 70, 214, 936]),
    ("ring", 1024, [859, 446, 659, 361, 387, 774, 46, 294, 333, 1006, 40, 221]),
    ("rendezvous", 1024, [764, 27, 538, 969, 934, 355, 690, 469, 1002, 806, 908, 890]),
    ("maglev", 1024, [897, 446, 765, 225, 592, 222, 486, 764, 106, 823, 320, 83]),
    ("anchor", 1024, [925, 569, 618, 780, 622, 457, 167, 591, 625, 674, 514, 553]),
    ("weightedRendezvous", 4, [1, 1, 1, 2, 3, 1, 2, 3, 2, 3, 3, 2]),
  ]

  static func partitioner(_ name: String, _ workers: Int) throws -> any Partitioner {
    switch name {
    case "hash": return try HashPartitioner(workers: workers)
    case "kafka": return try HashPartitioner.kafkaCompatible(partitions: workers)
    case "jump": return try JumpHashPartitioner(workers: workers)
    case "ring": return try ConsistentHashPartitioner(workers: workers)
    case "rendezvous": return try RendezvousPartitioner(workers: workers)
    case "maglev": return try MaglevPartitioner(workers: workers)
    case "anchor": return try AnchorHashPartitioner(workers: workers)
    case "weightedRendezvous":
      return try RendezvousPartitioner(workerIDs: [10, 20, 30, 40], weights: [1, 2, 3, 4])
    default: fatalError("unknown partitioner \(name)")
    }
  }

  @Test("The default hasher's key hashes")
  func keyHashes() {
    #expect(Self.keys.map { KeyHasher.default.hash($0) } == Self.hashes)
  }

  @Test("Every partitioner routes the golden keys as frozen")
  func routes() throws {
    for (name, workers, expected) in Self.tables {
      let partitioner = try Self.partitioner(name, workers)
      #expect(Self.keys.map { partitioner.worker(for: $0) } == expected, "\(name) N=\(workers)")
    }
  }

  @Test("A single worker owns every key")
  func single() throws {
    for name in ["hash", "kafka", "jump", "ring", "rendezvous", "maglev", "anchor"] {
      let partitioner = try Self.partitioner(name, 1)
      #expect(Self.keys.allSatisfy { partitioner.worker(for: $0) == 0 }, "\(name)")
    }
  }

  @Test("Ring, Maglev and rendezvous depend on the set of ids, not their order")
  func orderIndependence() throws {
    let ids = [40, 10, 30, 20]
    let shuffled = [20, 40, 10, 30]
    let pairs: [(any Partitioner, any Partitioner)] = [
      (
        try ConsistentHashPartitioner(workerIDs: ids),
        try ConsistentHashPartitioner(workerIDs: shuffled)
      ),
      (try MaglevPartitioner(workerIDs: ids), try MaglevPartitioner(workerIDs: shuffled)),
      (try RendezvousPartitioner(workerIDs: ids), try RendezvousPartitioner(workerIDs: shuffled)),
    ]
    for (lhs, rhs) in pairs {
      for key in Self.keys { #expect(lhs.workerID(for: key) == rhs.workerID(for: key)) }
    }
  }
}
