import Foundation
import SNPool

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The figures of `sn logs run`: throughputs per round and the check.
public struct LogReport: Sendable {
  /// Lines in the file.
  public var lines: Int
  /// Malformed lines.
  public var malformed: Int
  /// Distinct paths.
  public var paths: Int
  /// The largest worker count.
  public var workers: Int
  /// Lines/s of the one-thread version, per round.
  public var oneThread: [Double]
  /// Lines/s of the pool with 1 worker, per round.
  public var pool1: [Double]
  /// Lines/s of the pool with `workers` workers, per round.
  public var poolN: [Double]
  /// CPUs the pool with `workers` used (CPU seconds ÷ wall seconds), per
  /// round.
  public var poolNCPUs: [Double] = []
  /// Pool N's lines per CPU-second ÷ the one-thread version's, per round
  /// (a busy machine distorts it less than wall time).
  public var perCPURatios: [Double] = []
  /// Whether every run matched the one-thread version exactly.
  public var passed: Bool
  /// The first mismatch, in words (empty when passed).
  public var mismatch: String
  /// The 1-, 5- and 15-minute load averages when the run ended.
  public var load: [Double]

  /// Pool N ÷ one thread, per round.
  public var ratios: [Double] { zip(poolN, oneThread).map { $0 / $1 } }

  static func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1
      ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
  }

  static func format(_ value: Double, _ digits: Int = 2) -> String {
    String(format: "%.\(digits)f", value)
  }

  static func line(_ label: String, _ values: [Double]) -> String {
    let millions = values.map { $0 / 1e6 }
    return "\(label): median \(format(median(millions))) M lines/s"
      + " (\(format(millions.min() ?? 0))–\(format(millions.max() ?? 0)))"
  }

  /// The report for a terminal.
  public var text: String {
    let ratios = ratios
    return """
      \(lines) lines (\(malformed) malformed), \(paths) paths, \(oneThread.count) rounds interleaved
      \(Self.line("one thread     ", oneThread))
      \(Self.line("pool, 1 worker ", pool1))
      \(Self.line("pool, \(workers) workers", poolN))
      pool \(workers) ÷ one thread: median \(Self.format(Self.median(ratios)))x \
      (\(Self.format(ratios.min() ?? 0))–\(Self.format(ratios.max() ?? 0))x); \
      load average \(load.map { Self.format($0) }.joined(separator: " "))
      pool \(workers) used \(Self.format(Self.median(poolNCPUs))) CPUs (median); its lines per \
      CPU-second ÷ one thread's: median \(Self.format(Self.median(perCPURatios)))x \
      (\(Self.format(perCPURatios.min() ?? 0))–\(Self.format(perCPURatios.max() ?? 0))x)
      check: \(passed ? "OK" : "FAILED: \(mismatch)")
      """
  }

  /// The report as one JSON object.
  public var json: String {
    func list(_ values: [Double]) -> String {
      "[" + values.map { Self.format($0, 4) }.joined(separator: ",") + "]"
    }
    return """
      {"lines":\(lines),"malformed":\(malformed),"paths":\(paths),"workers":\(workers),\
      "oneThreadLinesPerSecond":\(list(oneThread)),"pool1LinesPerSecond":\(list(pool1)),\
      "poolNLinesPerSecond":\(list(poolN)),"ratios":\(list(ratios)),"poolNCPUs":\(list(poolNCPUs)),\
      "perCPURatios":\(list(perCPURatios)),\
      "load":\(list(load)),"check":\(passed ? "\"OK\"" : "\"FAILED\"")}
      """
  }
}

extension LogPipeline {
  /// Maps `path`, translating the library's errors.
  ///
  /// - Parameter path: The access log.
  /// - Returns: The mapped file.
  /// - Throws: ``SNToolError/unreadableFile`` (missing, unreadable or empty).
  public static func open(_ path: String) throws(SNToolError) -> RecordFile {
    do {
      return try RecordFile(path: path)
    } catch {
      throw .unreadableFile.with(detail: "\(path): \(error)")
    }
  }

  /// Compares two runs path by path.
  ///
  /// - Parameters:
  ///   - run: A pool run.
  ///   - reference: The one-thread run.
  /// - Returns: The first difference in words, or `nil` if they match exactly.
  public static func difference(_ run: LogRun, from reference: LogRun) -> String? {
    if run.lines != reference.lines || run.malformed != reference.malformed {
      return "\(run.workers) workers: \(run.lines) lines, \(run.malformed) malformed; "
        + "one thread: \(reference.lines), \(reference.malformed)"
    }
    if run.paths.count != reference.paths.count {
      return
        "\(run.workers) workers: \(run.paths.count) paths; one thread: \(reference.paths.count)"
    }
    for (mine, theirs) in zip(run.paths, reference.paths) where mine != theirs {
      return "\(run.workers) workers: \(mine); one thread: \(theirs)"
    }
    return nil
  }

  /// Runs the one-thread version, the pool with 1 worker and with
  /// `workers`, interleaved for `rounds` rounds, checking every pool run
  /// against the one-thread run of its round.
  ///
  /// - Parameters:
  ///   - path: The access log.
  ///   - workers: The largest worker count.
  ///   - rounds: Rounds, at least 1.
  /// - Returns: The figures.
  /// - Throws: ``SNToolError/unreadableFile``, ``SNToolError/invalidArgument``
  ///   or ``SNToolError/pipelineFailed``.
  public static func compare(
    path: String, workers: Int, rounds: Int
  ) throws(SNToolError) -> LogReport {
    guard workers >= 1 else { throw .invalidArgument.with(detail: "--workers must be >= 1") }
    guard rounds >= 1 else { throw .invalidArgument.with(detail: "--rounds must be >= 1") }
    let file = try open(path)
    var report = LogReport(
      lines: 0, malformed: 0, paths: 0, workers: workers, oneThread: [], pool1: [], poolN: [],
      passed: true, mismatch: "", load: [])
    for _ in 0..<rounds {
      let reference = oneThread(file)
      report.lines = reference.lines
      report.malformed = reference.malformed
      report.paths = reference.paths.count
      report.oneThread.append(reference.linesPerSecond)
      for count in [1, workers] {
        let run = try pool(file, workers: count)
        if count == 1 { report.pool1.append(run.linesPerSecond) }
        if count == workers {
          report.poolN.append(run.linesPerSecond)
          report.poolNCPUs.append(run.cpuSeconds / max(run.seconds, 1e-9))
          report.perCPURatios.append(
            (Double(run.lines) / max(run.cpuSeconds, 1e-9))
              / (Double(reference.lines) / max(reference.cpuSeconds, 1e-9)))
        }
        if report.passed, let difference = difference(run, from: reference) {
          report.passed = false
          report.mismatch = difference
        }
        if workers == 1 { break }
      }
    }
    var load = [0.0, 0.0, 0.0]
    if getloadavg(&load, 3) == 3 { report.load = load }
    return report
  }
}
