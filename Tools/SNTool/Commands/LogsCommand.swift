import ArgumentParser
import Foundation
import SNAtomics
import SNPool

/// `sn logs`: an access-log pipeline on a real file format.
public struct LogsCommand: ParsableCommand {
  /// The subcommand's name and help.
  public static let configuration = CommandConfiguration(
    commandName: "logs",
    abstract: "Per-path requests, bytes and latency percentiles of an access log, shared-nothing.",
    subcommands: [LogsRunCommand.self, LogsGenerateCommand.self],
    defaultSubcommand: LogsRunCommand.self)

  /// Creates the command (ArgumentParser fills it in).
  public init() {}
}

/// `sn logs generate`: writes a deterministic access log.
public struct LogsGenerateCommand: ParsableCommand {
  /// The subcommand's name and help.
  public static let configuration = CommandConfiguration(
    commandName: "generate",
    abstract: "Write an nginx combined-format access log with a trailing request time.")

  /// Lines to write.
  @Option(
    name: .long, parsing: .unconditional, help: "Lines (1700000, 1.7M is not accepted: 1700k).")
  public var lines = CountArgument(1_700_000)

  /// Distinct paths.
  @Option(name: .long, parsing: .unconditional, help: "Distinct paths.")
  public var paths = CountArgument(5_000)

  /// The seed.
  @Option(name: .long, help: "Seed.")
  public var seed: UInt64 = 42

  /// The file to write.
  @Option(name: .long, help: "The file to write.")
  public var output: String

  /// Creates the command (ArgumentParser fills it in).
  public init() {}

  /// Writes the file.
  ///
  /// - Throws: ``SNToolError`` if the file cannot be written.
  public func run() throws {
    let bytes = try AccessLog.generate(
      to: output, lines: lines.value, paths: paths.value, seed: seed)
    print("wrote \(output): \(lines.value) lines, \(bytes) bytes")
  }
}

/// `sn logs run`: aggregates an access log with one thread and with the
/// pool, interleaved, and checks that every per-path figure matches.
public struct LogsRunCommand: ParsableCommand {
  /// The subcommand's name and help.
  public static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Aggregate an access log by path: one thread vs the pool (1 and N workers), checked.",
    discussion: """
      The file is mapped once and cut at line boundaries into chunks (RecordFile); each worker \
      claims the next unread chunk, parses it, and sends each line's (path hash, bytes, request time) to the worker owning the path over the \
      worker mesh, in batches; names stay in the mapped file until the end. The one-thread \
      version uses the same parse function. Prints lines/s, pool ÷ one thread per round \
      (median and range), and "check: OK" when every path's requests, bytes, p50 and p99 \
      match exactly (exit 1 otherwise). Without a file, generates a temporary one \
      (--lines, --paths). Use a release build: swift run -c release sn logs
      """)

  /// The log to read.
  @Argument(help: "The access log (default: generate a temporary one).")
  public var file: String?

  /// The largest worker count.
  @Option(name: .long, help: "Workers in the largest run (default: the allowed CPUs).")
  public var workers: Int?

  /// Interleaved rounds.
  @Option(name: .long, help: "Rounds of one thread, 1 worker and N workers, interleaved (1...100).")
  public var rounds = 5

  /// Lines of a generated file.
  @Option(name: .long, parsing: .unconditional, help: "Lines of the generated file (no FILE).")
  public var lines = CountArgument(1_700_000)

  /// Paths of a generated file.
  @Option(name: .long, parsing: .unconditional, help: "Paths of the generated file (no FILE).")
  public var paths = CountArgument(5_000)

  /// Print JSON.
  @Flag(name: .long, help: "Print the figures as JSON.")
  public var json = false

  /// Creates the command (ArgumentParser fills it in).
  public init() {}

  /// Rejects nonsensical values before anything runs.
  ///
  /// - Throws: `ValidationError` with the offending option.
  public func validate() throws {
    if let workers, workers < 1 || workers > 1024 {
      throw ValidationError("--workers must be in 1...1024, got \(workers)")
    }
    guard (1...100).contains(rounds) else {
      throw ValidationError("--rounds must be in 1...100, got \(rounds)")
    }
    guard lines.value >= 1, paths.value >= 1 else {
      throw ValidationError("--lines and --paths must be at least 1")
    }
  }

  /// Runs the rounds and prints the figures.
  ///
  /// - Throws: ``SNToolError`` for an unreadable file, a failed pool, or a
  ///   mismatch (`check failed`, exit 1).
  public func run() throws {
    let top = workers ?? max(1, OSThread.allowedCPUs.count)
    var path = file
    var temporary: String?
    if path == nil {
      let name = NSTemporaryDirectory() + "sn-logs-\(getpid()).log"
      temporary = name
      path = name
    }
    // Removed whether or not generating or running succeeds.
    defer { if let temporary { unlink(temporary) } }
    if let temporary {
      try AccessLog.generate(to: temporary, lines: lines.value, paths: paths.value)
    }
    let report = try LogPipeline.compare(path: path ?? "", workers: top, rounds: rounds)
    print(json ? report.json : report.text)
    if !report.passed { throw SNToolError.checkFailed.with(detail: report.mismatch) }
  }
}
