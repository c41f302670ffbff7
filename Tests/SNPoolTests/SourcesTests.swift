import Foundation
import SNPool
import Testing

/// Writes `bytes` to a fresh temporary file and returns its path.
private func temporaryFile(_ bytes: [UInt8]) throws -> String {
  let path = NSTemporaryDirectory() + "sn-source-\(UUID().uuidString)"
  try Data(bytes).write(to: URL(fileURLWithPath: path))
  return path
}

/// Reads every share of `file` split `count` ways; records in file order.
private func readAll(_ file: RecordFile, shares count: Int) throws -> [[UInt8]] {
  var records: [[UInt8]] = []
  for share in try file.shares(count) {
    share.forEachUnsafeRecord { records.append(Array($0)) }
  }
  return records
}

@Suite("Partitioned sources")
struct SourcesTests {
  @Test("random files: every record read exactly once, whatever the share count")
  func randomFiles() throws {
    var generator = SystemRandomNumberGenerator()
    let delimiters: [[UInt8]] = [[0x0A], [0x0D, 0x0A], [0x7C, 0x23], [0x00]]
    for trial in 0..<60 {
      let delimiter = delimiters[trial % delimiters.count]
      let recordCount = Int.random(in: 1...120, using: &generator)
      var records: [[UInt8]] = []
      for index in 0..<recordCount {
        // Mostly short records, some empty, a few longer than a whole share.
        let length: Int
        switch Int.random(in: 0..<20, using: &generator) {
        case 0: length = 0
        case 1: length = Int.random(in: 200...900, using: &generator)
        default: length = Int.random(in: 1...40, using: &generator)
        }
        var record = (0..<length).map { _ in UInt8.random(in: 0x41...0x5A, using: &generator) }
        if index == recordCount - 1 && record.isEmpty { record = [0x41] }
        records.append(record)
      }
      let trailing = Bool.random(using: &generator)
      var bytes = Array(records.joined(separator: delimiter))
      if trailing { bytes += delimiter }
      let path = try temporaryFile(bytes)
      defer { try? FileManager.default.removeItem(atPath: path) }
      let file = try RecordFile(path: path, delimiter: delimiter)
      for shares in [1, 2, 3, Int.random(in: 4...64, using: &generator), bytes.count + 3] {
        #expect(
          try readAll(file, shares: shares) == records,
          "trial \(trial), delimiter \(delimiter), \(recordCount) records, \(shares) shares")
      }
    }
  }

  @Test("fewer records than shares, and a record longer than a share")
  func sparseAndLong() throws {
    let path = try temporaryFile(Array("first\nsecond".utf8))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let file = try RecordFile(path: path)
    let shares = try file.shares(8)
    let counts = shares.map { $0.forEachUnsafeRecord { _ in } }
    #expect(counts.reduce(0, +) == 2)
    #expect(counts.filter { $0 == 0 }.count == 6)
    #expect(try readAll(file, shares: 8) == [Array("first".utf8), Array("second".utf8)])

    let long = [UInt8](repeating: 0x78, count: 1000)
    let longPath = try temporaryFile(Array("a\n".utf8) + long + Array("\nb\nc\n".utf8))
    defer { try? FileManager.default.removeItem(atPath: longPath) }
    let longFile = try RecordFile(path: longPath)
    #expect(try readAll(longFile, shares: 10) == [[0x61], long, [0x62], [0x63]])
  }

  @Test("bad input: typed errors that name the setting")
  func badInput() throws {
    let missing = "/nonexistent/sn-\(UUID().uuidString)"
    #expect {
      try RecordFile(path: missing)
    } throws: { error in
      (error as? SourceError) == .fileNotFound && "\(error)".contains(missing)
    }
    #expect {
      try RecordFile(path: NSTemporaryDirectory())
    } throws: { error in
      (error as? SourceError) == .unreadableFile && "\(error)".contains("not a regular file")
    }
    let empty = try temporaryFile([])
    defer { try? FileManager.default.removeItem(atPath: empty) }
    #expect {
      try RecordFile(path: empty)
    } throws: { error in
      (error as? SourceError) == .emptyFile && "\(error)".contains(empty)
    }
    let some = try temporaryFile(Array("x\ny\n".utf8))
    defer { try? FileManager.default.removeItem(atPath: some) }
    #expect {
      try RecordFile(path: some, delimiter: [])
    } throws: { error in
      (error as? SourceError) == .invalidDelimiter && "\(error)".contains("delimiter is empty")
    }
    #expect(throws: SourceError.invalidDelimiter) {
      try RecordFile(path: some, delimiter: [0x61, 0x61])
    }
    #expect(throws: SourceError.invalidDelimiter) {
      try RecordFile(path: some, delimiter: Array("abab".utf8))
    }
    let file = try RecordFile(path: some)
    #expect {
      try file.shares(0)
    } throws: { error in
      (error as? SourceError) == .invalidShardCount && "\(error)".contains("count 0")
    }
  }

  @Test("seeded shards: the union of the shares is the one-thread stream")
  func seededShards() throws {
    for count in [0, 1, 7, 1000] {
      var sequential: [UInt64] = []
      var state: UInt64 = 99
      for _ in 0..<count {
        // SplitMix64, sequentially: what one thread would generate.
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        sequential.append(z ^ (z >> 31))
      }
      for shardCount in [1, 2, 3, 8, 13] {
        let shards = try SeededShards(seed: 99, count: count, shardCount: shardCount)
        var union: [UInt64] = []
        var indices: [Int] = []
        for shard in 0..<shardCount {
          for (index, random) in shards.shard(shard) {
            indices.append(index)
            union.append(random)
            #expect(random == SeededShards.random(seed: 99, index: index))
          }
        }
        #expect(indices == Array(0..<count))
        #expect(union == sequential)
        let sizes = (0..<shardCount).map { shards.indices(ofShard: $0).count }
        #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1)
      }
    }
    #expect(throws: SourceError.invalidShardCount) {
      try SeededShards(seed: 1, count: 5, shardCount: 0)
    }
    #expect(throws: SourceError.invalidRecordCount) {
      try SeededShards(seed: 1, count: -1, shardCount: 2)
    }
  }
}
