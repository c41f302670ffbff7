import SNPartition
import Testing

/// Movement on membership change. The ideal is 1/(N+1) of the keys on add and
/// 1/N on remove, all of them to (or from) the changed worker.
@Suite("Key movement on add and remove")
struct MovementTests {
  /// 400k keys: at N = 64 about 6,150 keys move, so ±5% is over 3.9 standard
  /// deviations of the sampling noise; 1M keys would make debug runs slow.
  let hashes = Array(millionHashes.prefix(400_000))
  /// Exact-restore checks compare every key, so a smaller sample proves as much.
  let restoreHashes = Array(millionHashes.prefix(100_000))
  /// Fraction of keys whose owner id changed, and whether every move involved `worker`.
  func compare(_ before: [Int], _ after: [Int], changed worker: Int) -> (Double, Bool) {
    var moved = 0
    var onlyChanged = true
    for index in before.indices where before[index] != after[index] {
      moved += 1
      if before[index] != worker && after[index] != worker { onlyChanged = false }
    }
    return (Double(moved) / Double(before.count), onlyChanged)
  }

  @Test("Jump adds and removes the last worker ideally", arguments: [8, 64])
  func jump(workers: Int) throws {
    let before = try JumpHashPartitioner(workers: workers)
    let grown = before.addingWorker()
    let (added, onlyNew) = compare(
      ownerIDs(before, hashes), ownerIDs(grown, hashes), changed: workers)
    let ideal = 1 / Double(workers + 1)
    #expect(added / ideal > 0.95 && added / ideal < 1.05, "\(added) vs \(ideal)")
    #expect(onlyNew)
    let shrunk = try grown.removingWorker(id: workers)
    #expect(ownerIDs(shrunk, restoreHashes) == ownerIDs(before, restoreHashes))
    #expect(throws: PartitionError.unsupportedRemoval) { try grown.removingWorker(id: 0) }
  }

  @Test("AnchorHash: ideal movement, arbitrary removal, exact restore", arguments: [8, 64])
  func anchor(workers: Int) throws {
    let before = try AnchorHashPartitioner(workers: workers)
    let beforeOwners = ownerIDs(before, hashes)
    let grown = try before.addingWorker(id: 1000)
    let grownOwners = ownerIDs(grown, hashes)
    let (added, onlyNew) = compare(beforeOwners, grownOwners, changed: 1000)
    let idealAdd = 1 / Double(workers + 1)
    #expect(added / idealAdd > 0.95 && added / idealAdd < 1.05, "\(added)")
    #expect(onlyNew)
    // Add then remove restores the exact previous mapping.
    let restoreOwners = ownerIDs(before, restoreHashes)
    #expect(ownerIDs(try grown.removingWorker(id: 1000), restoreHashes) == restoreOwners)

    // Remove a worker from the middle: only its keys move, about 1/N of them.
    let victim = workers / 2
    let removed = try before.removingWorker(id: victim)
    let removedOwners = ownerIDs(removed, hashes)
    let (lost, onlyVictim) = compare(beforeOwners, removedOwners, changed: victim)
    let idealRemove = 1 / Double(workers)
    #expect(lost / idealRemove > 0.95 && lost / idealRemove < 1.05, "\(lost)")
    #expect(onlyVictim)
    // Remove then add back restores it too (the freed bucket is reused).
    #expect(ownerIDs(try removed.addingWorker(id: victim), restoreHashes) == restoreOwners)
  }

  @Test("Rendezvous adds and removes any worker ideally")
  func rendezvous() throws {
    let before = try RendezvousPartitioner(workers: 8)
    let grown = try before.addingWorker(id: 8)
    let (added, onlyNew) = compare(ownerIDs(before, hashes), ownerIDs(grown, hashes), changed: 8)
    #expect(added * 9 > 0.95 && added * 9 < 1.05, "\(added)")
    #expect(onlyNew)
    let removed = try before.removingWorker(id: 3)
    let (lost, onlyVictim) = compare(
      ownerIDs(before, hashes), ownerIDs(removed, hashes), changed: 3)
    #expect(lost * 8 > 0.95 && lost * 8 < 1.05, "\(lost)")
    #expect(onlyVictim)
  }

  @Test("Ring moves only the changed worker's keys")
  func ring() throws {
    let before = try ConsistentHashPartitioner(workers: 8)
    let grown = try before.addingWorker(id: 8)
    let (added, onlyNew) = compare(ownerIDs(before, hashes), ownerIDs(grown, hashes), changed: 8)
    #expect(added > 0.8 / 9 && added < 1.2 / 9, "\(added)")
    #expect(onlyNew)
    let removed = try before.removingWorker(id: 5)
    let (_, onlyVictim) = compare(ownerIDs(before, hashes), ownerIDs(removed, hashes), changed: 5)
    #expect(onlyVictim)
  }

  @Test("Maglev moves close to the ideal with its default table size")
  func maglev() throws {
    let before = try MaglevPartitioner(workers: 64)
    let grown = try before.addingWorker(id: 64)
    // The table keeps its size: a resized table would reshuffle every key.
    #expect(grown.tableSize == before.tableSize)
    #expect(try grown.removingWorker(id: 64).tableSize == before.tableSize)
    let added = movedFraction(from: before, to: grown, keyHashes: hashes)
    let ideal = 1 / 65.0
    #expect(added / ideal > 0.95 && added / ideal < 1.5, "\(added)")
  }

  @Test("Plain hash is not consistent: about half the keys move")
  func hash() throws {
    let before = try HashPartitioner(workers: 8)
    let moved = movedFraction(from: before, to: before.addingWorker(), keyHashes: hashes)
    #expect(moved > 0.4 && moved < 0.6, "\(moved)")
  }

  @Test("MovementReport lists exactly the keys that change owner")
  func report() throws {
    let keys = (0..<5000).map { "user-\($0)" }
    let before = try AnchorHashPartitioner(workers: 6)
    let after = try before.removingWorker(id: 2)
    let report = MovementReport(from: before, to: after, keys: keys)
    #expect(report.sampleSize == 5000)
    #expect(!report.moves.isEmpty)
    for move in report.moves {
      #expect(move.fromWorkerID == 2)
      #expect(move.toWorkerID != 2)
      #expect(before.workerID(for: move.key) == move.fromWorkerID)
      #expect(after.workerID(for: move.key) == move.toWorkerID)
    }
    let movedKeys = Set(report.moves.map(\.key))
    for key in keys where !movedKeys.contains(key) {
      #expect(before.workerID(for: key) == after.workerID(for: key))
    }
    #expect(abs(report.movedFraction - 1.0 / 6) < 0.03)
  }
}
