import ArgumentParser

/// The `sn` command: machine topology, pool tuning advice, and a demo
/// pipeline on the library.
public struct SNCommand: ParsableCommand {
  /// The command's name, abstract and subcommands.
  public static let configuration = CommandConfiguration(
    commandName: "sn",
    abstract: "swift-shared-nothing: machine topology, pool tuning advice, and a demo pipeline.",
    discussion: """
      Start with `sn topology` to see the machine, `sn advise` for a PoolConfiguration, and \
      `sn demo` to watch the library aggregate tens of millions of events.
      """,
    subcommands: [
      TopologyCommand.self, AdviseCommand.self, DemoCommand.self, LogsCommand.self,
      ModelCommand.self,
    ])

  /// Creates the command (ArgumentParser fills it in).
  public init() {}
}

/// A count that accepts `20000000`, `20_000_000`, `20M` or `500k`.
public struct CountArgument: ExpressibleByArgument, Sendable, Hashable, CustomStringConvertible {
  /// The count.
  public var value: Int

  /// Wraps a count.
  ///
  /// - Parameter value: The count.
  public init(_ value: Int) { self.value = value }

  /// Parses `[-]digits[_digits…][k|K|m|M|g|G]`; `nil` for anything else or
  /// on overflow.
  ///
  /// - Parameter argument: The text.
  public init?(argument: String) {
    var text = argument.filter { $0 != "_" && $0 != "," }
    var multiplier = 1
    switch text.last {
    case "k", "K": multiplier = 1_000
    case "m", "M": multiplier = 1_000_000
    case "g", "G": multiplier = 1_000_000_000
    default: break
    }
    if multiplier != 1 { text.removeLast() }
    // A negative count parses, so that the command's validation can say
    // which bound it breaks ("--events must be at least 1").
    guard !text.isEmpty, text.allSatisfy(\.isASCII), let base = Int(text) else {
      return nil
    }
    let (product, overflow) = base.multipliedReportingOverflow(by: multiplier)
    guard !overflow else { return nil }
    value = product
  }

  /// The count in digits.
  public var description: String { "\(value)" }
}

extension Advice.Goal: ExpressibleByArgument {}
extension Advice.WorkerSet: ExpressibleByArgument {}

/// The entry point of the `sn` executable.
public enum SNTool {
  /// Parses the process's arguments, runs the command, and exits: status 0
  /// on success, 64 for bad usage, 1 for an ``SNToolError``.
  public static func main() {
    SNCommand.main()
  }
}
