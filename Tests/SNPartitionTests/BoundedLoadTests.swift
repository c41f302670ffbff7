import SNPartition
import Testing

@Suite("Bounded-load wrapper")
struct BoundedLoadTests {
  @Test("A hot key cannot push any worker past c times the mean")
  func hotKeyCapped() throws {
    let bounded = try BoundedLoadPartitioner(try JumpHashPartitioner(workers: 8))
    #expect(bounded.capacityFactor == 1.25)
    var assigned = 0
    for message in 0..<20_000 {
      // Half of all messages carry one hot key.
      let key = message.isMultiple(of: 2) ? "hot" : "key-\(message)"
      _ = bounded.worker(for: key)
      assigned += 1
      let cap = (1.25 * Double(assigned) / 8).rounded(.up)
      let busiest = (0..<8).map { bounded.load(of: $0) }.max()!
      #expect(Double(busiest) <= cap, "after \(assigned): \(busiest) > \(cap)")
    }
    #expect(bounded.totalLoad == 20_000)
  }

  @Test("Under uniform keys the cap rarely binds and the base owner is kept")
  func uniformKeepsOwner() throws {
    let base = try AnchorHashPartitioner(workers: 8)
    let bounded = try BoundedLoadPartitioner(base)
    var kept = 0
    let hashes = sampleHashes(20_000, seed: 77)
    for hash in hashes where bounded.worker(forKeyHash: hash) == base.worker(forKeyHash: hash) {
      kept += 1
    }
    #expect(Double(kept) / Double(hashes.count) > 0.97, "\(kept)")
  }

  @Test("Completing messages frees their places")
  func completion() throws {
    let bounded = try BoundedLoadPartitioner(
      try HashPartitioner(workers: 4), capacityFactor: 1.5)
    var owners: [Int] = []
    for key in 0..<100 { owners.append(bounded.worker(for: key)) }
    #expect(bounded.totalLoad == 100)
    for owner in owners { bounded.complete(worker: owner) }
    #expect(bounded.totalLoad == 0)
    #expect((0..<4).allSatisfy { bounded.load(of: $0) == 0 })
    // With nothing in flight the first message always reaches its owner.
    let base = try HashPartitioner(workers: 4)
    #expect(bounded.worker(for: "x") == base.worker(for: "x"))
  }

  @Test("Spills of one key follow a fixed order and respect the cap")
  func stableSpill() throws {
    func run() throws -> ([Int], BoundedLoadPartitioner<JumpHashPartitioner>) {
      let bounded = try BoundedLoadPartitioner(try JumpHashPartitioner(workers: 16))
      return ((0..<1000).map { _ in bounded.worker(for: "only-key") }, bounded)
    }
    let (first, bounded) = try run()
    let (second, _) = try run()
    // Same key, same load history: the same sequence of workers.
    #expect(first == second)
    let cap = Int((1.25 * 1000.0 / 16).rounded(.up))
    #expect((0..<16).allSatisfy { bounded.load(of: $0) <= cap })
    // A lone key needs at least ⌈1000 / cap⌉ workers, and no more than all of them.
    #expect(Set(first).count >= (1000 + cap - 1) / cap)
    #expect(first.first == (try JumpHashPartitioner(workers: 16)).worker(for: "only-key"))
  }
}

@Suite("Programmer errors trap with a message")
struct BoundedLoadCrashTests {
  @Test("Completing a message that was never assigned traps")
  func completeWithoutAssign() async {
    await #expect(processExitsWith: .failure) {
      let bounded = try BoundedLoadPartitioner(try JumpHashPartitioner(workers: 2))
      bounded.complete(worker: 0)
    }
  }

  @Test("Completing an out-of-range worker traps")
  func completeOutOfRange() async {
    await #expect(processExitsWith: .failure) {
      let bounded = try BoundedLoadPartitioner(try JumpHashPartitioner(workers: 2))
      bounded.complete(worker: 2)
    }
  }
}
