import ArgumentParser
import Foundation
import SNAtomics
import SNPool

/// `sn demo`: keyed aggregation of a generated trade stream through the
/// worker pool, with 1 and N workers, checked against a single-threaded run.
public struct DemoCommand: ParsableCommand {
  /// The subcommand's name and help.
  public static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Aggregate a generated stream of trades through the worker pool, and check it.",
    discussion: """
      --mode mesh (the default) is shared-nothing: each worker generates its own share of the \
      trades (symbol, price, quantity), partitions each chunk by the worker that owns the \
      symbol (stable hash) into buffers it owns, and passes each peer its buffer by a small \
      handle over the pool's worker-to-worker mesh (the trades travel by indirection, not one \
      message each); the owner folds the buffer into state it alone owns and hands it back. --mode ingress feeds the pool \
      from one producer thread (send(contentsOf:key:)); workers compute notionals with SIMD \
      kernels in arena scratch memory; that shape is capped by the producer. Either way the \
      answer is compared, exactly, with a single-threaded computation that uses the same \
      generator per trade, and each run prints its throughput over that reference, measured in \
      the same process. Runs 1 and N workers (--no-scaling: only N). Use a release build for \
      real figures: swift run -c release sn demo
      """)

  /// How the pool is fed.
  @Option(name: .long, help: "mesh (each worker generates its share) or ingress (one producer).")
  public var mode = DemoMode.mesh

  /// Print the figures as JSON.
  @Flag(name: .long, help: "Print the figures as JSON (for scripts).")
  public var json = false

  /// Trades to generate.
  @Option(
    name: .long, parsing: .unconditional, help: "Trades to generate (20000000, 20_000_000, 20M).")
  public var events = CountArgument(20_000_000)

  /// Distinct symbols.
  @Option(name: .long, parsing: .unconditional, help: "Distinct symbols (routing keys).")
  public var symbols = CountArgument(10_000)

  /// The largest worker count.
  @Option(
    name: .long,
    help: "Workers in the largest run (default: the allowed CPUs; at most 4 per allowed CPU).")
  public var workers: Int?

  /// Run only the largest worker count.
  @Flag(name: .long, help: "Run only --workers, not 1 and N.")
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

  /// Mesh lane capacity.
  @Option(
    name: .long,
    help: "Mesh mode: capacity of each worker-to-worker lane (0: 65536 / workers).")
  public var laneCapacity = 0

  /// Mesh stage capacity.
  @Option(name: .long, help: "Mesh mode: buffer handles staged per destination before a flush.")
  public var stageCapacity = 128

  /// Mesh chunk size.
  @Option(
    name: .long,
    help: "Mesh mode: trades a worker generates per step (and per buffer passed to a peer).")
  public var meshChunk = 4_096

  /// Mesh buffers per peer.
  @Option(name: .long, help: "Mesh mode: buffers each worker may lend each peer at once.")
  public var meshBuffers = 64

  /// Interleaved rounds.
  @Option(name: .long, help: "Rounds: the reference and every worker count, interleaved (1...100).")
  public var rounds = 3

  /// Time the mesh demo's pieces instead.
  @Flag(
    name: .long,
    help: """
      Instead of the runs: the CPU cost per trade of each piece of the mesh demo on one thread \
      (generate, partition, fold of a local and of another core's buffer) and the 2-worker \
      ratio they bound, per round.
      """)
  public var breakdown = false

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
    guard laneCapacity == 0 || (1...(1 << 24)).contains(laneCapacity) else {
      throw ValidationError("--lane-capacity must be 0 (automatic) or in 1...16777216")
    }
    guard (1...65_536).contains(stageCapacity) else {
      throw ValidationError("--stage-capacity must be in 1...65536, got \(stageCapacity)")
    }
    guard (1...100).contains(rounds) else {
      throw ValidationError("--rounds must be in 1...100, got \(rounds)")
    }
    let cpus = max(1, OSThread.allowedCPUs.count)
    let top = workers ?? cpus
    // More threads than that measures the OS scheduler, not the pool.
    if top > 4 * cpus {
      throw ValidationError(
        "--workers \(top) is more than 4 per allowed CPU (\(cpus) CPUs: at most \(4 * cpus)); "
          + "oversubscribed runs measure the scheduler, not the pool")
    }
    if affinity, top > cpus {
      throw ValidationError(
        "--affinity pins one worker per CPU: --workers \(top) is more than the \(cpus) allowed CPUs"
      )
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
    configuration.mode = mode
    configuration.meshLaneCapacity = laneCapacity
    configuration.meshStageCapacity = stageCapacity
    configuration.meshChunkSize = meshChunk
    configuration.meshBuffersPerPeer = meshBuffers
    return configuration
  }

  /// The worker counts to run, ascending: 1 and N (only N with
  /// `--no-scaling`).
  public var workerCounts: [Int] {
    let top = workers ?? max(1, OSThread.allowedCPUs.count)
    return noScaling || top == 1 ? [top] : [1, top]
  }

  /// Runs the demo and prints the report.
  ///
  /// - Throws: ``SNToolError/checkFailed`` when any run disagrees with the
  ///   single-threaded computation; ``SNToolError/pipelineFailed``.
  public func run() throws {
    let configuration = demoConfiguration
    if breakdown {
      try printBreakdown(configuration)
      return
    }
    let showBar = !json && !noProgress && mode == .ingress && isatty(STDERR_FILENO) == 1
    if !json {
      print(
        "sn demo --mode \(mode.rawValue): \(format(count: configuration.events)) trades over "
          + "\(format(count: configuration.symbols)) symbols, routed by symbol (stable hash); "
          + (mode == .mesh
            ? "each worker generates its share and passes trades to their owners in buffers "
              + "(handles over the mesh, \(configuration.meshChunkSize) trades per chunk)"
            : "one producer thread submits, queue \(configuration.queueCapacity), batch "
              + "\(configuration.batchSize)")
          + "; affinity \(affinity ? "on" : "off"); \(rounds) round\(rounds == 1 ? "" : "s")")
      #if DEBUG
        print("  (debug build: use `swift run -c release sn demo` for real figures)")
      #endif
    }
    var references: [DemoReference] = []
    var runs: [[DemoRun]] = workerCounts.map { _ in [] }
    var failures: [String] = []
    for round in 1...rounds {
      // Interleaved: the reference and every worker count in each round, so
      // a noisy neighbour hits them alike; ratios are taken within a round.
      let reference = DemoPipeline.reference(configuration)
      references.append(reference)
      var line = "round \(round): reference \(format(rate: reference.rate))"
      for (slot, count) in workerCounts.enumerated() {
        let run: DemoRun
        if mode == .mesh {
          run = try DemoPipeline.runMeshed(configuration, workers: count)
        } else {
          let bar = ProgressBar(
            total: configuration.events, label: "\(count) worker\(count == 1 ? "" : "s")")
          run = try DemoPipeline.run(
            configuration, workers: count, progress: showBar ? { bar.draw($0) } : nil)
          if showBar { bar.finish() }
        }
        let check = DemoPipeline.check(run, against: reference)
        if !check.passed { failures += check.mismatches }
        runs[slot].append(run)
        line +=
          " | \(count)w \(format(rate: run.eventsPerSecond)) "
          + String(format: "(%.2fx)", run.eventsPerSecond / reference.rate)
      }
      if !json { print(line) }
    }
    if json {
      print(try jsonFigures(references: references, runs: runs, passed: failures.isEmpty))
    } else {
      print(summary(references: references, runs: runs))
    }
    guard failures.isEmpty else {
      throw SNToolError.checkFailed.with(detail: failures.joined(separator: "; "))
    }
    if !json {
      print(
        "check: OK: every run matches the single-threaded computation exactly "
          + "(\(references[0].aggregates.count) symbols: count, volume, notional, min and max "
          + "price; total notional \(String(format: "%.0f", references[0].notional)))")
    }
  }

  /// Measures and prints ``DemoBreakdown`` once per round.
  func printBreakdown(_ configuration: DemoConfiguration) throws {
    let events = min(configuration.events, 20_000_000)
    print(
      "sn demo --breakdown: CPU ns per trade on one thread, \(format(count: events)) trades, "
        + "\(configuration.meshChunkSize) per chunk, 2 owners")
    print("round  reference  generate  partition  fold local  fold remote  2-worker bound")
    var bounds: [Double] = []
    for round in 1...rounds {
      let costs = try DemoBreakdown.measure(configuration)
      bounds.append(costs.twoWorkerBound)
      print(
        String(
          format: "%5d  %9.2f  %8.2f  %9.2f  %10.2f  %11.2f  %13.2fx", round, costs.reference,
          costs.generate, costs.partition, costs.foldLocal, costs.foldRemote, costs.twoWorkerBound))
    }
    var load = [0.0, 0.0, 0.0]
    _ = getloadavg(&load, 3)
    print(
      "2-worker bound = 2 × reference ÷ (partition + (fold local + fold remote) / 2): "
        + spread(bounds, format: { String(format: "%.2fx", $0) }) + "; load average "
        + load.map { String(format: "%.2f", $0) }.joined(separator: " "))
  }

  /// Medians and ranges over the rounds, and the last round's details.
  func summary(references: [DemoReference], runs: [[DemoRun]]) -> String {
    let configuration = demoConfiguration
    let referenceRates = references.map(\.rate)
    var out = "\nsummary over \(references.count) round\(references.count == 1 ? "" : "s") "
    out += "(median [min-max]; ratio = pool / the same round's single-thread reference)\n"
    out += "  reference   \(spread(referenceRates, format: { format(rate: $0) })) trades/s\n"
    for series in runs {
      guard let last = series.last else { continue }
      let rates = series.map(\.eventsPerSecond)
      let ratios = zip(series, references).map { $0.eventsPerSecond / $1.rate }
      let label = "\(last.workerCount) worker\(last.workerCount == 1 ? "" : "s")"
      out +=
        "  \(label.rightPadded(10))  \(spread(rates, format: { format(rate: $0) })) trades/s, "
        + "\(spread(ratios, format: { String(format: "%.2fx", $0) })) the reference\n"
      // CPU efficiency: trades per CPU-second over the reference's, the
      // same-round ratio that scheduling on a shared host cannot distort.
      let efficiency = zip(series, references).map { run, reference in
        (Double(run.events) / max(run.cpuSeconds, 1e-9))
          / (Double(configuration.events) / max(reference.cpuSeconds, 1e-9))
      }
      let cpuShare = series.map { $0.cpuSeconds / max($0.seconds, 1e-9) }
      out +=
        "  \("".rightPadded(10))  CPU used \(spread(cpuShare, format: { String(format: "%.2f", $0) })) "
        + "CPUs; trades per CPU-second \(spread(efficiency, format: { String(format: "%.2fx", $0) })) "
        + "the reference's\n"
    }
    if let lastRound = runs.last?.last {
      out += report(lastRound, baseline: runs.count > 1 ? runs[0].last : nil)
    }
    return out
  }

  func spread(_ values: [Double], format: (Double) -> String) -> String {
    let sorted = values.sorted()
    guard let low = sorted.first, let high = sorted.last else { return "-" }
    let median =
      sorted.count % 2 == 1
      ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    return "\(format(median)) [\(format(low))-\(format(high))]"
  }

  /// The figures as JSON: per round, the reference and each run, with ratios.
  func jsonFigures(
    references: [DemoReference], runs: [[DemoRun]], passed: Bool
  ) throws -> String {
    struct Run: Encodable {
      var workers: Int
      var seconds: Double
      var cpuSeconds: Double
      var tradesPerSecond: Double
      var ratioToReference: Double
      var busiestOverMean: Double
    }
    struct Round: Encodable {
      var referenceSeconds: Double
      var referenceCPUSeconds: Double
      var referenceTradesPerSecond: Double
      var runs: [Run]
    }
    struct Figures: Encodable {
      var mode: String
      var events: Int
      var symbols: Int
      var affinity: Bool
      var checkPassed: Bool
      var rounds: [Round]
    }
    let rounds = references.indices.map { round in
      Round(
        referenceSeconds: references[round].seconds,
        referenceCPUSeconds: references[round].cpuSeconds,
        referenceTradesPerSecond: references[round].rate,
        runs: runs.map { series in
          let run = series[round]
          return Run(
            workers: run.workerCount, seconds: run.seconds, cpuSeconds: run.cpuSeconds,
            tradesPerSecond: run.eventsPerSecond,
            ratioToReference: run.eventsPerSecond / references[round].rate,
            busiestOverMean: run.imbalance)
        })
    }
    let figures = Figures(
      mode: mode.rawValue, events: events.value, symbols: symbols.value, affinity: affinity,
      checkPassed: passed, rounds: rounds)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(figures), as: UTF8.self)
  }

  func report(_ run: DemoRun, baseline: DemoRun?) -> String {
    let total = Double(max(1, run.perWorker.reduce(0, +)))
    let shares = run.perWorker.enumerated().map { index, count in
      let pin = run.pinnedCPUs[index].map { "@cpu\($0)" } ?? ""
      return "w\(index)\(pin) \(String(format: "%.1f", Double(count) / total * 100))%"
    }.joined(separator: "  ")
    var out = "last round, \(run.workerCount) worker\(run.workerCount == 1 ? "" : "s"): "
    out +=
      "\(format(rate: run.eventsPerSecond)) trades/s in \(String(format: "%.2f", run.seconds)) s"
    if let baseline, baseline.eventsPerSecond > 0 {
      out += String(
        format: " (%.2fx the 1-worker run)", run.eventsPerSecond / baseline.eventsPerSecond)
    }
    out += "\n  balance     \(shares)  (busiest/mean \(String(format: "%.3f", run.imbalance)))"
    out += "\n  handle      \(format(latency: run.processing))"
    if mode == .ingress {
      out += "\n  queue delay \(format(latency: run.queueDelay))  (submit to handle)"
      out +=
        "\n  arena       \(TopologySnapshot.formatBytes(run.arenaBytes)) scratch per batch at most"
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
      // Erase to the end of the line: a shorter redraw leaves nothing behind.
      + "\u{1B}[K"
    FileHandle.standardError.write(Data(line.utf8))
  }

  func finish() {
    FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
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

extension DemoMode: ExpressibleByArgument {}

extension DemoReference {
  /// Trades per second.
  var rate: Double {
    seconds > 0 ? Double(aggregates.reduce(0) { $0 + Int($1.count) }) / seconds : 0
  }
}
