import ArgumentParser
import Foundation
import SNPool
import SNToolKit
import Testing

@Suite("sn logs: access-log aggregation")
struct LogsTests {
  static func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "sn-logs-test-\(getpid())-\(name).log"
  }

  static func write(_ text: String, _ name: String) throws -> String {
    let path = temporaryPath(name)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  static func parse(_ text: String) -> AccessLogLine? {
    Array(text.utf8).withUnsafeBytes { AccessLog.parse($0) }
  }

  @Test("a combined-format line with a request time parses to its fields")
  func parsesLine() throws {
    let text =
      #"10.0.3.7 - - [06/Dec/2026:21:00:07 +0000] "GET /api/items/42 HTTP/1.1" 200 5120 "-" "curl/8.5 (x y)" 0.123"#
    let line = try #require(Self.parse(text))
    let path = Array(text.utf8)[line.pathStart..<line.pathStart + line.pathLength]
    #expect(String(decoding: path, as: UTF8.self) == "/api/items/42")
    #expect(line.status == 200)
    #expect(line.bytes == 5120)
    #expect(line.latencyMicros == 123_000)
    let dash = try #require(Self.parse(#"h - - [t] "HEAD / HTTP/1.0" 304 - "-" "-" 12.5"#))
    #expect(dash.bytes == 0)
    #expect(dash.latencyMicros == 12_500_000)
  }

  @Test(
    "malformed lines are rejected, not crashed on",
    arguments: [
      "", "no quotes at all", #"h - - [t] "GET" 200 1 "-" "-" 0.1"#,
      #"h - - [t] "GET /p HTTP/1.1" 20 1 "-" "-" 0.1"#,
      #"h - - [t] "GET /p HTTP/1.1" 200 x "-" "-" 0.1"#,
      #"h - - [t] "GET /p HTTP/1.1" 200 1 "-" "-" fast"#,
      #"h - - [t] "GET /p HTTP/1.1" 200 1 "-" "-" 0."#,
      #"h - - [t] "GET /p HTTP/1.1" 200 1 "-" "-" 99999.0"#,
      #"h - - [t] "GET /p HTTP/1.1" 200 99999999999999999999999 "-" "-" 0.1"#,
      #"h - - [t] "GET /p HTTP/1.1" 200"#,
    ])
  func rejectsMalformed(text: String) {
    #expect(Self.parse(text) == nil)
  }

  @Test("every generated line parses, and the file is the same for the same seed")
  func generatorRoundTrip() throws {
    let path = Self.temporaryPath("roundtrip")
    defer { unlink(path) }
    let bytes = try AccessLog.generate(to: path, lines: 3_000, paths: 40, seed: 7)
    let file = try LogPipeline.open(path)
    #expect(file.byteCount == bytes)
    var parsed = 0
    var paths = Set<String>()
    let lines = try file.shares(1)[0].forEachUnsafeRecord { line in
      if let fields = AccessLog.parse(line) {
        parsed += 1
        let name = UnsafeRawBufferPointer(
          rebasing: line[fields.pathStart..<fields.pathStart + fields.pathLength])
        paths.insert(String(decoding: name, as: UTF8.self))
      }
    }
    #expect(lines == 3_000)
    #expect(parsed == 3_000)
    #expect(paths.count > 20 && paths.count <= 40)
    let again = Self.temporaryPath("roundtrip2")
    defer { unlink(again) }
    try AccessLog.generate(to: again, lines: 3_000, paths: 40, seed: 7)
    #expect(FileManager.default.contentsEqual(atPath: path, andPath: again))
    let run = LogPipeline.oneThread(file)
    #expect(run.paths.reduce(0) { $0 + $1.requests } == 3_000)
    #expect(run.paths.allSatisfy { $0.p50Micros <= $0.p99Micros })
  }

  @Test(
    "the pool's per-path figures equal the one-thread version's exactly",
    arguments: [1, 2, 3, 4])
  func poolMatchesOneThread(workers: Int) throws {
    let path = Self.temporaryPath("pool\(workers)")
    defer { unlink(path) }
    try AccessLog.generate(to: path, lines: 2_000 + workers * 37, paths: 60, seed: UInt64(workers))
    let file = try LogPipeline.open(path)
    let reference = LogPipeline.oneThread(file)
    // Many small chunks: lines straddle nearly every cut; tiny batches.
    for (chunks, batch) in [(1, 2_048), (7, 3), (50, 1)] {
      let run = try LogPipeline.pool(
        file, workers: workers, batchCapacity: batch, chunksPerWorker: chunks)
      #expect(LogPipeline.difference(run, from: reference) == nil)
      #expect(run.paths == reference.paths)
      #expect(run.lines == 2_000 + workers * 37)
      // Every worker owns some of the 60 paths (the hash spreads them).
      #expect(run.pathsPerWorker.count == workers)
      #expect(run.pathsPerWorker.allSatisfy { $0 > 0 }, "\(run.pathsPerWorker)")
      #expect(run.pathsPerWorker.reduce(0, +) == reference.paths.count)
    }
  }

  @Test("malformed lines, long lines and files with fewer lines than shares count the same")
  func malformedCountedAlike() throws {
    let good = #"h - - [t] "GET /a HTTP/1.1" 200 10 "-" "-" 0.005"#
    let long =
      #"h - - [t] "GET /"# + String(repeating: "b", count: 3_000)
      + #" HTTP/1.1" 500 7 "-" "-" 1.250"#
    let text = [
      good, "", "garbage", long, good, #"h - - [t] "GET /a HTTP/1.1" 200 1 "-" "-" x"#, "\r",
      #"h - - [t] "POST /c HTTP/1.1" 404 - "-" "-" 0.010"#, good,
    ].joined(separator: "\n")
    let path = try Self.write(text, "malformed")
    defer { unlink(path) }
    let file = try LogPipeline.open(path)
    let reference = LogPipeline.oneThread(file)
    #expect(reference.lines == 9)
    #expect(reference.malformed == 4)
    #expect(
      reference.paths.map(\.path) == ["/a", "/" + String(repeating: "b", count: 3_000), "/c"])
    #expect(reference.paths[0].requests == 3 && reference.paths[0].bytes == 30)
    #expect(reference.paths[0].p50Micros == 5_000 && reference.paths[2].bytes == 0)
    for workers in 1...4 {
      for chunks in [1, 5, 40] {
        let run = try LogPipeline.pool(file, workers: workers, chunksPerWorker: chunks)
        #expect(LogPipeline.difference(run, from: reference) == nil, "\(workers) × \(chunks)")
      }
    }
  }

  @Test("a missing or empty file, or zero workers, is a typed error")
  func badInput() throws {
    #expect(throws: SNToolError.unreadableFile) {
      try LogPipeline.compare(path: "/nonexistent/access.log", workers: 2, rounds: 1)
    }
    let empty = try Self.write("", "empty")
    defer { unlink(empty) }
    #expect(throws: SNToolError.unreadableFile) {
      try LogPipeline.compare(path: empty, workers: 2, rounds: 1)
    }
    let path = try Self.write(#"h - - [t] "GET /a HTTP/1.1" 200 10 "-" "-" 0.005"#, "one")
    defer { unlink(path) }
    #expect(throws: SNToolError.invalidArgument) {
      try LogPipeline.pool(try LogPipeline.open(path), workers: 0)
    }
    let command = try #require(
      try SNCommand.parseAsRoot(["logs", "run", "/nonexistent/access.log", "--rounds", "1"])
        as? LogsRunCommand)
    let error = try #require(throws: SNToolError.self) { try command.run() }
    #expect(SNCommand.exitCode(for: error) == .failure)
    do {
      _ = try SNCommand.parseAsRoot(["logs", "run", path, "--workers", "0"])
      Issue.record("--workers 0 parsed")
    } catch {
      #expect(SNCommand.exitCode(for: error) == .validationFailure)
      #expect(SNCommand.message(for: error).contains("--workers must be in 1...1024"))
    }
  }

  @Test("the report passes and names the worker count on a small file")
  func compareReport() throws {
    let path = Self.temporaryPath("report")
    defer { unlink(path) }
    try AccessLog.generate(to: path, lines: 1_000, paths: 30)
    let report = try LogPipeline.compare(path: path, workers: 2, rounds: 2)
    #expect(report.passed)
    #expect(report.lines == 1_000 && report.oneThread.count == 2 && report.poolN.count == 2)
    #expect(report.text.contains("check: OK"))
    #expect(report.json.contains(#""check":"OK""#))
  }
}

@Suite("sn logs: percentiles")
struct LogsPercentileTests {
  @Test(
    "selection gives the same order statistics as sorting", arguments: [1, 2, 3, 10, 101, 5_000])
  func selectMatchesSort(count: Int) {
    var random = SystemRandomNumberGenerator()
    for spread in [UInt32(3), 1_000, UInt32.max] {
      let values = (0..<count).map { _ in UInt32.random(in: 0...spread, using: &random) }
      let sorted = values.sorted()
      for rank in Set([0, count / 2, (count * 99 + 99) / 100 - 1, count - 1]) {
        var scratch = values
        #expect(PathTable.select(&scratch, rank: rank, below: count) == sorted[rank])
        #expect(scratch.sorted() == sorted)
      }
    }
  }
}
