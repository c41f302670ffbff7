/// Why an `sn` command could not do what it was asked.
///
/// A struct over a private code, so cases can be added without breaking
/// callers; compare with the static members (`error == .unreadableFile`
/// compares the kind, not the detail).
public struct SNToolError: Error, Hashable, CustomStringConvertible {
  private enum Code: Hashable {
    case unreadableFile
    case malformedTopology
    case invalidArgument
    case checkFailed
    case pipelineFailed
  }

  private let code: Code
  /// What went wrong in words, with the offending value or path.
  public let detail: String

  private init(_ code: Code, _ detail: String = "") {
    self.code = code
    self.detail = detail
  }

  /// A file could not be opened or read.
  public static let unreadableFile = SNToolError(.unreadableFile)
  /// A topology file is not a recorded topology (`sn topology --json`).
  public static let malformedTopology = SNToolError(.malformedTopology)
  /// An argument is out of range or inconsistent with another one.
  public static let invalidArgument = SNToolError(.invalidArgument)
  /// The demo's result differs from the single-threaded computation.
  public static let checkFailed = SNToolError(.checkFailed)
  /// The worker pool refused the demo's configuration or stopped early.
  public static let pipelineFailed = SNToolError(.pipelineFailed)

  /// The same kind of error with a detail.
  ///
  /// - Parameter detail: What went wrong, in words.
  /// - Returns: The error carrying `detail`.
  public func with(detail: String) -> SNToolError { SNToolError(code, detail) }

  /// Two errors are equal when they are of the same kind.
  ///
  /// - Parameters:
  ///   - lhs: An error.
  ///   - rhs: Another error.
  /// - Returns: Whether both are of the same kind.
  public static func == (lhs: SNToolError, rhs: SNToolError) -> Bool { lhs.code == rhs.code }

  /// Hashes the kind.
  ///
  /// - Parameter hasher: The hasher.
  public func hash(into hasher: inout Hasher) { hasher.combine(code) }

  /// The message `sn` prints.
  public var description: String {
    let kind =
      switch code {
      case .unreadableFile: "cannot read file"
      case .malformedTopology: "not a recorded topology"
      case .invalidArgument: "invalid argument"
      case .checkFailed: "check failed"
      case .pipelineFailed: "pipeline failed"
      }
    return detail.isEmpty ? kind : "\(kind): \(detail)"
  }
}
