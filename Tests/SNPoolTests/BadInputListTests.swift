import Foundation
import SNPool
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes `text` to a fresh temporary file and returns its path.
private func temporaryFile(_ text: String) throws -> String {
  let path = NSTemporaryDirectory() + "sn-bad-input-\(UUID().uuidString)"
  try text.write(toFile: path, atomically: false, encoding: .utf8)
  return path
}

/// Expects `body` to throw `expected`, described with `setting` in the
/// text (the setting's name, or the file's path).
private func expectRejected<E: Error & Equatable & CustomStringConvertible>(
  _ expected: E, naming setting: String, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws -> Void
) {
  do {
    try body()
    Issue.record("accepted; want \(expected) naming \(setting)", sourceLocation: sourceLocation)
  } catch let error as E {
    #expect(error == expected, sourceLocation: sourceLocation)
    #expect(
      error.description.contains(setting), "\(error) does not name \(setting)",
      sourceLocation: sourceLocation)
  } catch {
    Issue.record("\(error): want \(expected)", sourceLocation: sourceLocation)
  }
}

/// Issue 14's list of bad input, one place: each gets a typed error that
/// names the setting (or the file), and nothing is lost.
@Suite("Bad input of the mesh and the sources: typed errors naming the setting")
struct BadInputListTests {
  private func makePool(_ configuration: PoolConfiguration) throws(PoolConfigurationError) {
    _ = try WorkerPool(worker: RecordingWorker(), configuration: configuration)
  }

  @Test("worker count: zero, negative, and more than a mesh allows")
  func workerCount() {
    for count in [0, -1, Int.min] {
      expectRejected(PoolConfigurationError.noWorkers, naming: "workerCount") {
        try makePool(PoolConfiguration().withWorkerCount(count))
      }
    }
    expectRejected(PoolConfigurationError.invalidMeshConfiguration, naming: "workerCount") {
      try makePool(PoolConfiguration().withWorkerCount(257).withMesh(MeshConfiguration()))
    }
  }

  @Test("lane capacity, stage (flush) size, backlog, queue capacity and batch size")
  func sizes() {
    let mesh = PoolConfiguration().withWorkerCount(2)
    for capacity in [0, -5, (1 << 24) + 1] {
      expectRejected(PoolConfigurationError.invalidMeshConfiguration, naming: "laneCapacity") {
        try makePool(mesh.withMesh(MeshConfiguration().withLaneCapacity(capacity)))
      }
    }
    for capacity in [0, -1, (1 << 16) + 1] {
      expectRejected(PoolConfigurationError.invalidMeshConfiguration, naming: "stageCapacity") {
        try makePool(mesh.withMesh(MeshConfiguration().withStageCapacity(capacity)))
      }
    }
    expectRejected(PoolConfigurationError.invalidMeshConfiguration, naming: "maxBacklog") {
      try makePool(mesh.withMesh(MeshConfiguration().withMaxBacklog(-1)))
    }
    for capacity in [0, -3] {
      expectRejected(PoolConfigurationError.invalidQueueCapacity, naming: "queueCapacity") {
        try makePool(
          mesh.withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(capacity)))
      }
    }
    for size in [0, -1] {
      expectRejected(PoolConfigurationError.invalidBatchSize, naming: "batchSize") {
        try makePool(mesh.withWorkerConfiguration(WorkerConfiguration().withBatchSize(size)))
      }
    }
  }

  @Test("a missing file, a directory, an empty file, and a zero-length delimiter")
  func files() throws {
    let missing = "/nonexistent/sn-\(UUID().uuidString).log"
    expectRejected(SourceError.fileNotFound, naming: missing) {
      _ = try RecordFile(path: missing)
    }
    let directory = NSTemporaryDirectory()
    expectRejected(SourceError.unreadableFile, naming: "not a regular file") {
      _ = try RecordFile(path: directory)
    }
    let empty = try temporaryFile("")
    defer { unlink(empty) }
    expectRejected(SourceError.emptyFile, naming: empty) { _ = try RecordFile(path: empty) }
    let some = try temporaryFile("a\nb\n")
    defer { unlink(some) }
    expectRejected(SourceError.invalidDelimiter, naming: "delimiter") {
      _ = try RecordFile(path: some, delimiter: [])
    }
    let file = try RecordFile(path: some)
    for count in [0, -1] {
      expectRejected(SourceError.invalidShardCount, naming: "count \(count)") {
        _ = try file.shares(count)
      }
    }
    for count in [0, -2] {
      expectRejected(SourceError.invalidShardCount, naming: "shardCount") {
        _ = try SeededShards(seed: 1, count: 10, shardCount: count)
      }
    }
    expectRejected(SourceError.invalidRecordCount, naming: "count -1") {
      _ = try SeededShards(seed: 1, count: -1, shardCount: 2)
    }
  }

  // Root reads a file whatever its mode bits, so only another user sees
  // the permission error.
  @Test("a file without read permission", .enabled(if: geteuid() != 0, "root reads any file"))
  func unreadable() throws {
    let path = try temporaryFile("a\nb\n")
    defer { unlink(path) }
    #expect(chmod(path, 0) == 0)
    expectRejected(SourceError.unreadableFile, naming: path) { _ = try RecordFile(path: path) }
  }

  @Test("fewer records than workers, and a record longer than a share: each read once")
  func sparseAndLongRecords() throws {
    let long = String(repeating: "x", count: 5_000)
    let path = try temporaryFile("one\n\(long)\ntwo")
    defer { unlink(path) }
    let file = try RecordFile(path: path)
    for workers in [2, 3, 8, 64] {
      var records: [String] = []
      for share in try file.shares(workers) {
        share.forEachUnsafeRecord { records.append(String(decoding: $0, as: UTF8.self)) }
      }
      #expect(records == ["one", long, "two"], "\(workers) shares")
    }
    // Through a pool with more workers than records: nothing lost.
    let workers = 8
    let shards = try SeededShards(seed: 3, count: 3, shardCount: workers)
    let pool = try WorkerPool(
      worker: SourceRoutingWorker(source: .seeded(shards), workerCount: workers),
      configuration: PoolConfiguration().withWorkerCount(workers).withMesh(MeshConfiguration()))
    try pool.start()
    for worker in 0..<workers { try pool.send(.read, toWorker: worker) }
    let termination = pool.shutdown()
    #expect(termination.states.flatMap(\.received).sorted() == [0, 1, 2])
  }
}
