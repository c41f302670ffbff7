/// Why the gate could not reach a verdict: bad input, not a regression.
public struct GateError: Error, Equatable, CustomStringConvertible {
  private enum Code: Equatable {
    case unreadableFile(String)
    case malformedResults(String, line: Int, reason: String)
    case malformedBaseline(String, reason: String)
    case malformedPolicy(String, reason: String)
    case noResults
    case usage(String)
  }

  private let code: Code

  private init(_ code: Code) { self.code = code }

  /// A file could not be read.
  /// - Parameter path: The file.
  public static func unreadableFile(_ path: String) -> GateError { .init(.unreadableFile(path)) }

  /// A result export is not in the expected format.
  /// - Parameters:
  ///   - path: The file.
  ///   - line: The 1-based line that failed.
  ///   - reason: What was wrong.
  public static func malformedResults(_ path: String, line: Int, reason: String) -> GateError {
    .init(.malformedResults(path, line: line, reason: reason))
  }

  /// A committed baseline file could not be decoded.
  /// - Parameters:
  ///   - path: The file.
  ///   - reason: What was wrong.
  public static func malformedBaseline(_ path: String, reason: String) -> GateError {
    .init(.malformedBaseline(path, reason: reason))
  }

  /// A policy file could not be decoded or names an unknown policy.
  /// - Parameters:
  ///   - path: The file.
  ///   - reason: What was wrong.
  public static func malformedPolicy(_ path: String, reason: String) -> GateError {
    .init(.malformedPolicy(path, reason: reason))
  }

  /// The result files held no benchmark at all (a filter that matched nothing,
  /// or a run that crashed before exporting).
  public static var noResults: GateError { .init(.noResults) }

  /// The command line was wrong.
  /// - Parameter message: What was wrong and what is expected.
  public static func usage(_ message: String) -> GateError { .init(.usage(message)) }

  /// A one-line explanation for the terminal.
  public var description: String {
    switch code {
    case .unreadableFile(let path): "cannot read \(path)"
    case .malformedResults(let path, let line, let reason): "\(path):\(line): \(reason)"
    case .malformedBaseline(let path, let reason): "baseline \(path): \(reason)"
    case .malformedPolicy(let path, let reason): "policy \(path): \(reason)"
    case .noResults: "the result files contain no benchmark results"
    case .usage(let message): message
    }
  }
}
