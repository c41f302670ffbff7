import ArgumentParser

/// `sn topology`: the machine as a table or as JSON.
public struct TopologyCommand: ParsableCommand {
  /// The subcommand's name and help.
  public static let configuration = CommandConfiguration(
    commandName: "topology",
    abstract: "Show CPUs, cores, NUMA nodes, caches, huge pages, pinning and SIMD features.",
    discussion: """
      Pinning is tried on a throwaway thread, not guessed. `--json` writes the recording format \
      that `sn advise --topology FILE` reads.
      """)

  /// Write JSON instead of a table.
  @Flag(name: .long, help: "Write JSON (the format `sn advise --topology` reads).")
  public var json = false

  /// Show a recorded topology instead of probing this machine.
  @Option(name: .long, help: "Show a recorded topology file instead of this machine.")
  public var topology: String?

  /// Creates the command (ArgumentParser fills it in).
  public init() {}

  /// Prints the topology.
  ///
  /// - Throws: ``SNToolError`` for an unreadable or malformed `--topology` file.
  public func run() throws {
    let snapshot =
      try topology.map { path throws(SNToolError) in try TopologySnapshot.load(path: path) }
      ?? TopologySnapshot.probe()
    print(json ? snapshot.jsonString() : snapshot.table(), terminator: json ? "\n" : "")
  }
}

/// `sn advise`: a recommended pool configuration for this machine or a recorded one.
public struct AdviseCommand: ParsableCommand {
  /// The subcommand's name and help.
  public static let configuration = CommandConfiguration(
    commandName: "advise",
    abstract: "Recommend a PoolConfiguration for this machine (or a recorded one), with reasons.",
    discussion: """
      Rules: one worker per allowed physical core (one core per NUMA node left free from 4 cores \
      up); affinity on for dedicated hosts, off in shared containers, small VMs, macOS or when a \
      test pin fails; queue capacity 128 for latency, 1024 balanced, 16384 for throughput; hash \
      routing for a static worker set, jump hash for a dynamic one.
      """)

  /// What to tune for.
  @Option(name: .long, help: "What to tune for: latency, balanced or throughput.")
  public var goal: Advice.Goal = .balanced

  /// Whether the worker set changes at run time.
  @Option(name: .long, help: "Worker set: static (fixed count) or dynamic (workers come and go).")
  public var workers: Advice.WorkerSet = .static

  /// Advise for a recorded topology instead of this machine.
  @Option(name: .long, help: "Advise for a topology recorded with `sn topology --json`.")
  public var topology: String?

  /// Write JSON instead of text.
  @Flag(name: .long, help: "Write the advice as JSON.")
  public var json = false

  /// Creates the command (ArgumentParser fills it in).
  public init() {}

  /// Prints the advice.
  ///
  /// - Throws: ``SNToolError`` for an unreadable or malformed `--topology` file.
  public func run() throws {
    let snapshot =
      try topology.map { path throws(SNToolError) in try TopologySnapshot.load(path: path) }
      ?? TopologySnapshot.probe()
    let advice = Advisor.advise(for: snapshot, goal: goal, workerSet: workers)
    if json {
      print(try advice.jsonString())
    } else {
      if snapshot.label != "probed" { print("Topology: \(snapshot.label)\n") }
      print(advice.text(), terminator: "")
    }
  }
}
