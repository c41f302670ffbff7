import ArgumentParser
import Foundation
import SNAtomics
import SNPool

/// `sn demo`: keyed aggregation of a generated trade stream through the
/// worker pool, for 1 to N workers, checked against a single-threaded run.
public struct DemoCommand: ParsableCommand {
  /// The subcommand's name and help.
  public static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Aggregate a generated stream of trades through the worker pool, and check it.",
    discussion: """
      A producer generates trades (symbol, price, quantity) and submits them in chunks; the pool \
      routes each trade by symbol (stable hash) to the worker that owns the symbol. Workers queue \
      trades, then in tick compute notionals with SIMD batch kernels in arena scratch memory and \
      fold them into per-symbol aggregates they alone own. At shutdown the aggregates come back \
      through an MPSC results channel and are compared, exactly, with a single-threaded \
      computation. Runs 1...N workers to show scaling. Use a release build for real figures: \
      swift run -c release sn demo
      """)

  /// Trades to generate.
  @Option(name: .long, help: "Trades to generate (20000000, 20_000_000, 20M).")
  public var events = CountArgument(20_000_000)

  /// Distinct symbols.
  @Option(name: .long, help: "Distinct symbols (routing keys).")
  public var symbols = CountArgument(10_000)

  /// The largest worker count.
  @Option(name: .long, help: "Workers in the largest run (default: the allowed CPUs).")
  public var workers: Int?

  /// Run only the largest worker count.
  @Flag(name: .long, help: "Run only --workers, not 1...N.")
  public var noScaling = false

  /// Pin workers to CPUs.
  @Flag(name: .long, help: "Pin workers to CPUs (see `sn advise`).")
  public var affinity = false

  /// Per-worker queue capacity.
  @Option(name: .long, help: "Per-worker queue capacity.")
  public var queueCapacity = 16_384

  /// Messages drained per wake-up.
  @Option(name: .long, help: "Messages drained per wake-up before tick does the batch math.")
  public var batchSize = 256

  /// The stream's seed.
  @Option(name: .long, help: "Seed of the generated stream.")
  public var seed: UInt64 = 42

  /// Hide the progress bar.
  @Flag(name: .long, help: "No progress bar (it is drawn only on a terminal anyway).")
  public var noProgress = false

  /// Creates the command (ArgumentParser fills it in).
  public init() {}

  /// Rejects nonsensical values before anything runs.
  ///
  /// - Throws: `ValidationError` with the offending option.
  public func validate() throws {
    if let workers, workers < 1 || workers > 1024 {
      throw ValidationError("--workers must be in 1...1024, got \(workers)")
    }
    do {
      try demoConfiguration.validate()
    } catch {
      throw ValidationError(error.detail)
    }
  }

  /// The settings the options describe.
  public var demoConfiguration: DemoConfiguration {
    var configuration = DemoConfiguration()
    configuration.events = events.value
    configuration.symbols = symbols.value
    configuration.seed = seed
    configuration.cpuAffinity = affinity
    configuration.queueCapacity = queueCapacity
    configuration.batchSize = batchSize
    return configuration
  }

  /// The worker counts to run, ascending.
  public var workerCounts: [Int] {
    let top = workers ?? max(1, OSThread.allowedCPUs.count)
    return noScaling ? [top] : Array(1...top)
  }

  /// Runs the demo and prints the report.
  ///
  /// - Throws: ``SNToolError/checkFailed`` when any run disagrees with the
  ///   single-threaded computation; ``SNToolError/pipelineFailed``.
  public func run() throws {
    let configuration = demoConfiguration
    let showBar = !noProgress && isatty(STDERR_FILENO) == 1
    print(
      "sn demo: \(format(count: configuration.events)) trades over "
        + "\(format(count: configuration.symbols)) symbols, hash-routed by symbol; "
        + "queue \(configuration.queueCapacity), batch \(configuration.batchSize), "
        + "affinity \(affinity ? "on" : "off")")
    #if DEBUG
      print("  (debug build: use `swift run -c release sn demo` for real figures)")
    #endif
    let reference = DemoPipeline.reference(configuration)
    print(
      "single-threaded reference: \(format(rate: Double(configuration.events) / reference.seconds)) "
        + "trades/s (\(String(format: "%.2f", reference.seconds)) s)\n")

    var runs: [DemoRun] = []
    var failures: [String] = []
    for count in workerCounts {
      let bar = ProgressBar(
        total: configuration.events, label: "\(count) worker\(count == 1 ? "" : "s")")
      let run = try DemoPipeline.run(
        configuration, workers: count, progress: showBar ? { bar.draw($0) } : nil)
      if showBar { bar.finish() }
      let check = DemoPipeline.check(run, against: reference)
      print(report(run, check: check, baseline: runs.first))
      if !check.passed { failures += check.mismatches }
      runs.append(run)
    }
    if runs.count > 1 { print(scalingTable(runs)) }
    if failures.isEmpty {
      print(
        "check: OK: every run matches the single-threaded computation exactly "
          + "(\(reference.aggregates.count) symbols: count, volume, notional, min and max price; "
          + "SIMD total notional \(String(format: "%.0f", reference.notional)))")
    } else {
      throw SNToolError.checkFailed.with(detail: failures.joined(separator: "; "))
    }
  }

  func report(_ run: DemoRun, check: DemoCheck, baseline: DemoRun?) -> String {
    let total = Double(max(1, run.perWorker.reduce(0, +)))
    let shares = run.perWorker.enumerated().map { index, count in
      let pin = run.pinnedCPUs[index].map { "@cpu\($0)" } ?? ""
      return "w\(index)\(pin) \(String(format: "%.1f", Double(count) / total * 100))%"
    }.joined(separator: "  ")
    var out = "\(run.workerCount) worker\(run.workerCount == 1 ? "" : "s"): "
    out +=
      "\(format(rate: run.eventsPerSecond)) trades/s in \(String(format: "%.2f", run.seconds)) s"
    if let baseline, baseline.eventsPerSecond > 0 {
      out += String(
        format: " (%.2fx the 1-worker run)", run.eventsPerSecond / baseline.eventsPerSecond)
    }
    out += "\n  balance     \(shares)  (busiest/mean \(String(format: "%.3f", run.imbalance)))"
    out += "\n  queue delay \(format(latency: run.queueDelay))  (submit to handle)"
    out += "\n  handle      \(format(latency: run.processing))"
    out +=
      "\n  arena       \(TopologySnapshot.formatBytes(run.arenaBytes)) scratch per batch at most"
    out +=
      "\n  check       \(check.passed ? "OK (\(check.symbolsCompared) symbols match)" : "FAILED")\n"
    return out
  }

  func scalingTable(_ runs: [DemoRun]) -> String {
    var out = "scaling\n  workers  trades/s     speed-up  busiest/mean  p99 queue delay\n"
    let base = runs.first?.eventsPerSecond ?? 1
    for run in runs {
      out +=
        "  " + "\(run.workerCount)".leftPadded(7) + "  "
        + format(rate: run.eventsPerSecond).rightPadded(11)
        + "  " + String(format: "%.2fx", run.eventsPerSecond / base).rightPadded(8) + "  "
        + String(format: "%.3f", run.imbalance).rightPadded(12) + "  "
        + format(nanoseconds: run.queueDelay.p99) + "\n"
    }
    return out
  }

  func format(latency: LatencySummary) -> String {
    guard latency.count > 0 else { return "no samples" }
    return "p50 \(format(nanoseconds: latency.p50))  p90 \(format(nanoseconds: latency.p90))  "
      + "p99 \(format(nanoseconds: latency.p99))  p99.9 \(format(nanoseconds: latency.p999))  "
      + "max \(format(nanoseconds: latency.max))  (\(format(count: Int(latency.count))) samples)"
  }

  func format(nanoseconds: UInt64) -> String {
    let value = Double(nanoseconds)
    if value >= 1e9 { return String(format: "%.2f s", value / 1e9) }
    if value >= 1e6 { return String(format: "%.2f ms", value / 1e6) }
    if value >= 1e3 { return String(format: "%.1f µs", value / 1e3) }
    return "\(nanoseconds) ns"
  }

  func format(rate: Double) -> String {
    rate >= 1e6 ? String(format: "%.2fM", rate / 1e6) : String(format: "%.1fk", rate / 1e3)
  }

  func format(count: Int) -> String {
    var digits = Array(String(count))
    var index = digits.count - 3
    while index > 0 {
      digits.insert(",", at: index)
      index -= 3
    }
    return String(digits)
  }
}

/// A one-line progress bar on standard error, redrawn in place.
final class ProgressBar: Sendable {
  let total: Int
  let label: String
  let start = MonotonicClock.nanoseconds

  init(total: Int, label: String) {
    self.total = total
    self.label = label
  }

  func draw(_ done: Int) {
    let fraction = Double(done) / Double(max(1, total))
    let width = 30
    let filled = Int(fraction * Double(width))
    let elapsed = Double(MonotonicClock.nanoseconds - start) / 1e9
    let rate = elapsed > 0 ? Double(done) / elapsed / 1e6 : 0
    let line =
      "\r\(label) [" + String(repeating: "#", count: filled)
      + String(repeating: ".", count: width - filled) + "] "
      + String(format: "%3.0f%%  %.2fM trades/s", fraction * 100, rate)
    FileHandle.standardError.write(Data(line.utf8))
  }

  func finish() {
    FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: 70) + "\r").utf8))
  }
}

extension String {
  fileprivate func leftPadded(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
  fileprivate func rightPadded(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
